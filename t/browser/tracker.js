'use strict';

// A "tracker" on a second origin, as analytics and marketing tags are: the
// portal's page loads its script, which writes a first-party cookie with
// document.cookie (and one for the parent domain), as _ga and _fbp are
// written.  usage: node tracker.js PORTAL_BASE  (names under .test resolve
// to 127.0.0.1).  For each state (no choice, rejected, accepted in place,
// GPC with no cookie) prints the cookies the browser then holds, whether
// the tracker ran, the CSP the browser got, and what it refused; after
// accepting, withdrawal on the settings page, and the cookies left.

const { main } = require('./browser');

const [base] = process.argv.slice(2);

async function visit(context) {
    const page = await context.newPage();
    const refused = [];
    page.on('console', (m) => {
        if (/Content Security Policy/.test(m.text())) {
            refused.push(m.text().slice(0, 160));
        }
    });
    const res = await page.goto(base + '/page.html', { waitUntil: 'load' });
    await page.waitForTimeout(300);
    const ran = await page.evaluate(() => window.__tracker === 1);
    const cookies = (await context.cookies()).map((c) => c.name + '@' + c.domain).sort();
    const csp = (res.headers()['content-security-policy'] || '')
        .replace(/'nonce-[^']+'/g, "'nonce-N'");
    return { page, state: { ran, cookies, csp, refused: refused.length } };
}

async function choose(page, value) {
    await page.click('#egov-consent button[value=' + value + ']');
    await page.waitForFunction(() => !document.getElementById('egov-consent'),
                               null, { timeout: 5000 });
}

main(async (browser) => {
    const out = {};

    let context = await browser.newContext();
    let v = await visit(context);
    out.before = v.state;
    await choose(v.page, 'reject');
    out.rejected = (await visit(context)).state;
    await context.close();

    context = await browser.newContext();
    v = await visit(context);
    await choose(v.page, 'accept');
    v = await visit(context);
    out.accepted = v.state;

    /* withdrawal on the settings page: the tracker's cookies go */
    await v.page.goto(base + '/.egov/consent', { waitUntil: 'load' });
    await Promise.all([
        v.page.waitForNavigation({ waitUntil: 'load' }),
        v.page.click('button[value=reject]'),
    ]);
    out.withdrawn = {
        cookies: (await context.cookies()).map((c) => c.name + '@' + c.domain).sort(),
    };
    await context.close();

    context = await browser.newContext({ extraHTTPHeaders: { 'Sec-GPC': '1' } });
    out.gpc = (await visit(context)).state;
    await context.close();

    return out;
}, ['--host-resolver-rules=MAP *.test 127.0.0.1']);
