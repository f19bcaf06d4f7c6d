'use strict';

// Meets the proof-of-work challenge in Chromium: with JavaScript, the page
// works, asks again with its answer and lands on the page asked for, with
// a pass cookie that lets the next visit through; without JavaScript, what
// the page says and offers.
// usage: node challenge.js URL js|nojs [Accept-Language [LANDING-URL]]
// (LANDING-URL: where the page must land, when not URL itself)

const { main } = require('./browser');

main(async (browser) => {
    const url = process.argv[2];
    const js = process.argv[3] !== 'nojs';
    const landing = process.argv[5] || url;
    const context = await browser.newContext({
        javaScriptEnabled: js,
        extraHTTPHeaders: { 'Accept-Language': process.argv[4] || 'en' },
    });
    const page = await context.newPage();
    const seen = [];
    page.on('response', (r) => seen.push({ url: r.url(), status: r.status() }));

    // the page solves, then replaces itself with the page asked for: that
    // may happen before goto() returns, so the wait begins first
    const landed = js
        ? page.waitForResponse((r) => r.url() === landing
                                      && r.status() === 200,
                               { timeout: 30000 })
        : null;
    const first = await page.goto(url, { waitUntil: 'load' });
    const result = { first: first.status() };

    if (!js) {
        result.text = await page.locator('main').innerText();
        result.link = await page.locator('noscript a, main a').first()
                                .getAttribute('href').catch(() => null);
        result.progressVisible = await page.locator('#egov-progress')
                                           .isVisible();
        return result;
    }

    await landed;
    await page.waitForLoadState('load');
    result.body = await page.locator('body').innerText();
    result.url = page.url();
    result.cookies = (await context.cookies()).map((c) => ({
        name: c.name, httpOnly: c.httpOnly, sameSite: c.sameSite,
    }));
    const again = await page.goto(url, { waitUntil: 'load' });
    result.again = again.status();
    result.againBody = await page.locator('body').innerText();
    result.seen = seen.filter((s) => !s.url.endsWith('/favicon.ico'))
                      .map((s) => s.status + ' '
                                  + s.url.replace(/^https?:\/\/[^/]+/, ''));
    return result;
});
