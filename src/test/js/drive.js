// Loads a page in Debian's headless Chromium (through playwright-core: no browser download) and prints the page's
// window.DONE as JSON once it is set. Usage: node drive.js URL [timeout_ms]
const { chromium } = require('playwright-core');

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    page.on('console', (m) => console.error('page: ' + m.text()));
    page.on('pageerror', (e) => console.error('page error: ' + e));
    await page.goto(process.argv[2]);
    const done = await page.waitForFunction(() => window.DONE, null, { timeout: Number(process.argv[3] || 60000) });
    console.log(JSON.stringify(await done.jsonValue()));
  } finally {
    await browser.close();
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
