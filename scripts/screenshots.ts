/**
 * `npm run screenshots`: the playground page as the README shows it, taken
 * in Debian's Chromium (headless) from the built page (dist/site, served by
 * `corsproof ui`'s server on loopback), light and dark, into docs/. Run by
 * hand after a change to the page's look (the tests never write docs/).
 *
 * The page shows the seed case (credentials with `Access-Control-Allow-Origin: *`),
 * loaded by its button as a user would.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startUiServer } from '../src/ui/server.js';
import { launch } from '../test/browser/harness.js';

const root = join(import.meta.dirname, '..');
const SITE = join(root, 'dist', 'site');
const DOCS = join(root, 'docs');
/** A laptop's viewport; the shot is of the whole page. */
const VIEWPORT = { width: 1280, height: 900, deviceScaleFactor: 1 };

mkdirSync(DOCS, { recursive: true });
const server = await startUiServer({ siteDir: SITE });
const browser = await launch('chromium');
try {
  const page = await browser.newPage();
  await page.setViewport(VIEWPORT);
  await page.goto(server.origin);
  await page.waitForSelector('#verdict-status');
  await page.click('#load-seed');
  await page.waitForFunction(() => document.getElementById('verdict-status')?.getAttribute('data-ok') === 'false');
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: scheme }]);
    const path = join(DOCS, `playground-${scheme}.png`) as `${string}.png`;
    await page.screenshot({ path, fullPage: true });
    console.log(`wrote ${path.slice(root.length + 1)}`);
  }
} finally {
  await browser.close();
  await server.close();
}
