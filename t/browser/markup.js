'use strict';

// Markup gating in a real browser, with a tracker on a second origin: the
// portal's page marks the tracker's script (data-egov-consent="analytics")
// and an embedded iframe (data-egov-consent="marketing").  usage:
// node markup.js PORTAL_BASE TRACKER_BASE (names under .test resolve to
// 127.0.0.1).
// For each state prints what reached the tracker's origin, the cookies the
// browser holds, whether the script ran, whether the iframe loaded, what
// the placeholder is and what axe finds, the CSP the browser got.

const fs = require('fs');
const path = require('path');
const { main } = require('./browser');

const http = require('http');

const [base, trackerBase] = process.argv.slice(2);

/* a line in the tracker's access log, from outside the browser: what the
   browser sent between two marks is what it sent in those states */
const mark = (name) => new Promise((resolve) => {
    http.get(trackerBase + '/--' + name + '--', (r) => {
        r.resume();
        r.on('end', resolve);
    }).on('error', resolve);
});
const AXE = fs.readFileSync(path.join(__dirname, 'node_modules', 'axe-core',
                                      'axe.min.js'), 'utf8');

const jar = async (context) =>
    (await context.cookies()).map((c) => c.name + '@' + c.domain).sort();

async function open(context, uri) {
    const page = await context.newPage();
    const tracker = [];
    page.on('request', (r) => {
        if (/tracker\.test/.test(r.url())) {
            tracker.push(r.url().replace(/^.*tracker\.test:\d+/, ''));
        }
    });
    const res = await page.goto(base + (uri || '/page.html'), { waitUntil: 'load' });
    await page.waitForTimeout(300);
    return { page, tracker, res };
}

async function state(context, v) {
    const { page, tracker, res } = v;
    const frame = page.frames().find((f) => /frame\.html/.test(f.url()));
    let framed = null;
    if (frame) {
        framed = await frame.evaluate(() => document.title).catch(() => null);
    }
    return {
        tracker: tracker.slice().sort(),
        cookies: await jar(context),
        ran: await page.evaluate(() => window.__tracker === 1),
        framed,
        placeholder: await page.evaluate(() => {
            const p = document.querySelector('[data-egov-embed]');
            return p ? { lang: p.lang, text: p.innerText.replace(/\s+/g, ' ').trim() } : null;
        }),
        csp: res ? (res.headers()['content-security-policy'] || '')
            .replace(/'nonce-[^']+'/g, "'nonce-N'") : null,
    };
}

async function axe(page) {
    await page.evaluate(AXE);
    return page.evaluate(async () => {
        const r = await window.axe.run(document, {
            runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a',
                                             'wcag21aa', 'wcag22aa'] },
        });
        return r.violations.map((x) => x.id + ': '
            + x.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', '));
    });
}

async function choose(page, value) {
    await page.click('#egov-consent button[value=' + value + ']');
    await page.waitForFunction(() => !document.getElementById('egov-consent'),
                               null, { timeout: 5000 });
}

async function waitFrame(page) {
    for (let i = 0; i < 50; i++) {
        const f = page.frames().find((x) => /frame\.html/.test(x.url()));
        const t = f && await f.evaluate(() => document.title).catch(() => null);
        if (t) {
            return t;
        }
        await page.waitForTimeout(100);
    }
    return null;
}

main(async (browser) => {
    const out = {};

    /* no choice, in English and in Arabic; then rejected */
    let context = await browser.newContext();
    let v = await open(context);
    out.before = await state(context, v);
    out.before.axe = await axe(v.page);
    const ar = await open(context, '/ar.html');
    out.before_ar = await state(context, ar);
    out.before_ar.axe = await axe(ar.page);
    await choose(v.page, 'reject');
    v = await open(context);
    out.rejected = await state(context, v);
    out.rejected.axe = await axe(v.page);
    await context.close();
    await mark('refused');

    /* accepted in place: the script runs and the iframe loads, no reload
       asked of the visitor */
    context = await browser.newContext();
    v = await open(context);
    await choose(v.page, 'accept');
    out.accepted_in_place = {
        framed: await waitFrame(v.page),
        ran: await v.page.evaluate(() => window.__tracker === 1)
            .catch(() => false),
    };
    out.accepted_in_place.cookies = await jar(context);
    v = await open(context);
    out.accepted = await state(context, v);

    /* withdrawal on the settings page: the tracker's cookies go */
    await v.page.goto(base + '/.egov/consent', { waitUntil: 'load' });
    await Promise.all([
        v.page.waitForNavigation({ waitUntil: 'load' }),
        v.page.click('button[value=reject]'),
    ]);
    out.withdrawn = { cookies: await jar(context) };
    await context.close();

    /* "show it this once": the iframe in place, nothing stored */
    context = await browser.newContext();
    v = await open(context);
    await choose(v.page, 'reject');
    v = await open(context);
    await v.page.click('[data-egov-embed-once]');
    out.once = { framed: await waitFrame(v.page) };
    v = await open(context);
    out.once.after = await state(context, v);
    await context.close();

    /* without JavaScript: the banner's form, then the page comes active */
    context = await browser.newContext({ javaScriptEnabled: false });
    v = await open(context);
    await Promise.all([
        v.page.waitForNavigation({ waitUntil: 'load' }),
        v.page.click('#egov-consent button[value=accept]'),
    ]);
    await v.page.waitForTimeout(300);
    out.nojs = await state(context, { page: v.page, tracker: v.tracker, res: null });
    out.nojs.framed = await waitFrame(v.page);
    out.nojs.script = await v.page.evaluate(() => {
        const s = document.querySelector('script[data-egov-consent]');
        return s ? s.outerHTML.replace(/ nonce="[^"]*"/, '') : null;
    });
    const cookies = await context.cookies();
    await context.close();
    context = await browser.newContext();
    await context.addCookies(cookies);
    v = await open(context);
    out.nojs.then = await state(context, v);
    await context.close();

    /* the embed's own form, without JavaScript */
    context = await browser.newContext({ javaScriptEnabled: false });
    v = await open(context);
    await Promise.all([
        v.page.waitForNavigation({ waitUntil: 'load' }),
        v.page.click('[data-egov-embed] button[value=save]'),
    ]);
    out.embed_form = { framed: await waitFrame(v.page), cookies: await jar(context) };
    await context.close();

    /* Global Privacy Control, no choice stored */
    await mark('gpc');
    context = await browser.newContext({ extraHTTPHeaders: { 'Sec-GPC': '1' } });
    v = await open(context);
    out.gpc = await state(context, v);
    await context.close();
    await mark('end');

    return out;
}, ['--host-resolver-rules=MAP *.test 127.0.0.1']);
