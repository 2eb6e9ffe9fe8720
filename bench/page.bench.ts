/**
 * `npm run bench` (the page): how long the playground takes from an input
 * to the verdict on screen, in real Chromium (Debian's, headless), on the
 * built page (dist/site) served by `corsproof ui`'s server on loopback.
 *
 * Three measures, each the time from the input event to the next frame after
 * the verdict was replaced (the page judges synchronously on `input`, so the
 * frame is when the user sees it):
 * - first verdict: the page just loaded (the engine not yet optimized by the
 *   JIT), one edit of the response headers;
 * - an edit: a typed change of the response headers, warm;
 * - a scenario switch: the seed case loaded by its button.
 * Each is the median of its rounds, side by side in one run, beside the bar
 * of issue 11: a verdict under 100 ms after input.
 */
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { startUiServer } from '../src/ui/server.js';
import { launch } from '../test/browser/harness.js';

const SITE = join(import.meta.dirname, '..', 'dist', 'site');
const ROUNDS = Number(process.env.CORSPROOF_BENCH_ROUNDS ?? 9);
const BAR_MS = 100;

/**
 * In the page: change the response headers (or click a button), dispatch
 * the event the user's action raises, and time it until the frame after
 * the verdict changed.
 */
function timeInput(page: Page, action: 'edit' | 'seed', n: number): Promise<number> {
  return page.evaluate(
    (kind: string, round: number) =>
      new Promise<number>((resolve) => {
        const verdict = document.getElementById('verdict') as HTMLElement;
        const before = verdict.firstElementChild;
        const start = performance.now();
        if (kind === 'seed') {
          (document.getElementById('load-seed') as HTMLButtonElement).click();
        } else {
          const field = document.getElementById('response-headers') as HTMLTextAreaElement;
          field.value = `Access-Control-Allow-Origin: https://app.example.com\nX-Round: ${round}`;
          field.dispatchEvent(new Event('input', { bubbles: true }));
        }
        const changed = verdict.firstElementChild !== before;
        requestAnimationFrame(() => setTimeout(() => resolve(changed ? performance.now() - start : Number.NaN), 0));
      }),
    action,
    n,
  );
}

function median(values: number[]): number {
  const sorted = [...values].filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const server = await startUiServer({ siteDir: SITE });
const browser = await launch('chromium');
const version = await browser.version();
const samples: Record<string, number[]> = { 'first verdict (page just loaded)': [], 'an edit (warm)': [], 'a scenario switch (the seed button)': [] };
try {
  for (let round = 0; round < ROUNDS; round++) {
    const page = await browser.newPage();
    await page.goto(server.origin);
    await page.waitForSelector('#verdict-status');
    samples['first verdict (page just loaded)']!.push(await timeInput(page, 'edit', round));
    for (let k = 0; k < 5; k++) samples['an edit (warm)']!.push(await timeInput(page, 'edit', 100 + k));
    samples['a scenario switch (the seed button)']!.push(await timeInput(page, 'seed', round));
    await page.close();
  }
} finally {
  await browser.close();
  await server.close();
}

console.log(`\nThe page: input to verdict on screen, medians of ${ROUNDS} rounds (${version}, headless, this machine):`);
const rows = Object.entries(samples).map(([name, values]) => {
  const m = median(values);
  const missing = values.filter((v) => Number.isNaN(v)).length;
  return { name, m, pass: m < BAR_MS && missing === 0, spread: `${Math.min(...values).toFixed(1)}-${Math.max(...values).toFixed(1)} ms`, missing };
});
for (const r of rows) {
  console.log(`  ${r.pass ? 'PASS' : 'FAIL'}  ${r.name.padEnd(40)} ${r.m.toFixed(1).padStart(7)} ms   (bar < ${BAR_MS} ms; rounds ${r.spread}${r.missing ? `; ${r.missing} without a new verdict` : ''})`);
}
console.log(['', '| input | median | bar |', '| --- | ---: | --- |', ...rows.map((r) => `| ${r.name} | ${r.m.toFixed(1)} ms | < ${BAR_MS} ms: ${r.pass ? 'PASS' : 'FAIL'} |`)].join('\n'));
