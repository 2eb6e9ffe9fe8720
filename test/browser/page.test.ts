/**
 * The playground page (dist/site, served by `corsproof ui`'s server) in real
 * Chromium and Firefox: the form filled by typing for a few scenarios, the
 * rendered verdict and each browser's console line compared with evaluate()
 * in Node (exact strings); the permalink restoring the same page; keyboard
 * only; the live check against a demo API; axe-core in light and dark.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningDemo } from '../../src/demo/servers.js';
import { startDemos, stopDemos } from '../../src/demo/servers.js';
import { check } from '../../src/doctor/check.js';
import { evaluate } from '../../src/engine/evaluate.js';
import type { HeaderList, Scenario, Verdict } from '../../src/engine/types.js';
import { validateScenario } from '../../src/engine/validate.js';
import type { UiServer } from '../../src/ui/server.js';
import { startUiServer } from '../../src/ui/server.js';
import { launch } from './harness.js';
import { axeViolations, scheme } from './page-helpers.js';
import { requireBrowser } from './require-browser.js';

const root = join(import.meta.dirname, '..', '..');
const SITE = join(root, 'dist', 'site');
const PAGE = 'https://app.example.com';

/** The seed case, as the CLI bundles it (the page's button must load the same scenario). */
const SEED = validateScenario(JSON.parse(readFileSync(join(root, 'examples', 'credentials-wildcard.json'), 'utf8')));

/** Scenarios typed into the form (validated, so their JSON is what the page's permalink holds). */
const TYPED: Array<{ name: string; scenario: Scenario }> = [
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
  },
  {
    name: 'a preflight stopped by authentication (401)',
    scenario: validateScenario({
      request: { url: 'http://localhost:8080/api/orders', origin: 'http://localhost:5173', method: 'DELETE', headers: [], credentials: 'include', initiator: 'fetch' },
      preflight: { status: 401, headers: [['WWW-Authenticate', 'Bearer']] },
      response: { status: 204, headers: [] },
    }),
  },
];

/** What the page shows, read by the ids render.ts gives. */
interface Shown {
  ok: string | null;
  chromiumError: string | null;
  chromiumMessage: string | null;
  firefoxReason: string | null;
  mdn: string | null;
  firefoxMessage: string | null;
  fixServer: string | null;
  fixClient: string | null;
  exposed: string | null;
}

function readShown(page: Page, prefix = ''): Promise<Shown> {
  return page.evaluate((p: string) => {
    const el = (id: string): HTMLElement | null => document.getElementById(p + id);
    const text = (id: string): string | null => el(id)?.textContent ?? null;
    return {
      ok: el('verdict-status')?.getAttribute('data-ok') ?? null,
      chromiumError: text('chromium-error'),
      chromiumMessage: text('chromium-message'),
      firefoxReason: text('firefox-reason'),
      mdn: el('firefox-reason')?.getAttribute('href') ?? null,
      firefoxMessage: text('firefox-message'),
      fixServer: text('fix-server'),
      fixClient: text('fix-client'),
      exposed: text('exposed'),
    };
  }, prefix);
}

/** What the page must show for a verdict: the engine's own strings (code spans shown as code, without backticks). */
function expected(v: Verdict): Shown {
  const plain = (s: string): string => s.replaceAll('`', '');
  return {
    ok: String(v.ok),
    chromiumError: v.chromium === null ? null : (v.chromium.corsError ?? `net::${v.chromium.netError}`),
    chromiumMessage: v.chromium?.message ?? '✓ Chromium allows this request.',
    firefoxReason: v.firefox?.reason ?? null,
    mdn: v.firefox === null ? null : `https://developer.mozilla.org/docs/Web/HTTP/Guides/CORS/Errors/${v.firefox.reason}`,
    firefoxMessage: v.firefox?.message ?? '✓ Firefox allows this request.',
    fixServer: v.fixes === null ? null : `Server: ${plain(v.fixes.server)}`,
    fixClient: v.fixes?.client == null ? null : `Client: ${plain(v.fixes.client)}`,
    exposed: v.ok ? (v.exposedHeaders.join(', ') || '(none)') : '(none: script cannot read the response)',
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

/** Fill the whole form for a scenario. */
async function fill(page: Page, s: Scenario): Promise<void> {
  await typeInto(page, '#origin', s.request.origin);
  await typeInto(page, '#url', s.request.url);
  await page.select('#initiator', s.request.initiator ?? 'fetch');
  await typeInto(page, '#method', s.request.method);
  await page.select('#credentials', s.request.credentials);
  await typeInto(page, '#request-headers', lines(s.request.headers));
  await typeInto(page, '#preflight-status', s.preflight === null ? '' : String(s.preflight.status));
  await typeInto(page, '#preflight-headers', s.preflight === null ? '' : lines(s.preflight.headers));
  await typeInto(page, '#response-status', String(s.response.status));
  await typeInto(page, '#response-headers', lines(s.response.headers));
}

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
      requireBrowser(kind);
      server = await startUiServer({ siteDir: SITE });
      browser = await launch(kind);
      page = await browser.newPage();
      await page.goto(server.origin);
      await page.waitForSelector('#verdict-status');
    });
    afterAll(async () => {
      await browser?.close();
      await server?.close();
    });

    it('the seed button loads the credentials + * case: the verdict and both console lines are the engine\'s', async () => {
      await page.click('#load-seed');
      await settled(page, SEED);
      const shown = await readShown(page);
      expect(shown).toEqual(expected(evaluate(SEED)));
      expect(shown.chromiumError).toBe('WildcardOriginNotAllowed');
      expect(shown.firefoxReason).toBe('CORSNotSupportingCredentials');
      expect(await page.$eval('#verdict-status', (e) => e.textContent)).toMatch(/^✗ Blocked at the response: /);
    });

    for (const { name, scenario } of TYPED) {
      it(`typed into the form: ${name}`, async () => {
        await fill(page, scenario);
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
      await fill(page, scenario);
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
        it(`passes axe-core with no violations (${dark ? 'dark' : 'light'}): a blocked verdict, an allowed one, the live section`, async () => {
          await scheme(browser, live, kind, dark);
          await live.click('#load-seed');
          await settled(live, SEED);
          expect(await axeViolations(live)).toEqual([]);
          await live.click('#load-default');
          await live.waitForFunction(() => document.getElementById('verdict-status')?.getAttribute('data-ok') === 'true');
          expect(await axeViolations(live)).toEqual([]);
        });
      }
    });
  });
}
