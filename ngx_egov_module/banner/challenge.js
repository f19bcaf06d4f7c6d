/*
 * ngx_egov_module's proof of work: finds a number whose SHA-256 over
 * "TOKEN.NUMBER" begins with BITS zero bits, then asks the page again
 * with "egov_pow=TOKEN.NUMBER": the server checks it in one hash and sets
 * a short-lived cookie for this network.  SHA-256 is written here (the
 * Web Crypto API is not offered to pages over plain HTTP, and one call per
 * try is slow); work is done in slices so the page stays responsive and
 * the progress is shown and announced.
 */
(function () {
    "use strict";

    var form = document.getElementById("egov-challenge");
    if (!form) {
        return;
    }

    var token = form.getAttribute("data-token");
    var bits = parseInt(form.getAttribute("data-bits"), 10);
    var bar = document.getElementById("egov-progress");
    var status = document.getElementById("egov-status");
    var K = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b,
        0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
        0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7,
        0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
        0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152,
        0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
        0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
        0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
        0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
        0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
        0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
    ];
    var W = new Array(64);

    /* the first 32 bits of SHA-256 of an ASCII string */
    function sha256head(s) {
        var n = s.length, words = ((n + 9 + 63) >> 6) << 4;
        var m = new Array(words), i, j;
        var h0 = 0x6a09e667, h1 = 0xbb67ae85, h2 = 0x3c6ef372,
            h3 = 0xa54ff53a, h4 = 0x510e527f, h5 = 0x9b05688c,
            h6 = 0x1f83d9ab, h7 = 0x5be0cd19;

        for (i = 0; i < words; i++) {
            m[i] = 0;
        }
        for (i = 0; i < n; i++) {
            m[i >> 2] |= (s.charCodeAt(i) & 0xff) << (24 - (i & 3) * 8);
        }
        m[n >> 2] |= 0x80 << (24 - (n & 3) * 8);
        m[words - 1] = n * 8;

        for (i = 0; i < words; i += 16) {
            var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6,
                h = h7, t1, t2, x, y;

            for (j = 0; j < 64; j++) {
                if (j < 16) {
                    W[j] = m[i + j];
                } else {
                    x = W[j - 15];
                    y = W[j - 2];
                    W[j] = (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14))
                            ^ (x >>> 3))
                           + W[j - 7]
                           + (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13))
                              ^ (y >>> 10))
                           + W[j - 16] | 0;
                }
                t1 = h + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21))
                          ^ ((e >>> 25) | (e << 7)))
                     + ((e & f) ^ (~e & g)) + K[j] + W[j] | 0;
                t2 = (((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19))
                      ^ ((a >>> 22) | (a << 10)))
                     + ((a & b) ^ (a & c) ^ (b & c)) | 0;
                h = g;
                g = f;
                f = e;
                e = d + t1 | 0;
                d = c;
                c = b;
                b = a;
                a = t1 + t2 | 0;
            }

            h0 = h0 + a | 0;
            h1 = h1 + b | 0;
            h2 = h2 + c | 0;
            h3 = h3 + d | 0;
            h4 = h4 + e | 0;
            h5 = h5 + f | 0;
            h6 = h6 + g | 0;
            h7 = h7 + h | 0;
        }

        return h0 >>> 0;
    }

    /* bits up to 32: the first word is enough */
    var limit = Math.pow(2, 32 - bits);
    var expected = Math.pow(2, bits);
    var nonce = 0;
    var said = 0;

    function step() {
        var end = nonce + 20000;

        for (; nonce < end; nonce++) {
            if (sha256head(token + "." + nonce) < limit) {
                done();
                return;
            }
        }

        var share = Math.min(0.99, 1 - Math.exp(-nonce / expected));
        bar.value = share;
        var pct = Math.floor(share * 100);
        if (pct >= said + 25) {
            said = pct - pct % 25;
            status.textContent = status.getAttribute("data-working")
                                 .replace("{{percent}}", said);
        }
        setTimeout(step, 0);
    }

    function done() {
        bar.value = 1;
        status.textContent = status.getAttribute("data-done");
        /* this site's page: one "/" first ("//host/x" is another site),
           its query without an earlier answer (a stale one would be read) */
        var path = "/" + location.pathname.replace(/^[\/\\]+/, "");
        var args = location.search.replace(/^\?/, "").split("&")
            .filter(function (a) { return a && !/^egov_pow=/i.test(a); });
        args.push("egov_pow=" + token + "." + nonce);
        location.replace(path + "?" + args.join("&"));
    }

    form.hidden = false;
    status.textContent = status.getAttribute("data-start");
    setTimeout(step, 0);
})();
