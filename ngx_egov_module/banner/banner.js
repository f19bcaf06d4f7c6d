(function () {
    'use strict';
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
        }).then(function () {
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
