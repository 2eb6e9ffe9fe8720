/**
 * What the playground page's browser suites share: the page opened in one
 * browser (served by `corsproof ui`'s server from dist/site), axe-core's
 * violations on the page as it is, and switching the page's colour scheme
 * in each browser.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import type { UiServer } from '../../src/ui/server.js';
import { startUiServer } from '../../src/ui/server.js';
import type { BrowserKind } from './harness.js';
import { firefoxChromeEvaluate, launch } from './harness.js';
import { requireBrowser } from './require-browser.js';

const root = join(import.meta.dirname, '..', '..');
const AXE = readFileSync(join(root, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

/** The page's server, a browser and the page in it. */
export interface Playground {
  server: UiServer;
  browser: Browser;
  page: Page;
}

/** Serve dist/site, launch `kind` and open the page at `path` (e.g. a permalink's fragment), once `ready` shows. */
export async function openPlayground(kind: BrowserKind, path = '', ready = '#verdict-status'): Promise<Playground> {
  requireBrowser(kind);
  const server = await startUiServer({ siteDir: join(root, 'dist', 'site') });
  const browser = await launch(kind);
  const page = await browser.newPage();
  await page.goto(`${server.origin}${path}`);
  await page.waitForSelector(ready);
  return { server, browser, page };
}

/** Close what {@link openPlayground} opened (either may be missing when it failed). */
export async function closePlayground(server: UiServer | undefined, browser: Browser | undefined): Promise<void> {
  await browser?.close();
  await server?.close();
}

/** Switch the page's colour scheme (Chromium: media emulation; Firefox: its content override pref). */
export async function scheme(browser: Browser, page: Page, kind: BrowserKind, dark: boolean): Promise<void> {
  if (kind === 'chromium') {
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: dark ? 'dark' : 'light' }]);
  } else {
    await firefoxChromeEvaluate(browser, `Services.prefs.setIntPref('layout.css.prefers-color-scheme.content-override', ${dark ? 0 : 1}), 'ok'`);
  }
  await page.waitForFunction((d: boolean) => matchMedia('(prefers-color-scheme: dark)').matches === d, { timeout: 5000 }, dark);
}

/** axe-core's violations on the page as it is (id, impact, the first node and why). */
export async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE);
  const json = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<{ target: unknown; failureSummary: string }> }> }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return JSON.stringify(r.violations.map((v) => `${v.id} (${v.impact}): ${JSON.stringify(v.nodes[0]?.target)} ${v.nodes[0]?.failureSummary ?? ''}`));
  });
  return JSON.parse(json) as string[];
}

/**
 * Follow a permalink on the page: set the address's fragment. The address bar follows the form 400 ms
 * after a change; until it has, it may still hold this very permalink (from before the last change), and
 * setting the same hash again fires no hashchange, so this waits for it first (a form with a problem
 * keeps no address: then it waits 2 s and goes on).
 */
export async function followPermalink(page: Page, fragment: string): Promise<void> {
  await page.waitForFunction(() => location.hash === document.getElementById('permalink')?.getAttribute('href'), { timeout: 2_000 }).catch(() => undefined);
  await page.evaluate((f: string) => (location.hash = f), fragment);
}
