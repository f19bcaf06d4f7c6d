
/*
 * For bit i of an address of n bits, Crypto-PAn encrypts a block made of
 * the address's first i bits followed by the pad's bits from i on, and
 * takes the first bit of the result; the n bits so made are XORed with
 * the address.  The pad is the encryption of the key's second half.
 */


#include <string.h>

#include "ngx_egov_cryptopan.h"


static int ngx_egov_cryptopan_run(ngx_egov_cryptopan_t *cp,
    unsigned char *addr, unsigned bits);


int
ngx_egov_cryptopan_init(ngx_egov_cryptopan_t *cp,
    const unsigned char key[NGX_EGOV_CRYPTOPAN_KEY_LEN])
{
    int  len;

    cp->aes = EVP_CIPHER_CTX_new();
    if (cp->aes == NULL) {
        return -1;
    }

    if (EVP_EncryptInit_ex(cp->aes, EVP_aes_128_ecb(), NULL, key, NULL) != 1
        || EVP_CIPHER_CTX_set_padding(cp->aes, 0) != 1
        || EVP_EncryptUpdate(cp->aes, cp->pad, &len, key + 16, 16) != 1
        || len != 16)
    {
        EVP_CIPHER_CTX_free(cp->aes);
        cp->aes = NULL;
        return -1;
    }

    return 0;
}


void
ngx_egov_cryptopan_free(ngx_egov_cryptopan_t *cp)
{
    if (cp->aes) {
        EVP_CIPHER_CTX_free(cp->aes);
        cp->aes = NULL;
    }
}


int
ngx_egov_cryptopan_ipv4(ngx_egov_cryptopan_t *cp, unsigned char addr[4])
{
    return ngx_egov_cryptopan_run(cp, addr, 32);
}


int
ngx_egov_cryptopan_ipv6(ngx_egov_cryptopan_t *cp, unsigned char addr[16])
{
    return ngx_egov_cryptopan_run(cp, addr, 128);
}


/*
 * The blocks depend on the address only, not on each other's results, so
 * all of them are encrypted in one ECB call (AES-NI pipelines them).
 */

static int
ngx_egov_cryptopan_run(ngx_egov_cryptopan_t *cp, unsigned char *addr,
    unsigned bits)
{
    int            len;
    unsigned       i, byte, bit;
    unsigned char  flip[16], *block;
    unsigned char  in[128 * 16], out[128 * 16];

    for (i = 0; i < bits; i++) {

        /* the address's first i bits, then the pad's */

        block = in + 16 * i;
        memcpy(block, cp->pad, 16);

        byte = i / 8;
        bit = i % 8;

        memcpy(block, addr, byte);

        if (bit) {
            block[byte] = (unsigned char)
                ((addr[byte] & (0xff << (8 - bit)))
                 | (cp->pad[byte] & (0xff >> bit)));
        }
    }

    if (EVP_EncryptUpdate(cp->aes, out, &len, in, (int) (16 * bits)) != 1
        || len != (int) (16 * bits))
    {
        return -1;
    }

    memset(flip, 0, sizeof(flip));

    for (i = 0; i < bits; i++) {
        flip[i / 8] |= (unsigned char) ((out[16 * i] >> 7) << (7 - i % 8));
    }

    for (i = 0; i < bits / 8; i++) {
        addr[i] ^= flip[i];
    }

    return 0;
}
