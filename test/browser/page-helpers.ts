/**
 * What the playground page's browser suites share: axe-core's violations on
 * the page as it is, and switching the page's colour scheme in each browser.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import type { BrowserKind } from './harness.js';
import { firefoxChromeEvaluate } from './harness.js';

const AXE = readFileSync(join(import.meta.dirname, '..', '..', 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

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
