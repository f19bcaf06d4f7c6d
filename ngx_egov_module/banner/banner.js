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
