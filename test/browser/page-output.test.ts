/**
 * The playground page's output beyond the verdict, in real Chromium and
 * Firefox, each scenario loaded through its permalink: the trace's failing
 * step (icon and word, not colour alone) as doctor/trace.ts has it; the
 * smallest change as repair() gives it, and the page's diff applied through
 * the engine passes; the recipe for a chosen stack equal to the doctor's
 * (`check --stack`); the security note where it belongs and nowhere else;
 * the export (corsproof/testing snippet, explain JSON) and its Copy button;
 * a scenario blocked in WebKit only (WebKit's trace beside the others', not
 * fixable in WebKit, the export holding to WebKit);
 * what the user chose surviving a re-render; a scenario failing at a redirect
 * (the failing redirect step, the change on the hop or none possible);
 * axe-core in light and dark with every part open and redirect hops shown.
 */
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recipesToShow } from '../../src/doctor/fixes.js';
import { repair } from '../../src/doctor/repair.js';
import { scenarioJson, testSnippet } from '../../src/doctor/test-snippet.js';
import { traces } from '../../src/doctor/trace.js';
import { evaluate } from '../../src/engine/evaluate.js';
import { reason } from '../../src/engine/reasons.js';
import type { HeaderList, Scenario, ScenarioResponse } from '../../src/engine/types.js';
import { validateScenario } from '../../src/engine/validate.js';
import type { UiServer } from '../../src/ui/server.js';
import { axeViolations, closePlayground, followPermalink, openPlayground, scheme } from './page-helpers.js';

const PAGE = 'https://app.example.com';

const S = (json: unknown): Scenario => validateScenario(json);
/** A credentialed PUT with Authorization, the preflight and the response answered with '*'. */
const PREFLIGHT = S({
  request: { url: 'https://api.example.com/v1/items/7', origin: PAGE, method: 'PUT', headers: [['Authorization', 'Bearer x']], credentials: 'include', initiator: 'fetch' },
  preflight: { status: 204, headers: [['Access-Control-Allow-Origin', '*'], ['Access-Control-Allow-Methods', 'GET']] },
  response: { status: 200, headers: [['Access-Control-Allow-Origin', '*']] },
});
/** A preflight that passes, then a response without CORS headers. */
const RESPONSE = S({
  request: { url: 'https://api.example.com/v1/items', origin: PAGE, method: 'DELETE', headers: [], credentials: 'same-origin', initiator: 'fetch' },
  preflight: { status: 204, headers: [['Access-Control-Allow-Origin', PAGE], ['Access-Control-Allow-Methods', 'DELETE']] },
  response: { status: 200, headers: [['Content-Type', 'application/json']] },
});
/** A sandboxed page (Origin: null): the change names 'null', and the note says what that trusts. */
const SANDBOXED = S({
  request: { url: 'https://api.example.com/v1/me', origin: 'null', method: 'GET', headers: [], credentials: 'include', initiator: 'xhr' },
  preflight: null,
  response: { status: 200, headers: [] },
});
/** A passing request: nothing to change. */
const PASSING = S({
  request: { url: 'https://api.example.com/v1/items', origin: PAGE, method: 'GET', headers: [], credentials: 'same-origin', initiator: 'fetch' },
  preflight: null,
  response: { status: 200, headers: [['Access-Control-Allow-Origin', '*']] },
});

/** A redirect to another origin without Access-Control-Allow-Origin: the change is on the redirect hop. */
const REDIRECTED = S({
  request: { url: 'https://api.example.com/v1/old', origin: PAGE, method: 'GET', headers: [], credentials: 'same-origin', initiator: 'fetch' },
  preflight: null,
  response: { status: 200, headers: [['Access-Control-Allow-Origin', '*']] },
  redirects: [{ status: 301, headers: [['Location', 'https://cdn.example.net/v1/new']] }],
});
/** A PUT redirected (303) to another origin: WebKit alone preflights the GET there, with Origin: null, and blocks. */
const WEBKIT_ONLY = S({
  request: { url: 'https://api.example.com/v1/items/7', origin: PAGE, method: 'PUT', headers: [], credentials: 'same-origin', initiator: 'fetch' },
  preflight: { status: 204, headers: [['Access-Control-Allow-Origin', PAGE], ['Access-Control-Allow-Methods', 'PUT']] },
  response: { status: 200, headers: [['Access-Control-Allow-Origin', '*']] },
  redirects: [{ status: 303, headers: [['Location', 'https://cdn.example.net/v1/items/7'], ['Access-Control-Allow-Origin', PAGE]] }],
});
/** A redirect to a data: URL: a network error no header change fixes. */
const DATA_REDIRECT = S({
  request: { url: 'https://api.example.com/v1/file', origin: PAGE, method: 'GET', headers: [], credentials: 'same-origin', initiator: 'fetch' },
  preflight: null,
  response: { status: 200, headers: [['Access-Control-Allow-Origin', '*']] },
  redirects: [{ status: 302, headers: [['Location', 'data:text/plain,hi'], ['Access-Control-Allow-Origin', '*']] }],
});

const fragment = (s: Scenario): string => `#s=${Buffer.from(JSON.stringify(s), 'utf8').toString('base64url')}`;

/** Load a scenario through its permalink (the address's fragment) and wait for its verdict. */
async function open(page: Page, s: Scenario): Promise<void> {
  const f = fragment(s);
  await followPermalink(page, f);
  await page.waitForFunction((h: string) => document.getElementById('permalink')?.getAttribute('href') === h && document.getElementById('change') !== null, { timeout: 10_000 }, f);
}

/** The trace as the page shows it: per list, each step's state, kind and text. */
function shownTrace(page: Page): Promise<Array<{ who: string; label: string; steps: Array<{ state: string; kind: string; text: string }> }>> {
  return page.$$eval('ol.trace', (lists) =>
    lists.map((ol) => ({
      who: ol.getAttribute('data-browsers') ?? '',
      label: document.getElementById(ol.getAttribute('aria-labelledby') ?? '')?.textContent ?? '',
      steps: Array.from(ol.querySelectorAll('li.step')).map((li) => ({ state: li.getAttribute('data-state') ?? '', kind: li.getAttribute('data-kind') ?? '', text: li.querySelector('p')?.textContent ?? '' })),
    })),
  );
}

/** The page's diff blocks: the answer's title and each line as shown. */
function shownDiff(page: Page): Promise<Array<{ title: string; lines: string[] }>> {
  return page.$$eval('#change-diff .diff-block', (blocks) =>
    blocks.map((b) => ({ title: b.querySelector('h4')?.textContent ?? '', lines: Array.from(b.querySelectorAll('pre.diff span')).map((s) => (s.textContent ?? '').replace(/\n$/, '')) })),
  );
}

/** Apply the page's diff to the scenario: the kept and added lines of each answer become its status and headers. */
function applyShownDiff(s: Scenario, diff: Array<{ title: string; lines: string[] }>): Scenario {
  const out = structuredClone(s);
  for (const block of diff) {
    const kept = block.lines.filter((l) => !l.startsWith('- ')).map((l) => l.slice(2).replace(/ {3}\(advised: not needed to pass\)$/, ''));
    const status = Number(kept[0]?.replace('Status: ', ''));
    const headers: HeaderList = kept.slice(1).map((l) => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)]);
    const answer: ScenarioResponse = { status, headers };
    if (block.title === 'In the preflight (OPTIONS) response') out.preflight = answer;
    else if (block.title === 'In the response') out.response = answer;
    else if (block.title.startsWith('In redirect ')) (out.redirects as ScenarioResponse[])[Number(/redirect (\d+)/.exec(block.title)?.[1]) - 1] = answer;
    else throw new Error(`unknown part: ${block.title}`);
  }
  return out;
}

for (const kind of ['chromium', 'firefox'] as const) {
  describe(`the playground page's output in ${kind}`, () => {
    let server: UiServer;
    let browser: Browser;
    let page: Page;

    beforeAll(async () => {
      ({ server, browser, page } = await openPlayground(kind, fragment(PREFLIGHT), '#change'));
    });
    afterAll(() => closePlayground(server, browser));

    it('the trace marks the failing step with an icon and a word, as doctor/trace.ts has it', async () => {
      await open(page, PREFLIGHT);
      const shown = await shownTrace(page);
      const t = traces(PREFLIGHT);
      expect(t.same).toBe(true);
      expect(shown).toHaveLength(1);
      expect([shown[0]?.who, shown[0]?.label]).toEqual(['chromium firefox webkit', 'Chromium, Firefox and WebKit:']);
      expect(shown[0]?.steps.map((s) => [s.state, s.kind])).toEqual(t.chromium.map((s) => [s.state, s.kind]));
      expect(shown[0]?.steps).toEqual([{ state: 'failed', kind: 'preflight', text: '✗ Fails here: Preflight: OPTIONS https://api.example.com/v1/items/7' }]);
      expect(await page.$eval('li.step.failed .step-reason', (e) => e.textContent)).toBe(reason('wildcard-with-credentials').title);

      await open(page, RESPONSE);
      expect((await shownTrace(page))[0]?.steps.map((s) => `${s.state} ${s.kind} ${s.text}`)).toEqual([
        'passed preflight ✓ Passed: Preflight: OPTIONS https://api.example.com/v1/items',
        'failed request ✗ Fails here: DELETE https://api.example.com/v1/items, then the CORS check',
      ]);
      expect(await page.$eval('li.step.failed pre.exchange', (e) => e.textContent)).toBe(`> Origin: ${PAGE}\n< 200\n< Content-Type: application/json`);
    });

    it("the smallest change is repair()'s, and the page's diff applied through the engine passes in Chromium, Firefox and WebKit", async () => {
      for (const s of [PREFLIGHT, RESPONSE]) {
        await open(page, s);
        const r = repair(s);
        if (r.kind !== 'change') throw new Error('expected a change');
        const diff = await shownDiff(page);
        expect(diff.map((d) => d.title)).toEqual(r.diffs.map((d) => `In ${d.title}`));
        expect(diff.map((d) => d.lines)).toEqual(r.diffs.map((d) => d.lines.map((l) => `${l.op} ${l.text}${l.advised ? '   (advised: not needed to pass)' : ''}`)));
        const applied = evaluate(applyShownDiff(s, diff));
        expect(applied.ok).toBe(true);
        expect(applied).toEqual(r.verdict);
      }
      expect((await shownDiff(page))[0]?.lines).toEqual(['  Status: 200', '  Content-Type: application/json', `+ Access-Control-Allow-Origin: ${PAGE}`, '+ Vary: Origin   (advised: not needed to pass)']);
    });

    it('a scenario failing at a redirect: the trace marks the failing redirect step; the change is on the hop, or none fixes it', async () => {
      await open(page, DATA_REDIRECT);
      const t = traces(DATA_REDIRECT);
      const shown = await shownTrace(page);
      expect(shown.map((l) => [l.who, l.steps.map((x) => [x.state, x.kind])])).toEqual(t.groups.map((g) => [g.browsers.join(' '), g.steps.map((x) => [x.state, x.kind])]));
      expect(shown[0]?.steps.at(-1)).toEqual({ state: 'failed', kind: 'redirect', text: '✗ Fails here: Redirect (hop 1) to data:text/plain,hi' });
      const r = repair(DATA_REDIRECT);
      if (r.kind !== 'not-fixable') throw new Error('expected no change to fix it');
      expect(await page.$eval('#change', (e) => e.getAttribute('data-kind'))).toBe('not-fixable');
      expect(await page.$eval('#change-none', (e) => e.textContent)).toBe(`No change to the server's headers fixes this in Chromium: ${r.why}`);
      expect(await page.$eval('#change-fix', (e) => e.textContent)).toBe(`Server: ${r.fix.text.replaceAll('`', '')}`);

      await open(page, REDIRECTED);
      const fix = repair(REDIRECTED);
      if (fix.kind !== 'change') throw new Error('expected a change');
      const diff = await shownDiff(page);
      expect(diff).toEqual(fix.diffs.map((d) => ({ title: `In ${d.title}`, lines: d.lines.map((l) => `${l.op} ${l.text}${l.advised ? '   (advised: not needed to pass)' : ''}`) })));
      expect(diff.map((d) => d.title)).toEqual(['In redirect 1 (301)']);
      const applied = evaluate(applyShownDiff(REDIRECTED, diff));
      expect([applied.ok, applied]).toEqual([true, fix.verdict]);
      expect((await shownTrace(page)).map((l) => l.steps.map((x) => [x.state, x.kind]))).toEqual([traces(REDIRECTED).chromium.map((x) => [x.state, x.kind])]);
    });

    it("blocked in WebKit only: WebKit's own trace beside the others', its failing preflight carrying Origin: null; not fixable in WebKit; the export holds to WebKit", async () => {
      await open(page, WEBKIT_ONLY);
      const t = traces(WEBKIT_ONLY);
      const shown = await shownTrace(page);
      expect(shown.map((l) => [l.who, l.label])).toEqual(t.groups.map((g) => [g.browsers.join(' '), `${g.browsers.map((b) => ({ chromium: 'Chromium', firefox: 'Firefox', webkit: 'WebKit' })[b]).join(' and ')}:`]));
      const webkit = shown.find((l) => l.who === 'webkit');
      expect(webkit?.label).toBe('WebKit:');
      expect(webkit?.steps.map((x) => [x.state, x.kind])).toEqual(t.webkit.map((x) => [x.state, x.kind]));
      expect(webkit?.steps.at(-1)).toEqual({ state: 'failed', kind: 'preflight', text: '✗ Fails here: Preflight: OPTIONS https://cdn.example.net/v1/items/7' });
      expect(await page.$eval('ol.trace[data-browsers="webkit"] li.step.failed pre.exchange', (e) => e.textContent?.split('\n').slice(0, 2))).toEqual(['> Origin: null', '> Access-Control-Request-Method: GET']);
      expect(shown.filter((l) => l.who !== 'webkit').every((l) => l.steps.every((x) => x.state === 'passed'))).toBe(true);
      const r = repair(WEBKIT_ONLY);
      if (r.kind !== 'not-fixable') throw new Error('expected no change to fix it');
      expect(r.browser).toBe('webkit');
      expect(await page.$eval('#change-none', (e) => e.textContent)).toBe(`No change to the server's headers fixes this in WebKit: ${r.why}`);
      await page.click('#export summary');
      const snippet = await page.$eval('#export-test', (e) => e.textContent);
      expect(snippet).toBe(testSnippet(WEBKIT_ONLY, evaluate(WEBKIT_ONLY)));
      expect(snippet).toContain("{ browsers: ['webkit'] }");
      await page.click('#export summary');
    });

    it('says when nothing needs to change', async () => {
      await open(page, PASSING);
      expect(await page.$eval('#change', (e) => e.getAttribute('data-kind'))).toBe('passes');
      expect(await page.$eval('#change-none', (e) => e.textContent)).toBe('Nothing to change: Chromium, Firefox and WebKit let script read the response.');
      expect(await page.$$eval('li.step', (els) => els.map((e) => e.getAttribute('data-state')))).toEqual(['passed']);
    });

    it('the security note appears when the change trusts more than the page, and not otherwise', async () => {
      await open(page, SANDBOXED);
      expect(await page.$$eval('#security-note li', (els) => els.map((e) => [e.getAttribute('data-finding'), e.textContent]))).toEqual([
        [
          'trusts-null',
          "The origin 'null' is allowed (high): Sandboxed iframes and data: pages of any site send Origin: null. The suggested change sends Access-Control-Allow-Origin: null: it trusts more than this page. Allow it only if you mean to.",
        ],
      ]);
      for (const s of [PREFLIGHT, RESPONSE, PASSING]) {
        await open(page, s);
        expect(await page.$('#security-note')).toBeNull();
      }
    });

    it("the recipe for a chosen stack is the doctor's (check --stack), and the choice survives typing in the form", async () => {
      await open(page, PREFLIGHT);
      expect(await page.$('#recipe-snippet')).toBeNull();
      await page.select('#stack', 'express-cors');
      await page.waitForSelector('#recipe-snippet');
      const doctor = (s: Scenario, stack: string): string | undefined => recipesToShow({ scenario: s, verdict: evaluate(s), layers: { perExchange: [], notes: [] } }, stack)[0]?.snippet;
      expect(await page.$eval('#recipe-snippet', (e) => e.textContent)).toBe(doctor(PREFLIGHT, 'express-cors'));
      await page.select('#stack', 'nginx');
      await page.waitForFunction((want: string) => document.getElementById('recipe-snippet')?.textContent === want, { timeout: 5000 }, doctor(PREFLIGHT, 'nginx') ?? '');
      await open(page, RESPONSE);
      expect(await page.$eval('#stack', (e) => (e as HTMLSelectElement).value)).toBe('nginx');
      expect(await page.$eval('#recipe-snippet', (e) => e.textContent)).toBe(doctor(RESPONSE, 'nginx'));
      // No recipe names 'null' (a sandboxed page): the doctor shows none, and the page says so.
      await open(page, SANDBOXED);
      expect(doctor(SANDBOXED, 'nginx')).toBeUndefined();
      expect(await page.$eval('#recipe-none', (e) => e.textContent)).toBe('This stack cannot express this request (for example, a method it does not support).');
    });

    it('exports the scenario as a corsproof/testing test and as explain JSON, with Copy buttons', async () => {
      await open(page, PREFLIGHT);
      await page.click('#export summary');
      expect(await page.$eval('#export-test', (e) => e.textContent)).toBe(testSnippet(PREFLIGHT, evaluate(PREFLIGHT)));
      expect(await page.$eval('#export-json', (e) => e.textContent)).toBe(scenarioJson(PREFLIGHT));
      await page.click('button[data-copy="export-test"]');
      await page.waitForFunction(() => (document.querySelector('button[data-copy="export-test"] + .copy-status, .copy-row:has(button[data-copy="export-test"]) .copy-status')?.textContent ?? '') !== '', { timeout: 5000 });
      const status = await page.$eval('.copy-row:has(button[data-copy="export-test"]) .copy-status', (e) => e.textContent);
      expect(['Copied.', 'Selected: press Ctrl+C (⌘C) to copy.']).toContain(status);
      // Opened once, it stays open as the scenario changes.
      await open(page, SANDBOXED);
      expect(await page.$eval('#export', (e) => (e as HTMLDetailsElement).open)).toBe(true);
      expect(await page.$eval('#export-test', (e) => e.textContent)).toBe(testSnippet(SANDBOXED, evaluate(SANDBOXED)));
    });

    for (const dark of [false, true]) {
      it(`passes axe-core with no violations (${dark ? 'dark' : 'light'}): the change, the note, the trace (one list per browser), a recipe, the export open, a redirect hop`, async () => {
        await scheme(browser, page, kind, dark);
        await open(page, SANDBOXED);
        await page.waitForSelector('#security-note');
        await page.waitForSelector('#recipe-none');
        expect(await page.$eval('#export', (e) => (e as HTMLDetailsElement).open)).toBe(true);
        expect(await axeViolations(page)).toEqual([]);
        await open(page, PREFLIGHT);
        await page.waitForSelector('#recipe-snippet');
        expect(await axeViolations(page)).toEqual([]);
        // Three trace lists (Chromium's, Firefox's, WebKit's), each named.
        await open(page, WEBKIT_ONLY);
        await page.waitForSelector('ol.trace[data-browsers="webkit"]');
        expect(await axeViolations(page)).toEqual([]);
        // A redirect hop in the form (and one more added with its button, still empty: the problem names it).
        await open(page, DATA_REDIRECT);
        await page.click('#redirect-add');
        await page.waitForSelector('#redirect-2-headers[aria-invalid="true"]');
        expect(await axeViolations(page)).toEqual([]);
      });
    }
  });
}
