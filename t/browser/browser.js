'use strict';

// Debian's chromium, headless, driven by playwright-core (no browser
// download).  The flags keep it off the network: this machine's closed
// network refuses Chromium's background connections.

const { chromium } = require('playwright-core');

const EXECUTABLE = process.env.EGOV_CHROMIUM || '/usr/bin/chromium';

async function launch(extraArgs) {
    return chromium.launch({
        executablePath: EXECUTABLE,
        headless: true,
        args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--disable-dev-shm-usage',
        ].concat(extraArgs || []),
    });
}

// Runs fn(browser) and prints its result as one JSON line; a failure
// prints {"error": ...} and exits 1, so the Perl side always gets JSON.
function main(fn, extraArgs) {
    (async () => {
        let browser;
        try {
            browser = await launch(extraArgs);
            const result = await fn(browser);
            process.stdout.write(JSON.stringify(result) + '\n');
            await browser.close();
        } catch (e) {
            process.stdout.write(JSON.stringify({ error: String(e && e.stack || e) }) + '\n');
            if (browser) await browser.close().catch(() => {});
            process.exit(1);
        }
    })();
}

module.exports = { launch, main };
