// Drives the demo page in headless Chromium (puppeteer-core, Debian's binary): for each case, serves the built
// page (cross-origin isolated or not) on an ephemeral localhost port, runs a seeded sample through the page's
// own code path, and prints one JSON document: per case the particle hash, threads used and isolation, plus a
// canvas readback summary and a screenshot. Used by tests/web/chromium.test.ts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { buildDemo } from '../../examples/web/build.mjs';
import { serveDemo } from '../../examples/web/serve.mjs';
import { ensureChromium } from './ensure-chromium.mjs';

const [outdir, casesJson] = process.argv.slice(2);
const cases = JSON.parse(casesJson);
const started = Date.now();
const log = (what) => process.stderr.write(`chromium-run: ${what} at ${Date.now() - started} ms\n`);
const executablePath = ensureChromium();
const root = await buildDemo(outdir);
log('built the page');
const browser = await puppeteer.launch({
  executablePath,
  headless: true,
  args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), '--disable-gpu', '--disable-dev-shm-usage'],
});
log('launched Chromium');
const results = [];
try {
  for (const { isolated, options } of cases) {
    const server = await serveDemo({ root, isolated });
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.setViewport({ width: 1100, height: 900 });
    await page.goto(server.url, { waitUntil: 'load' });
    await page.waitForFunction(() => globalThis.sgmkitDemo?.ready === true, { timeout: 20_000 });
    log('page ready');
    const run = await page.evaluate((o) => globalThis.sgmkitDemo.run(o), options);
    log('sampled');
    // canvas readback: how many pixels are not background, and how many distinct colours
    const canvas = await page.evaluate(() => {
      const c = document.getElementById('canvas');
      const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      const colours = new Set();
      let drawn = 0;
      for (let i = 0; i < data.length; i += 4) {
        const rgba = (data[i] << 24) | (data[i + 1] << 16) | (data[i + 2] << 8) | data[i + 3];
        colours.add(rgba);
        if (data[i] !== 255 || data[i + 1] !== 255 || data[i + 2] !== 255) drawn++;
      }
      return { drawn, colours: colours.size, pixels: data.length / 4 };
    });
    const screenshot = await page.screenshot({ type: 'png' });
    mkdirSync(outdir, { recursive: true });
    writeFileSync(join(outdir, `screenshot-${results.length}.png`), screenshot);
    const status = await page.$eval('#status', (e) => e.textContent);
    results.push({ ...run, canvas, status, errors, screenshotBytes: screenshot.length });
    await page.close();
    await server.close();
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(results));
