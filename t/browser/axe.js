'use strict';

// Loads a page and runs axe-core on it with the WCAG 2.0 and 2.1 A and AA
// rules; prints the violations (id, impact, nodes) and the page's status.
// usage: node axe.js URL [Accept-Language]

const fs = require('fs');
const path = require('path');
const { main } = require('./browser');

const AXE = fs.readFileSync(path.join(__dirname, 'node_modules', 'axe-core',
                                      'axe.min.js'), 'utf8');

main(async (browser) => {
    const context = await browser.newContext({
        extraHTTPHeaders: process.argv[3]
            ? { 'Accept-Language': process.argv[3] } : {},
    });
    const page = await context.newPage();
    const response = await page.goto(process.argv[2], { waitUntil: 'load' });
    // axe is injected through the DevTools protocol, which the page's CSP
    // does not govern, so the page is checked exactly as served
    await page.evaluate(AXE);
    const result = await page.evaluate(async () => {
        const r = await window.axe.run(document, {
            runOnly: { type: 'tag',
                       values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
        });
        return r.violations.map((v) => ({
            id: v.id,
            impact: v.impact,
            help: v.help,
            nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5),
        }));
    });
    return {
        status: response.status(),
        lang: await page.evaluate(() => document.documentElement.lang),
        dir: await page.evaluate(() => document.documentElement.dir),
        violations: result,
    };
});
