(function () {
    'use strict';
    /* the banner and each held back embed load this script: once is enough */
    if (window.egovConsent) {
        return;
    }
    var me = document.currentScript;
    var nonce = me ? me.nonce : '';

    /* marked scripts and iframes (data-egov-consent, data-category) whose
       categories are all granted come alive in place, as the module would
       have served them */
    var categories = function (el) {
        var v = el.getAttribute('data-egov-consent');
        if (v === null) {
            v = el.getAttribute('data-category') || '';
        }
        return v.toLowerCase().split(/[\s,]+/).filter(Boolean);
    };
    var allowed = function (el, granted) {
        var c = categories(el);
        return c.length > 0 && c.every(function (x) {
            return granted.indexOf(x) >= 0;
        });
    };
    var placeholderOf = function (frame) {
        var p = frame.previousElementSibling;
        return p && p.hasAttribute('data-egov-embed') ? p : null;
    };
    /* a frame the page's CSP refuses (its origin comes with consent,
       egov_consent_source): the page again, now with it, after a choice;
       the frame's own page, when shown once */
    var waiting = {};
    var originOf = function (u) {
        try {
            return new URL(u, location.href).origin;
        } catch (e) {
            return '';
        }
    };
    document.addEventListener('securitypolicyviolation', function (e) {
        var then = waiting[originOf(e.blockedURI)];
        if (then) {
            waiting = {};
            if (then === true) {
                location.reload();
            } else {
                location.assign(then);
            }
        }
    });
    var showFrame = function (frame, once) {
        var src = frame.getAttribute('data-src');
        var p = placeholderOf(frame);
        if (src !== null) {
            waiting[originOf(src)] = once ? src : true;
            frame.removeAttribute('data-src');
            frame.setAttribute('src', src);
        }
        frame.hidden = false;
        if (p) {
            p.parentNode.removeChild(p);
        }
    };
    var activate = function (granted) {
        granted = (granted || []).map(function (x) {
            return String(x).toLowerCase();
        });
        var scripts = document.querySelectorAll(
            'script[data-egov-consent],script[data-category]');
        Array.prototype.forEach.call(scripts, function (old) {
            var type = (old.getAttribute('type') || '').trim().toLowerCase();
            if (type !== 'text/plain' || !allowed(old, granted)) {
                return;
            }
            var s = document.createElement('script');
            Array.prototype.forEach.call(old.attributes, function (a) {
                if (a.name !== 'type' && a.name !== 'data-type'
                    && a.name !== 'nonce') {
                    s.setAttribute(a.name, a.value);
                }
            });
            if (old.getAttribute('data-type')) {
                s.type = old.getAttribute('data-type');
            }
            s.nonce = old.nonce || nonce;
            if (old.hasAttribute('src')) {
                s.async = old.hasAttribute('async');
            } else {
                s.text = old.text;
            }
            old.parentNode.replaceChild(s, old);
        });
        var frames = document.querySelectorAll(
            'iframe[data-egov-consent],iframe[data-category]');
        Array.prototype.forEach.call(frames, function (f) {
            if (allowed(f, granted) && (f.hidden || f.hasAttribute('data-src'))) {
                showFrame(f);
            }
        });
    };
    window.egovConsent = { activate: activate };

    /* "show it this once": in place, without storing a choice */
    document.addEventListener('click', function (e) {
        var a = e.target && e.target.closest
                && e.target.closest('a[data-egov-embed-once]');
        var p = a && a.closest('[data-egov-embed]');
        var frame = p && p.nextElementSibling;
        if (frame && frame.tagName === 'IFRAME') {
            e.preventDefault();
            showFrame(frame, true);
            frame.focus();
        }
    });

    var root = document.getElementById('egov-consent');
    if (!root || !window.fetch || !window.URLSearchParams) {
        return;
    }
    /* first in the page, so that the keyboard reaches it first; it is a
       fixed overlay, so moving it shifts nothing */
    if (document.body && document.body.firstChild !== root) {
        document.body.insertBefore(root, document.body.firstChild);
    }
    /* WCAG 2.2, 2.4.11: nothing that takes focus may end up hidden behind
       the banner.  The page gets room below its end as tall as the banner
       (so its last links can scroll above it), focus scrolling keeps clear
       of it, and an element focused under it is scrolled above it. */
    var spacer = document.createElement('div');
    spacer.setAttribute('aria-hidden', 'true');
    document.body.appendChild(spacer);
    var room = function () {
        var h = root.parentNode ? root.offsetHeight : 0;
        spacer.style.height = h + 'px';
        document.documentElement.style.scrollPaddingBottom = h ? h + 'px' : '';
    };
    room();
    window.addEventListener('resize', room);
    var clear = function (e) {
        var t = e.target;
        if (!root.parentNode || root.contains(t) || !t.getBoundingClientRect) {
            return;
        }
        var below = t.getBoundingClientRect().bottom
                    - root.getBoundingClientRect().top;
        if (below > 0) {
            window.scrollBy(0, below + 8);
        }
    };
    document.addEventListener('focusin', clear);
    var form = root.querySelector('form');
    var status = root.querySelector('[role=status]');
    var pressed = null;
    form.addEventListener('click', function (e) {
        if (e.target && e.target.name === 'action') {
            pressed = e.target;
        }
    });
    form.addEventListener('submit', function (e) {
        var data = new URLSearchParams(new FormData(form));
        var button = e.submitter || pressed;
        if (button) {
            data.append('action', button.value);
        }
        e.preventDefault();
        /* the attribute: form.action is the buttons named "action" */
        fetch(form.getAttribute('action'), {
            method: 'POST',
            body: data,
            credentials: 'same-origin',
            headers: { 'Accept': 'application/json' }
        }).then(function (r) {
            if (!r.ok) {
                throw new Error(r.status);
            }
            return r.json();
        }).then(function (choice) {
            /* what was just granted comes alive without a reload */
            activate(choice && typeof choice.consent === 'string'
                     ? choice.consent.split(',') : []);
            /* the choice is made: say so, leave the settings link behind,
               and keep the style it needs (the banner's stylesheet has it;
               a template with the style inline keeps its style element) */
            status.textContent = root.getAttribute('data-saved');
            var sheet = root.querySelector('link[rel=stylesheet]');
            var style = root.querySelector('style');
            if (sheet) {
                var copy = document.createElement('link');
                copy.rel = 'stylesheet';
                copy.nonce = sheet.nonce;
                copy.href = sheet.href;
                document.head.appendChild(copy);
            } else if (style) {
                document.head.appendChild(style);
            }
            var box = document.createElement('div');
            var link = document.createElement('a');
            box.className = 'egov-consent-link';
            box.lang = root.lang;
            box.dir = root.dir;
            link.href = root.getAttribute('data-settings-href');
            link.textContent = root.getAttribute('data-settings');
            box.appendChild(link);
            document.body.appendChild(box);
            setTimeout(function () {
                var focused = root.contains(document.activeElement);
                root.parentNode.removeChild(root);
                spacer.parentNode.removeChild(spacer);
                document.removeEventListener('focusin', clear);
                window.removeEventListener('resize', room);
                room();
                if (focused) {
                    link.focus();
                }
            }, 1500);
        }).catch(function () {
            /* the request could not be made in place: the form's own way */
            if (button) {
                var hidden = document.createElement('input');
                hidden.type = 'hidden';
                hidden.name = 'action';
                hidden.value = button.value;
                form.appendChild(hidden);
            }
            HTMLFormElement.prototype.submit.call(form);
        });
    });
}());
