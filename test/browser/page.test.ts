/**
 * The playground page (dist/site, served by `corsproof ui`'s server) in real
 * Chromium and Firefox: the form filled by typing for a few scenarios, the
 * rendered verdict and each browser's console line (Chromium's, Firefox's,
 * WebKit's reason line and console lines) compared with evaluate() in Node
 * (exact strings); the headline saying which of the three block; the
 * permalink restoring the same page; keyboard only; the live check against
 * a demo API; axe-core in light and dark.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningDemo } from '../../src/demo/servers.js';
import { startDemos, stopDemos } from '../../src/demo/servers.js';
import { check } from '../../src/doctor/check.js';
import { BROWSER_NAMES } from '../../src/engine/browsers.js';
import { evaluate } from '../../src/engine/evaluate.js';
import { reason } from '../../src/engine/reasons.js';
import type { HeaderList, Scenario, ScenarioResponse, Verdict } from '../../src/engine/types.js';
import { validateScenario } from '../../src/engine/validate.js';
import type { UiServer } from '../../src/ui/server.js';
import { axeViolations, closePlayground, followPermalink, openPlayground, scheme } from './page-helpers.js';

const root = join(import.meta.dirname, '..', '..');
const PAGE = 'https://app.example.com';

/** The seed case, as the CLI bundles it (the page's button must load the same scenario). */
const SEED = validateScenario(JSON.parse(readFileSync(join(root, 'examples', 'credentials-wildcard.json'), 'utf8')));

/**
 * Scenarios typed into the form (validated, so their JSON is what the page's permalink holds). The first is
 * typed whole; the others type only the controls they are about (`typed`) over `base`, loaded through the
 * permalink (typing is most of this suite's time).
 */
const TYPED: Array<{ name: string; scenario: Scenario; base?: Scenario; typed?: Control[] }> = [
  {
    name: 'a passing XHR with credentials and an exposed header',
    scenario: validateScenario({
      request: { url: 'https://api.example.com/v1/me', origin: PAGE, method: 'GET', headers: [], credentials: 'include', initiator: 'xhr' },
      preflight: null,
      response: {
        status: 200,
        headers: [
          ['Content-Type', 'application/json'],
          ['Access-Control-Allow-Origin', PAGE],
          ['Access-Control-Allow-Credentials', 'true'],
          ['Access-Control-Expose-Headers', 'X-Request-Id'],
          ['X-Request-Id', 'r-1'],
          ['X-Internal', 'hidden'],
        ],
      },
    }),
  },
  {
    name: 'a preflight that does not allow Authorization',
    scenario: validateScenario({
      request: { url: 'https://api.example.com/v1/items/7', origin: PAGE, method: 'PUT', headers: [['Authorization', 'Bearer x'], ['Content-Type', 'application/json']], credentials: 'same-origin', initiator: 'fetch' },
      preflight: { status: 204, headers: [['Access-Control-Allow-Origin', PAGE], ['Access-Control-Allow-Methods', 'GET, PUT'], ['Access-Control-Allow-Headers', 'Content-Type']] },
      response: { status: 200, headers: [['Access-Control-Allow-Origin', PAGE]] },
    }),
    base: validateScenario({
      request: { url: 'https://api.example.com/v1/items/7', origin: PAGE, method: 'PUT', headers: [], credentials: 'same-origin', initiator: 'fetch' },
      preflight: { status: 204, headers: [] },
      response: { status: 200, headers: [['Access-Control-Allow-Origin', PAGE]] },
    }),
    typed: ['#request-headers', '#preflight-headers'],
  },
  {
    name: 'a preflight stopped by authentication (401)',
    scenario: validateScenario({
      request: { url: 'http://localhost:8080/api/orders', origin: 'http://localhost:5173', method: 'DELETE', headers: [], credentials: 'include', initiator: 'fetch' },
      preflight: { status: 401, headers: [['WWW-Authenticate', 'Bearer']] },
      response: { status: 204, headers: [] },
    }),
    base: validateScenario({
      request: { url: 'http://localhost:8080/api/orders', origin: 'http://localhost:5173', method: 'DELETE', headers: [], credentials: 'include', initiator: 'fetch' },
      preflight: { status: 204, headers: [['Access-Control-Allow-Origin', 'http://localhost:5173']] },
      response: { status: 204, headers: [] },
    }),
    typed: ['#preflight-status', '#preflight-headers'],
  },
];

/** A PUT redirected (307) to another origin, whose preflight there has its own answer: the hop is added and typed in the form. */
const HOPPED = validateScenario({
  request: { url: 'https://api.example.com/v1/items/7', origin: PAGE, method: 'PUT', headers: [['Content-Type', 'application/json']], credentials: 'same-origin', initiator: 'fetch' },
  preflight: { status: 204, headers: [['Access-Control-Allow-Origin', PAGE], ['Access-Control-Allow-Methods', 'PUT'], ['Access-Control-Allow-Headers', 'Content-Type']] },
  response: { status: 200, headers: [['Access-Control-Allow-Origin', '*']] },
  redirects: [{ status: 307, headers: [['Location', 'https://eu.example.com/v1/items/7'], ['Access-Control-Allow-Origin', PAGE]] }],
  redirectPreflights: [{ status: 204, headers: [['Access-Control-Allow-Origin', '*'], ['Access-Control-Allow-Methods', 'PUT']] }],
});
/** A scenario without its redirect hops. */
const withoutHops = (s: Scenario): Scenario => validateScenario({ request: s.request, preflight: s.preflight, response: s.response });
const UNHOPPED = withoutHops(HOPPED);

/** Two redirects (same origin, then another), the second target's preflight answered on its own: a permalink that must round-trip. */
const ALLOW = [['Access-Control-Allow-Origin', PAGE], ['Access-Control-Allow-Credentials', 'true']] as HeaderList;
const TWO_HOPS = validateScenario({
  request: { url: 'https://api.example.com/v1/old', origin: PAGE, method: 'DELETE', headers: [], credentials: 'include', initiator: 'xhr' },
  preflight: { status: 204, headers: [...ALLOW, ['Access-Control-Allow-Methods', 'DELETE']] },
  response: { status: 204, headers: ALLOW },
  redirects: [
    { status: 308, headers: [['Location', '/v2/old'], ...ALLOW] },
    { status: 307, headers: [['Location', 'https://eu.example.com/v2/old'], ...ALLOW] },
  ],
  redirectPreflights: [null, { status: 204, headers: [['Access-Control-Allow-Origin', 'null'], ['Access-Control-Allow-Credentials', 'true'], ['Access-Control-Allow-Methods', 'DELETE']] }],
});

/** A PUT redirected (303) to another origin: Chromium and Firefox follow with a GET; WebKit preflights that GET with Origin: null and blocks. */
const WEBKIT_ONLY = validateScenario({
  request: { url: 'https://api.example.com/v1/items/7', origin: PAGE, method: 'PUT', headers: [], credentials: 'same-origin', initiator: 'fetch' },
  preflight: { status: 204, headers: [['Access-Control-Allow-Origin', PAGE], ['Access-Control-Allow-Methods', 'PUT']] },
  response: { status: 200, headers: [['Access-Control-Allow-Origin', '*'], ['Access-Control-Expose-Headers', 'X-Request-Id'], ['X-Request-Id', 'r-7']] },
  redirects: [{ status: 303, headers: [['Location', 'https://cdn.example.net/v1/items/7'], ['Access-Control-Allow-Origin', PAGE]] }],
});
/** A User-Agent set by script: Firefox and WebKit preflight it (and the answer does not allow it); Chromium sends it without one. */
const FIREFOX_WEBKIT = validateScenario({
  request: { url: 'https://api.example.com/v1/items', origin: PAGE, method: 'GET', headers: [['User-Agent', 'app/1.0']], credentials: 'same-origin', initiator: 'fetch' },
  preflight: { status: 204, headers: [['Access-Control-Allow-Origin', PAGE]] },
  response: { status: 200, headers: [['Access-Control-Allow-Origin', PAGE]] },
});

/** What the page shows, read by the ids render.ts gives. */
interface Shown {
  ok: string | null;
  status: string | null;
  chromiumError: string | null;
  chromiumMessage: string | null;
  firefoxReason: string | null;
  mdn: string | null;
  firefoxMessage: string | null;
  webkitReason: string | null;
  webkitMessage: string | null;
  webkitConsole: string | null;
  fixServer: string | null;
  fixClient: string | null;
  exposed: string | null;
  exposedEach: string[] | null;
}

function readShown(page: Page, prefix = ''): Promise<Shown> {
  return page.evaluate((p: string) => {
    const el = (id: string): HTMLElement | null => document.getElementById(p + id);
    const text = (id: string): string | null => el(id)?.textContent ?? null;
    const each = ['chromium', 'firefox', 'webkit'].map((b) => text(`exposed-${b}`));
    return {
      ok: el('verdict-status')?.getAttribute('data-ok') ?? null,
      status: text('verdict-status'),
      chromiumError: text('chromium-error'),
      chromiumMessage: text('chromium-message'),
      firefoxReason: text('firefox-reason'),
      mdn: el('firefox-reason')?.getAttribute('href') ?? null,
      firefoxMessage: text('firefox-message'),
      webkitReason: text('webkit-reason'),
      webkitMessage: text('webkit-message'),
      webkitConsole: text('webkit-console'),
      fixServer: text('fix-server'),
      fixClient: text('fix-client'),
      exposed: text('exposed'),
      exposedEach: each.every((e) => e === null) ? null : each.map((e) => e ?? '(missing)'),
    };
  }, prefix);
}

const WORD = { chromium: 'Chromium', firefox: 'Firefox', webkit: 'WebKit' } as const;

/** Names as the headline lists them: "WebKit", "Chromium and Firefox", "Chromium, Firefox and WebKit". */
const listed = (names: string[]): string => (names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`);

/** The headline for a verdict, spelled out here: who blocks and who allows, at which step, the first blocking browser's reason. */
function headline(v: Verdict): string {
  if (v.ok) return '✓ Allowed: Chromium, Firefox and WebKit let script read the response.';
  const blocking = BROWSER_NAMES.filter((b) => !v.browsers[b].ok);
  const allowing = BROWSER_NAMES.filter((b) => v.browsers[b].ok).map((b) => WORD[b]);
  const where =
    allowing.length === 0
      ? ''
      : ` in ${listed(blocking.map((b) => WORD[b]))}${blocking.length === 1 ? ' only' : ''} (${listed(allowing)} ${allowing.length === 1 ? 'allows' : 'allow'} it)`;
  return `✗ Blocked${where} at the ${v.failedAt}: ${reason(v.browsers[blocking[0]!].reasonId!).title}`;
}

/** What the page must show for a verdict: the engine's own strings (code spans shown as code, without backticks). */
function expected(v: Verdict): Shown {
  const plain = (s: string): string => s.replaceAll('`', '');
  const lists = BROWSER_NAMES.map((b) => v.browsers[b].exposedHeaders);
  const same = lists.every((l) => JSON.stringify(l) === JSON.stringify(lists[0]));
  return {
    ok: String(v.ok),
    status: headline(v),
    chromiumError: v.chromium === null ? null : (v.chromium.corsError ?? `net::${v.chromium.netError}`),
    chromiumMessage: v.chromium?.message ?? '✓ Chromium allows this request.',
    firefoxReason: v.firefox?.reason ?? null,
    mdn: v.firefox === null ? null : `https://developer.mozilla.org/docs/Web/HTTP/Guides/CORS/Errors/${v.firefox.reason}`,
    firefoxMessage: v.firefox?.message ?? '✓ Firefox allows this request.',
    webkitReason: v.webkit?.reason ?? null,
    webkitMessage: v.webkit?.message ?? '✓ WebKit allows this request.',
    webkitConsole: v.webkit === null || v.webkit.messages.length === 0 ? null : v.webkit.messages.join('\n'),
    fixServer: v.fixes === null ? null : `Server: ${plain(v.fixes.server)}`,
    fixClient: v.fixes?.client == null ? null : `Client: ${plain(v.fixes.client)}`,
    exposed: v.ok ? (v.exposedHeaders.join(', ') || '(none)') : same ? '(none: script cannot read the response)' : null,
    exposedEach: same ? null : BROWSER_NAMES.map((b) => `${WORD[b]}: ${v.browsers[b].ok ? v.browsers[b].exposedHeaders.join(', ') || '(none)' : '(none: blocked)'}`),
  };
}

/** The permalink's fragment for a scenario, computed here as the page must compute it. */
function fragment(scenario: Scenario): string {
  return `#s=${Buffer.from(JSON.stringify(scenario), 'utf8').toString('base64url')}`;
}

const lines = (list: HeaderList): string => list.map(([n, v]) => `${n}: ${v}`).join('\n');

/** Replace a control's text by typing it, as a user does (select all, delete, type). */
async function typeInto(page: Page, selector: string, text: string): Promise<void> {
  await page.focus(selector);
  await page.keyboard.down('Control');
  await page.keyboard.press('KeyA');
  await page.keyboard.up('Control');
  await page.keyboard.press('Backspace');
  if (text !== '') await page.keyboard.type(text);
}

/** The form's text controls, each with its text for a scenario. */
const TEXT = {
  '#origin': (s: Scenario) => s.request.origin,
  '#url': (s: Scenario) => s.request.url,
  '#method': (s: Scenario) => s.request.method,
  '#request-headers': (s: Scenario) => lines(s.request.headers),
  '#preflight-status': (s: Scenario) => (s.preflight === null ? '' : String(s.preflight.status)),
  '#preflight-headers': (s: Scenario) => (s.preflight === null ? '' : lines(s.preflight.headers)),
  '#response-status': (s: Scenario) => String(s.response.status),
  '#response-headers': (s: Scenario) => lines(s.response.headers),
};
type Control = keyof typeof TEXT;

/** Fill the whole form for a scenario (no redirect hops). */
async function fill(page: Page, s: Scenario): Promise<void> {
  await typeInto(page, '#origin', s.request.origin);
  await typeInto(page, '#url', s.request.url);
  await page.select('#initiator', s.request.initiator ?? 'fetch');
  await typeInto(page, '#method', s.request.method);
  await page.select('#credentials', s.request.credentials);
  for (const c of ['#request-headers', '#preflight-status', '#preflight-headers', '#response-status', '#response-headers'] as const) await typeInto(page, c, TEXT[c](s));
}

/** Load a scenario through the permalink (the address's fragment) and wait for it. */
async function open(page: Page, s: Scenario): Promise<void> {
  await followPermalink(page, fragment(s));
  await settled(page, s);
}

/** Load `base` through the permalink, then type `s`'s text into the controls named (the rest is the same in both). */
async function typeOver(page: Page, base: Scenario, s: Scenario, typed: readonly Control[]): Promise<void> {
  await open(page, base);
  for (const c of typed) await typeInto(page, c, TEXT[c](s));
}

/** The redirect hops' controls and values. */
function hopValues(page: Page): Promise<string[]> {
  return page.$$eval('#redirects select, #redirects input, #redirects textarea', (els) => els.map((e) => `${e.id}=${(e as HTMLInputElement).value}`));
}

const focused = (page: Page): Promise<string | undefined> => page.evaluate(() => document.activeElement?.id);

/** Wait until the page's permalink holds this scenario (so the verdict shown is this scenario's). */
async function settled(page: Page, s: Scenario): Promise<void> {
  const want = fragment(s);
  await page.waitForFunction((f: string) => document.getElementById('permalink')?.getAttribute('href') === f, { timeout: 10_000 }, want);
}

/** Every form control's value. */
function formValues(page: Page): Promise<string[]> {
  return page.$$eval('#scenario input, #scenario select, #scenario textarea', (els) => els.map((e) => `${e.id}=${(e as HTMLInputElement).value}`));
}

for (const kind of ['chromium', 'firefox'] as const) {
  describe(`the playground page in ${kind}`, () => {
    let server: UiServer;
    let browser: Browser;
    let page: Page;

    beforeAll(async () => {
      ({ server, browser, page } = await openPlayground(kind));
    });
    afterAll(() => closePlayground(server, browser));

    it('the seed button loads the credentials + * case: the verdict and both console lines are the engine\'s', async () => {
      await page.click('#load-seed');
      await settled(page, SEED);
      const shown = await readShown(page);
      expect(shown).toEqual(expected(evaluate(SEED)));
      expect(shown.chromiumError).toBe('WildcardOriginNotAllowed');
      expect(shown.firefoxReason).toBe('CORSNotSupportingCredentials');
      expect(await page.$eval('#verdict-status', (e) => e.textContent)).toMatch(/^✗ Blocked at the response: /);
    });

    it("WebKit's part: blocked in WebKit only, and in Firefox and WebKit; the headline says who allows it, WebKit's reason line and console lines are the engine's", async () => {
      await open(page, WEBKIT_ONLY);
      const v = evaluate(WEBKIT_ONLY);
      const shown = await readShown(page);
      expect(shown).toEqual(expected(v));
      expect(shown.status).toBe(`✗ Blocked in WebKit only (Chromium and Firefox allow it) at the preflight: ${reason('allow-origin-mismatch').title}`);
      expect(shown.webkitReason).toBe('origin-not-allowed');
      expect(shown.webkitMessage).toBe('Origin null is not allowed by Access-Control-Allow-Origin. Status code: 204');
      expect(shown.webkitConsole?.split('\n')).toEqual([
        'Origin null is not allowed by Access-Control-Allow-Origin. Status code: 204',
        'Fetch API cannot load https://cdn.example.net/v1/items/7 due to access control checks.',
        'Failed to load resource: Origin null is not allowed by Access-Control-Allow-Origin. Status code: 204',
      ]);
      // Chromium and Firefox read the exposed header; WebKit reads nothing: each browser's list.
      expect(shown.exposedEach).toEqual(['Chromium: x-request-id', 'Firefox: x-request-id', 'WebKit: (none: blocked)']);
      expect(await page.$$eval('#verdict section.browser h3', (els) => els.map((e) => e.textContent))).toEqual([
        'Chromium',
        'Firefox',
        "WebKit origin-not-allowed (corsproof's name: WebKit names none)",
      ]);
      expect(await page.$eval('#announce', (e) => e.textContent)).toBe(`Blocked${shown.status?.slice('✗ Blocked'.length)}`);

      await open(page, FIREFOX_WEBKIT);
      const both = await readShown(page);
      expect(both).toEqual(expected(evaluate(FIREFOX_WEBKIT)));
      expect(both.status).toBe(`✗ Blocked in Firefox and WebKit (Chromium allows it) at the preflight: ${reason('header-not-allowed').title}`);
      expect(both.webkitMessage).toBe('Request header field User-Agent is not allowed by Access-Control-Allow-Headers.');
    });

    for (const { name, scenario, base, typed } of TYPED) {
      it(`typed into the form: ${name}`, async () => {
        if (base !== undefined && typed !== undefined) await typeOver(page, base, scenario, typed);
        else await fill(page, scenario);
        await settled(page, scenario);
        expect(await readShown(page)).toEqual(expected(evaluate(scenario)));
      });
    }

    it('names the control of a bad header line, and judges again once it is fixed', async () => {
      const scenario = SEED;
      await page.click('#load-seed');
      await settled(page, scenario);
      await typeInto(page, '#response-headers', 'Access-Control-Allow-Origin *');
      await page.waitForSelector('#verdict-problem');
      expect(await page.$eval('#verdict-problem', (e) => e.textContent)).toBe(
        '! Not judged yet: Response header lines, line 1: expected "Name: value", got "Access-Control-Allow-Origin *"',
      );
      expect(await page.$eval('#response-headers', (e) => [e.getAttribute('aria-invalid'), e.getAttribute('aria-describedby')])).toEqual(['true', 'verdict-problem']);
      await typeInto(page, '#response-headers', lines(scenario.response.headers));
      await settled(page, scenario);
      expect(await page.$eval('#response-headers', (e) => e.hasAttribute('aria-invalid'))).toBe(false);
    });

    it('the permalink restores the same page in a new tab (and the address bar follows the form)', async () => {
      const scenario = TYPED[1]!.scenario;
      await typeOver(page, { ...scenario, response: { ...scenario.response, headers: [] } }, scenario, ['#response-headers']);
      await settled(page, scenario);
      const href = await page.$eval('#permalink', (e) => e.getAttribute('href') ?? '');
      expect(href).toBe(fragment(scenario));
      await page.waitForFunction((f: string) => location.hash === f, { timeout: 5000 }, href);
      const other = await browser.newPage();
      try {
        await other.goto(`${server.origin}${href}`);
        await other.waitForSelector('#verdict-status');
        expect(await formValues(other)).toEqual(await formValues(page));
        expect(await readShown(other)).toEqual(await readShown(page));
        expect(await other.$eval('#verdict', (e) => e.textContent)).toBe(await page.$eval('#verdict', (e) => e.textContent));
      } finally {
        await other.close();
      }
    });

    it('a permalink followed while the address bar is about to follow the form: the permalink wins', async () => {
      // Regression (seen on a loaded machine): the form's pending address update ran before the
      // permalink's hashchange was handled and put the old scenario back over it, so the page kept it.
      const first = TYPED[0]!.scenario;
      const second = TYPED[1]!.scenario;
      await page.evaluate((h: string) => (location.hash = h), fragment(first));
      await settled(page, first);
      // An edit schedules the address update; the page's thread is then kept busy past its delay,
      // and the permalink is followed last, so the update's timer is ready before the hashchange.
      await page.evaluate((h: string) => {
        const field = document.getElementById('response-headers') as HTMLTextAreaElement;
        field.value += '\nX-Edit: 1';
        field.dispatchEvent(new Event('input', { bubbles: true }));
        const start = performance.now();
        while (performance.now() - start < 600) {
          /* busy: the address update's 400 ms pass */
        }
        location.hash = h;
      }, fragment(second));
      await settled(page, second);
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(await page.evaluate(() => location.hash)).toBe(fragment(second));
      expect(await page.$eval('#permalink', (e) => e.getAttribute('href'))).toBe(fragment(second));
    });

    it('a redirect hop added and typed with the keyboard: the verdict and both console lines are the engine\'s; a hop without Location names its control', async () => {
      await open(page, UNHOPPED);
      await page.focus('#preflight-headers');
      await page.keyboard.press('Tab');
      expect(await focused(page)).toBe('redirect-add');
      await page.keyboard.press('Enter');
      expect(await focused(page)).toBe('redirect-1-status');
      await page.waitForSelector('#verdict-problem');
      expect(await page.$eval('#verdict-problem', (e) => e.textContent)).toBe('! Not judged yet: Redirect 1 header lines: a redirect needs a Location header');
      expect(await page.$eval('#redirect-1-headers', (e) => [e.getAttribute('aria-invalid'), e.getAttribute('aria-describedby')])).toEqual(['true', 'redirect-1-help verdict-problem']);
      await page.select('#redirect-1-status', '307');
      for (const text of [lines(HOPPED.redirects![0]!.headers), '204', lines(HOPPED.redirectPreflights![0]!.headers)]) {
        await page.keyboard.press('Tab');
        await page.keyboard.type(text);
      }
      expect(await focused(page)).toBe('redirect-1-preflight-headers');
      await settled(page, HOPPED);
      expect(await readShown(page)).toEqual(expected(evaluate(HOPPED)));
      expect(await page.$eval('#redirect-1-headers', (e) => e.hasAttribute('aria-invalid'))).toBe(false);
    });

    it('a permalink with two redirects and a hop\'s own preflight answer round-trips exactly; hops move and go with the keyboard', async () => {
      const other = await browser.newPage();
      try {
        await other.goto(`${server.origin}${fragment(TWO_HOPS)}`);
        await other.waitForSelector('#verdict-status');
        expect(await other.$eval('#permalink', (e) => e.getAttribute('href'))).toBe(fragment(TWO_HOPS));
        expect(await readShown(other)).toEqual(expected(evaluate(TWO_HOPS)));
        const [first, second] = TWO_HOPS.redirects as [ScenarioResponse, ScenarioResponse];
        const answer = TWO_HOPS.redirectPreflights?.[1] as ScenarioResponse;
        expect(await hopValues(other)).toEqual([
          'redirect-1-status=308', `redirect-1-headers=${lines(first.headers)}`, 'redirect-1-preflight-status=', 'redirect-1-preflight-headers=',
          'redirect-2-status=307', `redirect-2-headers=${lines(second.headers)}`, 'redirect-2-preflight-status=204', `redirect-2-preflight-headers=${lines(answer.headers)}`,
        ]);
        const press = async (id: string): Promise<void> => {
          await other.focus(`#${id}`);
          await other.keyboard.press('Enter');
        };
        // The second hop moved up: its preflight answer goes with it.
        await press('redirect-2-up');
        await settled(other, validateScenario({ ...TWO_HOPS, redirects: [second, first], redirectPreflights: [answer, null] }));
        expect(await focused(other)).toBe('redirect-1-down');
        // Removed: the hop left has no answer of its own, so redirectPreflights is left out; then no hop, no redirects.
        await press('redirect-1-remove');
        await settled(other, validateScenario({ ...TWO_HOPS, redirects: [first], redirectPreflights: undefined }));
        expect(await focused(other)).toBe('redirect-1-status');
        await press('redirect-1-remove');
        const none = withoutHops(TWO_HOPS);
        await settled(other, none);
        expect(await focused(other)).toBe('redirect-add');
        expect(await readShown(other)).toEqual(expected(evaluate(none)));
      } finally {
        await other.close();
      }
    });

    it('a damaged permalink says so and loads the default scenario, never a blank page', async () => {
      const other = await browser.newPage();
      try {
        await other.goto(`${server.origin}#s=not-a-scenario`);
        await other.waitForSelector('#verdict-problem');
        expect(await other.$eval('#verdict-problem', (e) => e.textContent)).toBe('! Not judged yet: the permalink is damaged (its scenario is not base64url JSON)');
        const wrongShape = fragment({ request: { url: 'https://api.example.com/', origin: PAGE } } as unknown as Scenario);
        await other.goto('about:blank');
        await other.goto(`${server.origin}${wrongShape}`);
        await other.waitForSelector('#verdict-problem');
        expect(await other.$eval('#verdict-problem', (e) => e.textContent)).toBe("! Not judged yet: the permalink's scenario is invalid: scenario.response: missing");
        expect(await other.$eval('#origin', (e) => (e as HTMLInputElement).value)).toBe('https://app.example.com');
      } finally {
        await other.close();
      }
    });

    it('keyboard only: Tab to the seed button, Enter', async () => {
      const fresh = await browser.newPage();
      try {
        await fresh.goto(server.origin);
        await fresh.waitForSelector('#verdict-status');
        expect(await fresh.$eval('#verdict-status', (e) => e.getAttribute('data-ok'))).toBe('true');
        const focused: string[] = [];
        for (let i = 0; i < 5 && focused.at(-1) !== 'load-seed'; i++) {
          await fresh.keyboard.press('Tab');
          focused.push(await fresh.evaluate(() => document.activeElement?.id || document.activeElement?.className || ''));
        }
        // The input kinds above the form are one stop (a radio group; arrows move within it).
        expect(focused).toEqual(['skip', 'kind-form', 'load-seed']);
        await fresh.keyboard.press('Enter');
        await settled(fresh, SEED);
        expect(await readShown(fresh)).toEqual(expected(evaluate(SEED)));
      } finally {
        await fresh.close();
      }
    });

    describe('on corsproof ui (the token in the address)', () => {
      let live: Page;
      let demos: RunningDemo[] = [];
      beforeAll(async () => {
        demos = await startDemos(PAGE);
        live = await browser.newPage();
        await live.goto(server.pageUrl);
        await live.waitForSelector('#live:not([hidden])');
      });
      afterAll(async () => {
        await live?.close();
        await stopDemos(demos);
      });

      it('takes the token out of the address at once, so no permalink carries it', async () => {
        expect(await live.evaluate(() => location.href)).not.toContain('token');
        expect(await live.$eval('#permalink', (e) => e.getAttribute('href'))).not.toContain('token');
      });

      it('checks a live URL (a demo API) and shows what the doctor concludes', async () => {
        const demo = demos.find((d) => d.demo.id === 'wildcard-credentials');
        if (demo === undefined) throw new Error('no wildcard-credentials demo');
        const request = { url: demo.url, origin: PAGE, method: demo.demo.method, headers: demo.demo.headers, credentials: demo.demo.credentials, initiator: 'fetch' as const };
        await typeInto(live, '#url', request.url);
        await live.select('#credentials', 'include');
        await typeInto(live, '#request-headers', lines(request.headers));
        await typeInto(live, '#method', request.method);
        // Focus and Enter, as a keyboard user would: a mouse click can land while the verdict above re-renders
        // and moves the button (Firefox then reports "Node is either not clickable or not an Element").
        await live.focus('#live-run');
        await live.keyboard.press('Enter');
        await live.waitForSelector('#live-verdict-status', { timeout: 15_000 });
        const report = await check(request, { timeoutMs: 5000 });
        expect(await readShown(live, 'live-')).toEqual(expected(report.verdict));
        expect(await live.$eval('#live-result', (e) => e.textContent)).toContain(`GET ${demo.url}`);
      });

      for (const dark of [false, true]) {
        it(`passes axe-core with no violations (${dark ? 'dark' : 'light'}): a blocked verdict, one blocked in WebKit only (its console lines), an allowed one, the live section`, async () => {
          await scheme(browser, live, kind, dark);
          await live.click('#load-seed');
          await settled(live, SEED);
          expect(await axeViolations(live)).toEqual([]);
          await open(live, WEBKIT_ONLY);
          await live.waitForSelector('#webkit-console');
          expect(await axeViolations(live)).toEqual([]);
          await live.click('#load-default');
          await live.waitForFunction(() => document.getElementById('verdict-status')?.getAttribute('data-ok') === 'true');
          expect(await axeViolations(live)).toEqual([]);
        });
      }
    });
  });
}
