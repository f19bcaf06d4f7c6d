'use strict';

// WCAG 2.2 with the banner shown: Tab through a whole page at a desktop
// and a phone size; for each element that takes focus, whether it ended
// entirely hidden behind the banner or out of the window (SC 2.4.11 Focus
// Not Obscured), and whether it is smaller than 24 by 24 CSS pixels
// (SC 2.5.8 Target Size; links inside a sentence are exempt).
// usage: node focus.js BASE_URL PATH

const { main } = require('./browser');

const [base, path] = process.argv.slice(2);

const SIZES = [['desktop', { width: 1280, height: 800 }],
               ['phone', { width: 390, height: 844 }]];

main(async (browser) => {
    const out = {};
    for (const [name, viewport] of SIZES) {
        const context = await browser.newContext({ viewport });
        const page = await context.newPage();
        await page.goto(base + path, { waitUntil: 'load' });
        await page.waitForTimeout(200);
        const seen = [];
        const hidden = [];
        const small = [];
        for (let i = 0; i < 80; i++) {
            await page.keyboard.press('Tab');
            const f = await page.evaluate(() => {
                const e = document.activeElement;
                if (!e || e === document.body) {
                    return null;
                }
                if (e.egovSeen) {
                    return { again: true };
                }
                e.egovSeen = true;
                const banner = document.getElementById('egov-consent');
                const r = e.getBoundingClientRect();
                const id = e.tagName + ':' + (e.getAttribute('href')
                    || e.value || e.textContent || '').trim().slice(0, 40);
                let covered = false;
                if (banner && !banner.contains(e)) {
                    const b = banner.getBoundingClientRect();
                    covered = r.top >= b.top && r.bottom <= b.bottom
                              && r.left >= b.left && r.right <= b.right;
                }
                const away = r.bottom <= 0 || r.top >= window.innerHeight;
                const inline = e.tagName === 'A' && e.parentElement
                               && e.parentElement.tagName === 'P';
                return { id, covered, away, inline,
                         w: Math.round(r.width), h: Math.round(r.height) };
            });
            if (!f || f.again) {
                break;
            }
            seen.push(f.id);
            if (f.covered || f.away) {
                hidden.push(f.id + (f.covered ? ' (under the banner)' : ' (out of the window)'));
            }
            if (!f.inline && (f.w < 24 || f.h < 24)) {
                small.push(f.id + ' ' + f.w + 'x' + f.h);
            }
        }
        out[name] = { seen, hidden, small };
        await context.close();
    }
    return out;
});
