'use strict';

// The consent banner as visitors meet it, in Debian's chromium.
// usage: node consent.js MODE BASE_URL [LANG]
//   keyboard-accept, keyboard-reject: Tab to the button, Enter or Space
//   choose: open "Choose" by keyboard, tick analytics, save
//   nojs: JavaScript off, the form posts and the page comes back
//   layout: the layout shifts the banner causes
// Each prints what happened: the focus path, the cookies the browser
// holds before and after, whether the banner or the settings link show,
// and what the server now says ($egov_consent at BASE_URL/whoami).

const { main } = require('./browser');

const [mode, base, lang] = process.argv.slice(2);

async function state(page, context) {
    const cookies = (await context.cookies()).map((c) => c.name).sort();
    const banner = await page.$('#egov-consent') !== null;
    const link = await page.$('.egov-consent-link a') !== null;
    const consent = await page.evaluate(async (u) => {
        const r = await fetch(u);
        return r.text();
    }, base + '/whoami');
    return { cookies, banner, link, consent };
}

async function tabTo(page, want, max) {
    const path = [];
    for (let i = 0; i < max; i++) {
        await page.keyboard.press('Tab');
        const f = await page.evaluate(() => {
            const e = document.activeElement;
            return e ? { tag: e.tagName, value: e.value || '',
                         text: (e.textContent || '').trim().slice(0, 40) }
                     : null;
        });
        path.push(f);
        if (f && want(f)) {
            return path;
        }
    }
    return path;
}

main(async (browser) => {
    const context = await browser.newContext({
        javaScriptEnabled: mode !== 'nojs',
        extraHTTPHeaders: lang ? { 'Accept-Language': lang } : {},
    });
    const page = await context.newPage();
    const started = Date.now();
    let cssAt = 0;
    let inPlace = null;
    if (mode === 'layout') {
        /* a slow stylesheet: the banner must not show, nor move, unstyled */
        await page.route('**/banner.css*', async (route) => {
            await new Promise((resolve) => setTimeout(resolve, 600));
            await route.continue();
        });
        page.on('response', (r) => {
            if (r.url().includes('/banner.css')) {
                cssAt = Date.now();
            }
        });
    }
    let pending = null;
    if (mode === 'layout') {
        /* while the stylesheet is on its way, the banner is not displayed */
        await page.goto(base + '/page.html', { waitUntil: 'commit' });
        await page.waitForSelector('#egov-consent', { state: 'attached' });
        pending = await page.evaluate(() => getComputedStyle(
            document.getElementById('egov-consent')).display);
        await page.waitForLoadState('load');
    } else {
        await page.goto(base + '/page.html', { waitUntil: 'load' });
    }
    const before = await state(page, context);
    let path = [];

    if (mode === 'keyboard-accept' || mode === 'keyboard-reject') {
        const value = mode === 'keyboard-accept' ? 'accept' : 'reject';
        path = await tabTo(page, (f) => f.tag === 'BUTTON' && f.value === value, 10);
        await page.evaluate(() => { window.egovSamePage = true; });
        await page.keyboard.press(mode === 'keyboard-accept' ? 'Enter' : 'Space');
        await page.waitForSelector('.egov-consent-link a', { timeout: 5000 });
        await page.waitForFunction(() => !document.getElementById('egov-consent'),
                                   null, { timeout: 5000 });
        /* the link left in place keeps its style once the banner is gone */
        inPlace = await page.evaluate(() => ({
            samePage: window.egovSamePage === true,
            position: getComputedStyle(
                document.querySelector('.egov-consent-link')).position,
        }));

    } else if (mode === 'choose') {
        path = await tabTo(page, (f) => f.tag === 'SUMMARY', 10);
        await page.keyboard.press('Enter');
        const opened = await page.evaluate(() =>
            document.querySelector('#egov-consent details').open);
        path.push({ opened });
        path = path.concat(await tabTo(page, (f) => f.value === 'analytics', 6));
        await page.keyboard.press('Space');
        path = path.concat(await tabTo(page, (f) => f.value === 'save', 6));
        await page.keyboard.press('Enter');
        await page.waitForFunction(() => !document.getElementById('egov-consent'),
                                   null, { timeout: 5000 });
        /* the link left in place keeps its style once the banner is gone */
        inPlace = await page.evaluate(() => ({
            samePage: window.egovSamePage === true,
            position: getComputedStyle(
                document.querySelector('.egov-consent-link')).position,
        }));

    } else if (mode === 'nojs') {
        await Promise.all([
            page.waitForNavigation({ waitUntil: 'load' }),
            page.click('#egov-consent button[value=accept]'),
        ]);
        path.push({ url: page.url() });

    } else if (mode === 'layout') {
        await page.evaluate(() => new Promise((resolve) => {
            window.__shift = 0;
            new PerformanceObserver((list) => {
                for (const e of list.getEntries()) {
                    window.__shift += e.value;
                    /* what moved, for the test's message if it fails */
                    window.__moved = (window.__moved || []).concat(
                        e.sources.map((x) => (x.node ? x.node.nodeName + '#'
                            + (x.node.id || '') : '?') + ' top '
                            + x.previousRect.top + ' -> ' + x.currentRect.top));
                }
            }).observe({ type: 'layout-shift', buffered: true });
            setTimeout(resolve, 800);
        }));
        const shift = await page.evaluate(() => window.__shift);
        const box = await page.evaluate(() => {
            const r = document.getElementById('egov-consent');
            const s = getComputedStyle(r);
            return { position: s.position, first: document.body.firstElementChild === r };
        });
        const moved = await page.evaluate(() => window.__moved || []);
        return { before, shift, box, pending, moved, cssWait: cssAt - started };
    }

    await page.reload({ waitUntil: 'load' });
    const after = await state(page, context);
    return { before, path, after, inPlace };
});
