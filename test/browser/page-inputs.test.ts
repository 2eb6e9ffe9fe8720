/**
 * The playground page's input kinds in real Chromium and Firefox: a console
 * line (Chromium's, Firefox's, WebKit's) and a "Copy as cURL" command pasted, HAR files dropped and chosen (the
 * real DevTools exports in src/doctor/fixtures/), each loaded into the form;
 * the verdict the page then shows is compared with evaluate() on the
 * scenario the same readers give in Node (and, for console lines, with the
 * built CLI's `explain --console --json`), and the permalink must hold
 * exactly that scenario. Bad inputs (an empty paste, a line that is no CORS error,
 * shell variables, a truncated HAR, binary garbage, a HAR over the size
 * limit) each give their message; a 50 MB HAR is read without freezing the
 * page. Also: from file:// (no worker), keyboard only, axe-core.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, ElementHandle, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCurl } from '../../src/doctor/curl.js';
import { readConsoleLine } from '../../src/engine/console.js';
import { evaluate } from '../../src/engine/evaluate.js';
import type { Scenario, Verdict } from '../../src/engine/types.js';
import { validateScenario } from '../../src/engine/validate.js';
import { DEFAULT_SCENARIO } from '../../src/site/form.js';
import { MAX_HAR_BYTES, readHarText } from '../../src/site/inputs.js';
import type { HarListing } from '../../src/site/inputs.js';
import type { UiServer } from '../../src/ui/server.js';
import { closePlayground, openPlayground } from './page-helpers.js';
import type { CaptureRecord } from '../devtools-exports.js';

const root = join(import.meta.dirname, '..', '..');
const SITE = join(root, 'dist', 'site');
const FIXTURES = join(root, 'src', 'doctor', 'fixtures');
const AXE = readFileSync(join(root, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
const capture = (b: string): CaptureRecord => JSON.parse(readFileSync(join(FIXTURES, `${b}.capture.json`), 'utf8')) as CaptureRecord;
const CHROMIUM_CAPTURE = capture('chromium');
const FIREFOX_CAPTURE = capture('firefox');

/** A Chromium console line: the engine's message for a preflight that does not allow Authorization (the differential suite holds it equal to Chromium's). */
const PREFLIGHT_SCENARIO = validateScenario({
  request: { url: 'https://api.example.com/v1/items/7', origin: 'https://app.example.com', method: 'PUT', headers: [['Authorization', 'Bearer x']], credentials: 'same-origin', initiator: 'fetch' },
  preflight: { status: 204, headers: [['Access-Control-Allow-Origin', 'https://app.example.com'], ['Access-Control-Allow-Methods', 'PUT']] },
  response: { status: 200, headers: [] },
});
const CHROMIUM_LINE = `${evaluate(PREFLIGHT_SCENARIO).chromium?.message ?? ''}\nPUT https://api.example.com/v1/items/7 net::ERR_FAILED`;
/** WebKit's console lines for the same scenario (the engine's; the WebKit differential suite holds them equal to WebKitGTK's), pasted together. */
const WEBKIT_LINES = (evaluate(PREFLIGHT_SCENARIO).webkit?.messages ?? []).join('\n');
/** A line Firefox printed (captured by test/browser/exports.test.ts): credentials with Access-Control-Allow-Origin: *. */
const FIREFOX_LINE = FIREFOX_CAPTURE.requests.find((r) => r.demo === 'wildcard-credentials')?.firefoxMessage ?? '';

/** `corsproof explain --console <line> --json`, by the built CLI. */
function explainConsole(line: string): { verdict: Verdict } {
  return JSON.parse(execFileSync(process.execPath, [join(root, 'dist', 'cli', 'main.js'), 'explain', '--console', line, '--json'], { encoding: 'utf8' })) as { verdict: Verdict };
}

/** The page's verdict: the stable ids render.ts gives. */
interface ShownVerdict {
  ok: string | null;
  chromium: string | null;
  firefox: string | null;
  webkit: string | null;
  webkitConsole: string | null;
}
function readVerdict(page: Page): Promise<ShownVerdict> {
  return page.evaluate(() => ({
    ok: document.getElementById('verdict-status')?.getAttribute('data-ok') ?? null,
    chromium: document.getElementById('chromium-message')?.textContent ?? null,
    firefox: document.getElementById('firefox-message')?.textContent ?? null,
    webkit: document.getElementById('webkit-message')?.textContent ?? null,
    webkitConsole: document.getElementById('webkit-console')?.textContent ?? null,
  }));
}
/** What the page must show for a verdict (evaluate()'s in Node, or the CLI's JSON). */
function shownFor(v: Verdict): ShownVerdict {
  return {
    ok: String(v.ok),
    chromium: v.chromium?.message ?? '✓ Chromium allows this request.',
    firefox: v.firefox?.message ?? '✓ Firefox allows this request.',
    webkit: v.webkit?.message ?? '✓ WebKit allows this request.',
    webkitConsole: v.webkit === null || v.webkit.messages.length === 0 ? null : v.webkit.messages.join('\n'),
  };
}
function expectedVerdict(s: Scenario): ShownVerdict {
  return shownFor(evaluate(s));
}

/** A scenario as the form reads it back (the client API always set, redirect hops kept, fields in the validator's order). */
function asForm(s: Scenario): Scenario {
  const { url, origin, method, headers, credentials, initiator } = s.request;
  const hops = s.redirects === undefined || s.redirects.length === 0 ? {} : { redirects: s.redirects, ...(s.redirectPreflights?.some((p) => p !== null) ? { redirectPreflights: s.redirects.map((_, k) => s.redirectPreflights?.[k] ?? null) } : {}) };
  return validateScenario({ request: { url, origin, method, headers, credentials, initiator: initiator ?? 'fetch' }, preflight: s.preflight, response: s.response, ...hops });
}

/** A HAR of one PUT redirected (307) to another URL, whose own preflight there failed (404): the row's scenario has a hop and its preflight. */
const MOVED = 'https://api.example.com/moved';
type Pairs = Array<[string, string]>;
const harEntry = (method: string, url: string, req: Pairs, status: number, res: Pairs): object => {
  const hs = (list: Pairs): Array<{ name: string; value: string }> => list.map(([name, value]) => ({ name, value }));
  return { request: { method, url, headers: hs([['Origin', 'https://app.example.com'], ...req]) }, response: { status, headers: hs(res), ...(status === 307 ? { redirectURL: MOVED } : {}) } };
};
const REDIRECTED_HAR = JSON.stringify({
  log: {
    entries: [
      harEntry('PUT', 'https://api.example.com/x', [], 307, [['Location', MOVED], ['Access-Control-Allow-Origin', 'https://app.example.com']]),
      harEntry('OPTIONS', 'https://api.example.com/x', [['Access-Control-Request-Method', 'PUT']], 204, [['Access-Control-Allow-Origin', 'https://app.example.com'], ['Access-Control-Allow-Methods', 'PUT']]),
      harEntry('PUT', MOVED, [], 0, []),
      harEntry('OPTIONS', MOVED, [['Access-Control-Request-Method', 'PUT']], 404, [['Access-Control-Allow-Origin', 'https://app.example.com']]),
    ],
  },
});

/** Wait until the permalink holds this scenario: the form, and so the verdict, is this scenario's. */
async function settled(page: Page, s: Scenario): Promise<void> {
  const want = `#s=${Buffer.from(JSON.stringify(asForm(s)), 'utf8').toString('base64url')}`;
  try {
    await page.waitForFunction((f: string) => document.getElementById('permalink')?.getAttribute('href') === f, { timeout: 10_000 }, want);
  } catch (e) {
    const href = await page.$eval('#permalink', (el) => el.getAttribute('href') ?? '');
    const shown = href.startsWith('#s=') ? Buffer.from(href.slice(3), 'base64url').toString('utf8') : href;
    const said = await page.evaluate(() => ['console-result', 'curl-result', 'har-message'].map((id) => document.getElementById(id)?.textContent ?? '').join(' | '));
    throw new Error(`the page's scenario is not the expected one:\n  page: ${shown}\n  want: ${JSON.stringify(asForm(s))}\n  inputs said: ${said}`, { cause: e });
  }
}

/** Paste text into a control as the browser's editing does (one input event, as a paste gives). */
async function paste(page: Page, selector: string, text: string): Promise<void> {
  await page.focus(selector);
  await page.evaluate(
    (sel: string, t: string) => {
      const el = document.querySelector(sel) as HTMLTextAreaElement;
      el.select();
      if (t === '') document.execCommand('delete');
      else document.execCommand('insertText', false, t);
    },
    selector,
    text,
  );
}

async function textOf(page: Page, selector: string): Promise<string> {
  await page.waitForSelector(selector);
  return page.$eval(selector, (e) => e.textContent ?? '');
}

/** The controls marked as what an input could not tell, and their notes. */
function unknownMarks(page: Page): Promise<Record<string, string>> {
  return page.$$eval('[data-unknown="true"]', (els) => Object.fromEntries(els.map((e) => [e.id, document.getElementById(`${e.id}-unknown`)?.textContent ?? ''])));
}

async function choose(page: Page, kind: 'form' | 'console' | 'curl' | 'har'): Promise<void> {
  await page.click(`#kind-${kind}`);
  if (kind !== 'form') await page.waitForSelector(`#panel-${kind}:not([hidden])`);
}

/** Read a file through the file input (the "choose one" path), and wait for the HAR message. */
async function chooseFile(page: Page, path: string): Promise<string> {
  await choose(page, 'har');
  await page.$eval('#har-message', (e) => e.replaceChildren());
  const input = (await page.$('#har-file')) as ElementHandle<HTMLInputElement>;
  await input.uploadFile(path);
  await page.waitForFunction(() => document.getElementById('har-message')?.getAttribute('aria-busy') === 'false' && document.getElementById('har-read') !== null, { timeout: 60_000 });
  return textOf(page, '#har-read');
}

/** Drop a file on the drop zone: a drop event carrying the file, as the browser dispatches one. */
async function dropFile(page: Page, name: string, text: string): Promise<string> {
  await choose(page, 'har');
  await page.$eval('#har-message', (e) => e.replaceChildren());
  await page.evaluate(
    (n: string, t: string) => {
      const data = new DataTransfer();
      data.items.add(new File([t], n, { type: 'application/json' }));
      const zone = document.getElementById('har-drop') as HTMLElement;
      zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    },
    name,
    text,
  );
  await page.waitForFunction(() => document.getElementById('har-message')?.getAttribute('aria-busy') === 'false' && document.getElementById('har-read') !== null, { timeout: 30_000 });
  return textOf(page, '#har-read');
}

/** What the page must list for a HAR, from the same reader in Node. */
function listing(name: string, text: string): HarListing {
  const r = readHarText(name, text);
  if (!r.ok) throw new Error(r.message);
  return r;
}

function listedRows(page: Page): Promise<Array<{ entry: string; text: string }>> {
  return page.$$eval('#har-rows .har-choice', (els) => els.map((e) => ({ entry: e.querySelector('input')?.value ?? '', text: e.querySelector('label')?.textContent ?? '' })));
}

/** Each listed row loaded in turn: the verdict is evaluate()'s on the row's scenario (one read of the page per row). */
async function pickEach(page: Page, har: HarListing): Promise<void> {
  for (const row of har.rows) {
    await page.click(`#har-entry-${row.entry}`);
    await settled(page, row.scenario);
    const shown = await page.evaluate(() => ({
      ok: document.getElementById('verdict-status')?.getAttribute('data-ok') ?? null,
      chromium: document.getElementById('chromium-message')?.textContent ?? null,
      firefox: document.getElementById('firefox-message')?.textContent ?? null,
      webkit: document.getElementById('webkit-message')?.textContent ?? null,
      webkitConsole: document.getElementById('webkit-console')?.textContent ?? null,
      notes: document.getElementById('har-notes')?.textContent ?? '',
      marks: Array.from(document.querySelectorAll('[data-unknown="true"]'), (e) => e.id).sort(),
    }));
    expect(shown, `entry ${row.entry}`).toEqual({
      ...expectedVerdict(row.scenario),
      notes: row.notes.join(''),
      marks: [...(row.credentials === null ? [] : ['credentials']), ...(row.initiatorKnown ? [] : ['initiator'])],
    });
  }
}

/** axe-core's violations in the inputs and the form (the verdict's own parts are page.test.ts's and page-output.test.ts's). */
async function axeOnInputs(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE);
  const json = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: object, o: object) => Promise<{ violations: Array<{ id: string; nodes: Array<{ target: unknown }> }> }> } }).axe;
    const r = await axe.run({ include: [['#inputs'], ['#scenario']] }, { resultTypes: ['violations'] });
    return JSON.stringify(r.violations.map((v) => `${v.id}: ${JSON.stringify(v.nodes[0]?.target)}`));
  });
  return JSON.parse(json) as string[];
}

let tmp: string;
const files = { truncated: '', garbage: '', medium: '', big: '', huge: '' };
const HARS = { chromium: readFileSync(join(FIXTURES, 'chromium.har'), 'utf8'), firefox: readFileSync(join(FIXTURES, 'firefox.har'), 'utf8') };
let bigListing: HarListing;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'corsproof-page-inputs-'));
  files.truncated = join(tmp, 'truncated.har');
  writeFileSync(files.truncated, HARS.chromium.slice(0, Math.floor(HARS.chromium.length / 2)));
  files.garbage = join(tmp, 'garbage.har');
  writeFileSync(files.garbage, randomBytes(64 * 1024));
  // 50 MB of real entries (the Chromium export's, repeated): tens of thousands of requests to judge.
  const base = JSON.parse(HARS.chromium) as { log: { entries: unknown[] } };
  const entries: unknown[] = [];
  let size = 0;
  for (let k = 0; size < 50e6; k++) {
    const e = base.log.entries[k % base.log.entries.length];
    entries.push(e);
    size += JSON.stringify(e).length + 1;
  }
  const big = JSON.stringify({ log: { ...base.log, entries } });
  // Over the limit for a page opened from a file (no worker in Chromium), well under it otherwise.
  files.medium = join(tmp, 'medium.har');
  writeFileSync(files.medium, JSON.stringify({ log: { ...base.log, entries: entries.slice(0, Math.ceil(entries.length * 0.13)) } }));
  files.big = join(tmp, 'big.har');
  writeFileSync(files.big, big);
  bigListing = listing('big.har', big);
  // Over the limit: a sparse file (its size is all the page reads of it).
  files.huge = join(tmp, 'huge.har');
  writeFileSync(files.huge, '');
  truncateSync(files.huge, MAX_HAR_BYTES + 1);
});
afterAll(() => {
  if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
});

for (const kind of ['chromium', 'firefox'] as const) {
  describe(`the playground page's inputs in ${kind}`, () => {
    let server: UiServer;
    let browser: Browser;
    let page: Page;

    beforeAll(async () => {
      ({ server, browser, page } = await openPlayground(kind));
    });
    afterAll(() => closePlayground(server, browser));

    for (const [name, line] of [
      ["Chromium's (the engine's message and its network line)", CHROMIUM_LINE],
      ["Firefox's (as Firefox printed it)", FIREFOX_LINE],
      ["WebKit's (its three lines, pasted together)", WEBKIT_LINES],
    ] as const) {
      it(`a console line, ${name}: the form holds the reader's draft, the verdict prints the same line, the unknowns are marked`, async () => {
        const reading = readConsoleLine(line);
        if (!reading.recognised || reading.scenario === null) throw new Error(`not read in Node: ${line}`);
        await choose(page, 'console');
        await paste(page, '#console-line', line);
        await settled(page, reading.scenario);
        const shown = await readVerdict(page);
        expect(shown).toEqual(expectedVerdict(reading.scenario));
        // What `corsproof explain --console` (the built CLI) says for the same line.
        const cli = explainConsole(line);
        expect(shown).toEqual(shownFor(cli.verdict));
        expect(shown[reading.browser]).toBe(line.split('\n')[0]);
        if (reading.browser === 'webkit') expect(shown.webkitConsole).toBe(line);
        expect(await textOf(page, '#console-summary li')).toMatch(new RegExp(`^Recognised a ${{ chromium: 'Chromium', firefox: 'Firefox', webkit: 'WebKit' }[reading.browser]} console line`));
        const marks = await unknownMarks(page);
        const want = reading.missing.filter((f) => f !== 'reason' && f !== 'status').map((f) => ({ origin: 'origin', initiator: 'initiator', method: 'method', 'request-headers': 'request-headers', credentials: 'credentials', preflight: 'preflight-status', 'response-headers': 'response-headers', url: 'url' })[f]);
        const status = reading.missing.includes('status') ? [reading.preflight === true ? 'preflight-status' : 'response-status'] : [];
        expect(Object.keys(marks).sort()).toEqual([...new Set([...want, ...status])].sort());
        for (const a of reading.assumed.filter((x) => x.field === 'method' || x.field === 'origin')) expect(marks[a.field]).toBe(`Not in the console line: assumed ${a.value}. Put in your request's.`);
        // Filling a marked control in clears its mark.
        if (marks.method !== undefined) {
          await page.focus('#method');
          await page.keyboard.press('End');
          await page.keyboard.type('X');
          await page.keyboard.press('Backspace');
          expect(Object.keys(await unknownMarks(page))).not.toContain('method');
        }
      });
    }

    it('a console line that is no CORS error, and an empty paste, each say so; the form is left as it was', async () => {
      await page.click('#load-default');
      await choose(page, 'console');
      const before = await page.$eval('#permalink', (e) => e.getAttribute('href'));
      await paste(page, '#console-line', 'Uncaught TypeError: Cannot read properties of undefined (reading "id")');
      expect(await textOf(page, '#console-message')).toMatch(/^! Not a CORS console line corsproof recognises: not a CORS console line of Chromium or Firefox\. Such a line looks like this: Chromium: "Access to fetch at/);
      await paste(page, '#console-line', '');
      expect(await textOf(page, '#console-message')).toMatch(/^! Nothing pasted yet\. Paste the CORS error from the browser's console/);
      expect(await page.$eval('#permalink', (e) => e.getAttribute('href'))).toBe(before);
    });

    for (const [name, record, form] of [
      ['a POSIX command copied from Chromium', CHROMIUM_CAPTURE, 'command'],
      ['a Windows cmd command copied from Firefox', FIREFOX_CAPTURE, 'windows'],
    ] as const) {
      it(`a cURL command, ${name}: the request is the doctor's reading, the server's answers are kept and marked`, async () => {
        const copied = record.curls.find((c) => c.method === 'PUT' || c.method === 'DELETE') ?? record.curls[0];
        if (copied === undefined) throw new Error('no cURL in the capture');
        const command = copied[form];
        const parsed = parseCurl(command);
        // The form's own scenario first: its preflight and response are what the command cannot tell.
        await page.click('#load-default');
        await settled(page, DEFAULT_SCENARIO);
        await choose(page, 'curl');
        await paste(page, '#curl-command', command);
        const want = validateScenario({
          request: { url: parsed.url, origin: parsed.origin, method: parsed.method, headers: parsed.headers, credentials: parsed.credentials, initiator: 'fetch' },
          preflight: DEFAULT_SCENARIO.preflight,
          response: DEFAULT_SCENARIO.response,
        });
        await settled(page, want);
        expect(await readVerdict(page)).toEqual(expectedVerdict(want));
        expect(await textOf(page, '#curl-summary li')).toBe(`Read a cURL command: ${parsed.method} ${parsed.url}`);
        expect(Object.keys(await unknownMarks(page)).sort()).toEqual(['initiator', 'preflight-status', 'response-status', ...(parsed.credentials === 'include' ? [] : ['credentials'])].sort());
      });
    }

    it('a cURL command with shell variables and a command substitution says what it cannot expand; an empty paste says what to paste', async () => {
      await choose(page, 'curl');
      const before = await page.$eval('#permalink', (e) => e.getAttribute('href'));
      await paste(page, '#curl-command', `curl 'https://api.example.com/v1/me' -H 'Origin: https://app.example.com' -H "Authorization: Bearer $TOKEN" -H "X-Request-Id: $(uuidgen)"`);
      expect(await textOf(page, '#curl-message')).toBe(
        '! Cannot read this cURL command: the cURL command uses the shell variable $TOKEN and the command substitution $(uuidgen), which corsproof does not expand (it runs no shell): paste the command with the values, as DevTools copies it.',
      );
      await paste(page, '#curl-command', '');
      expect(await textOf(page, '#curl-message')).toMatch(/^! Nothing pasted yet\. Paste a command from DevTools > Network/);
      expect(await page.$eval('#permalink', (e) => e.getAttribute('href'))).toBe(before);
    });

    it("a HAR dropped (Chromium's export): its cross-origin requests listed as the reader finds them, each loads into the form and the verdict", async () => {
      const har = listing('chromium.har', HARS.chromium);
      const message = await dropFile(page, 'chromium.har', HARS.chromium);
      expect(message).toBe(`chromium.har: ${har.entries} entries, ${har.found} cross-origin requests, ${har.rows.filter((r) => r.ok === false).length} of those listed blocked. Pick one to load it into the form.`);
      const rows = await listedRows(page);
      expect(rows.map((r) => r.entry)).toEqual(har.rows.map((r) => String(r.entry)));
      expect(rows.map((r) => r.text)).toEqual(har.rows.map((r) => `${r.ok === true ? '✓' : r.ok === false ? '✗' : '?'} entry ${r.entry}: ${r.method} ${r.url} from ${r.origin}. ${r.outcome}`));
      // Chromium's export names the client API of each request (_resourceType), so the form's is not marked.
      expect(har.rows.every((r) => r.initiatorKnown && r.scenario.request.initiator === 'fetch')).toBe(true);
      await pickEach(page, har);
    });

    it("a HAR chosen with the file input (Firefox's export): the same", async () => {
      const har = listing('firefox.har', HARS.firefox);
      expect(await chooseFile(page, join(FIXTURES, 'firefox.har'))).toMatch(new RegExp(`^firefox\\.har: ${har.entries} entries, ${har.found} cross-origin requests`));
      expect((await listedRows(page)).map((r) => r.entry)).toEqual(har.rows.map((r) => String(r.entry)));
      expect(har.rows.some((r) => r.initiatorKnown)).toBe(false);
      await pickEach(page, har);
    });

    it('a redirected HAR entry loads its whole chain: the hop and its preflight in the form, the verdict the HAR reader gives', async () => {
      const har = listing('moved.har', REDIRECTED_HAR);
      const row = har.rows[0];
      if (row === undefined || row.redirects !== 1 || row.scenario.redirectPreflights === undefined) throw new Error('no redirected row');
      await dropFile(page, 'moved.har', REDIRECTED_HAR);
      await pickEach(page, har);
      expect(await page.$$eval('#redirects fieldset.hop textarea, #redirects fieldset.hop select, #redirects fieldset.hop input', (els) => els.map((e) => `${e.id}=${(e as HTMLInputElement).value}`))).toEqual([
        'redirect-1-status=307',
        `redirect-1-headers=Location: ${MOVED}\nAccess-Control-Allow-Origin: https://app.example.com`,
        'redirect-1-preflight-status=404',
        'redirect-1-preflight-headers=Access-Control-Allow-Origin: https://app.example.com',
      ]);
      expect(await page.$eval('#har-notes', (e) => e.textContent)).not.toContain('no place for redirects');
    });

    it('a truncated HAR, binary garbage and a HAR over the size limit each give their message', async () => {
      expect(await chooseFile(page, files.truncated)).toMatch(/^! truncated\.har ends in the middle of its JSON \(\d+ kB read\): the file is truncated\. Export it again, and let the download finish\.$/);
      expect(await chooseFile(page, files.garbage)).toBe('! garbage.har is not text (binary data): a HAR file is JSON text, as DevTools > Network > Save all as HAR writes it.');
      expect(await chooseFile(page, files.huge)).toBe(
        '! huge.har is 100.0 MB: the page reads HAR files up to 100.0 MB. Export only the requests you need (filter the Network panel, then Save all as HAR), or run corsproof check --har huge.har, which has no limit.',
      );
      expect(await page.$eval('#har-list', (e) => (e as HTMLElement).hidden)).toBe(true);
    });

    it('a 50 MB HAR is read off the page\'s thread: the page keeps answering meanwhile, then lists what the reader finds', async () => {
      // A heartbeat on the page's thread: the longest gap between timer ticks while the HAR is read.
      await page.evaluate(() => {
        const w = window as unknown as { __gap: number; __last: number; __beat: ReturnType<typeof setInterval> };
        w.__gap = 0;
        w.__last = performance.now();
        w.__beat = setInterval(() => {
          const now = performance.now();
          w.__gap = Math.max(w.__gap, now - w.__last);
          w.__last = now;
        }, 20);
      });
      const started = Date.now();
      const message = await chooseFile(page, files.big);
      const elapsed = Date.now() - started;
      const gap = await page.evaluate(() => {
        const w = window as unknown as { __gap: number; __beat: ReturnType<typeof setInterval> };
        clearInterval(w.__beat);
        return w.__gap;
      });
      expect(message).toBe(
        `big.har: ${bigListing.entries} entries, ${bigListing.found} cross-origin requests, ${bigListing.rows.filter((r) => r.ok === false).length} of those listed blocked. The first ${bigListing.rows.length} are listed, blocked first. Pick one to load it into the form.`,
      );
      expect((await listedRows(page)).length).toBe(bigListing.rows.length);
      expect(await page.$eval('#har-message', (e) => (e as HTMLElement).dataset.reader)).toBe('worker');
      // Read on the page's thread, the page would stop for the whole read (seconds); here it never stops for long.
      expect(gap, `longest stall ${Math.round(gap)} ms of a ${elapsed} ms read`).toBeLessThan(Math.min(1500, elapsed / 2));
    });

    it('keyboard only: Tab to the input kinds, arrow to the console line, paste, Tab on to the form', async () => {
      const fresh = await browser.newPage();
      try {
        await fresh.goto(server.origin);
        await fresh.waitForSelector('#verdict-status');
        await fresh.keyboard.press('Tab');
        await fresh.keyboard.press('Tab');
        expect(await fresh.evaluate(() => document.activeElement?.id)).toBe('kind-form');
        await fresh.keyboard.press('ArrowRight');
        expect(await fresh.evaluate(() => [document.activeElement?.id, (document.getElementById('panel-console') as HTMLElement).hidden])).toEqual(['kind-console', false]);
        await fresh.keyboard.press('Tab');
        expect(await fresh.evaluate(() => document.activeElement?.id)).toBe('console-line');
        await paste(fresh, '#console-line', FIREFOX_LINE);
        const reading = readConsoleLine(FIREFOX_LINE);
        if (!reading.recognised || reading.scenario === null) throw new Error('not read');
        await settled(fresh, reading.scenario);
        await fresh.keyboard.press('Tab');
        expect(await fresh.evaluate(() => document.activeElement?.id)).toBe('load-seed');
      } finally {
        await fresh.close();
      }
    });

    it('passes axe-core with no violations in the inputs and the form: a console line read (controls marked), a cURL refused, a HAR listed', async () => {
      await choose(page, 'console');
      await paste(page, '#console-line', FIREFOX_LINE);
      await page.waitForSelector('[data-unknown="true"]');
      expect(await axeOnInputs(page)).toEqual([]);
      await choose(page, 'curl');
      await paste(page, '#curl-command', 'curl https://x -H "A: $TOKEN"');
      await page.waitForSelector('#curl-message');
      expect(await axeOnInputs(page)).toEqual([]);
      await dropFile(page, 'chromium.har', HARS.chromium);
      await page.click('#har-rows input');
      expect(await axeOnInputs(page)).toEqual([]);
    });

    it("opened from file://: Chromium starts no worker there, so a HAR is read on the page and a larger one refused with that limit; Firefox's worker runs", async () => {
      const local = await browser.newPage();
      try {
        await local.goto(pathToFileURL(join(SITE, 'index.html')).href);
        await local.waitForSelector('#verdict-status');
        const har = listing('chromium.har', HARS.chromium);
        expect(await chooseFile(local, join(FIXTURES, 'chromium.har'))).toMatch(new RegExp(`^chromium\\.har: ${har.entries} entries, ${har.found} cross-origin requests`));
        const first = har.rows[0];
        if (first === undefined) throw new Error('no row');
        await local.click(`#har-entry-${first.entry}`);
        await settled(local, first.scenario);
        expect(await readVerdict(local)).toEqual(expectedVerdict(first.scenario));
        const reader = (): Promise<string | undefined> => local.$eval('#har-message', (e) => (e as HTMLElement).dataset.reader);
        expect(await reader()).toBe(kind === 'chromium' ? 'page' : 'worker');
        // Read on the page, a larger file is refused (Firefox reads it in its worker, as when served).
        if (kind === 'chromium') expect(await chooseFile(local, files.medium)).toMatch(/^! medium\.har is [67]\.\d MB: the page reads HAR files up to 5\.0 MB when the page is opened from a file/);
      } finally {
        await local.close();
      }
    });
  });
}
