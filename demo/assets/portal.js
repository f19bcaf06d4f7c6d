/* Served from 'self', so the strict CSP allows it without a nonce. */
(function () {
    'use strict';
    var year = document.getElementById('year');
    if (year) {
        year.textContent = String(new Date().getFullYear());
    }
    var form = document.querySelector('form.search');
    if (form) {
        form.addEventListener('submit', function (e) {
            e.preventDefault();
            var out = document.getElementById('search-result');
            var q = form.querySelector('input').value.trim();
            out.textContent = q ? out.getAttribute('data-none') : '';
        });
    }
})();
