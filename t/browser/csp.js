'use strict';

// Loads a page under the module's Content-Security-Policy and reports what
// the browser actually allowed: the page sets window.__ran.NAME from each
// inline script; CSP violations are collected as the browser reports them.
// usage: node csp.js URL

const { main } = require('./browser');

main(async (browser) => {
    const page = await browser.newPage();
    const violations = [];
    await page.exposeFunction('__egovViolation', (v) => violations.push(v));
    await page.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (e) => {
            window.__egovViolation({ directive: e.violatedDirective,
                                     blocked: e.blockedURI });
        });
    });
    const response = await page.goto(process.argv[2], { waitUntil: 'load' });
    await page.waitForTimeout(200);
    const ran = await page.evaluate(() => window.__ran || {});
    const styled = await page.evaluate(() => {
        const el = document.getElementById('styled');
        return el ? getComputedStyle(el).color : null;
    });
    return {
        status: response.status(),
        csp: response.headers()['content-security-policy'] || null,
        ran,
        styled,
        violations,
    };
});
