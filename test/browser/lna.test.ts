/**
 * Local Network Access in real Chromium: the engine's verdict for
 * `request.addressSpace` / `request.localNetworkAccess` against Chromium 156.
 *
 * A loopback page is made public (or local) with Chromium's testing switch
 * `--ip-address-space-overrides=127.0.0.1:<port>=<space>` (its ports are the
 * world's), the other loopback servers stay `loopback` or are made `local` or
 * `public` the same way. The permission is set per launch with CDP
 * `Browser.setPermission` (`loopback-network`, `local-network`: Chromium 156
 * asks for them separately; `local-network-access` lets nothing through).
 * Headless Chromium refuses an unanswered prompt at once, so `prompt` is seen
 * as a refusal here. A non-secure page is a host name mapped to 127.0.0.1
 * (`--host-resolver-rules`).
 *
 * Per case: pass or fail, the exact console line, that the engine's CorsError
 * is among the case's Audits issues, and what reached the servers (nothing,
 * when the permission is missing: no preflight, no request).
 *
 * Firefox 153 the same way (its page made public with the pref
 * `network.lna.address_space.public.override`, the permission set through
 * WebDriver BiDi): denied and granted are compared with the engine; an
 * unanswered prompt holds the request (nothing sent, the fetch pending), which
 * the engine models as refused: the suite checks it is held, not refused.
 * WebKit is not run: WebKitGTK 2.50 has Local Network Access off by default and
 * no switch makes a page public, so its part stays source-derived
 * (src/engine/local-network.test.ts marks it).
 */
import type { Browser, ConsoleMessage, Page, Protocol } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, evaluateIn } from '../../src/engine/evaluate.js';
import type { AddressSpace, AddressSpaces, Initiator, LocalNetworkPermission, Scenario } from '../../src/engine/types.js';
import type { PageResult, World } from './harness.js';
import { caseIdsIn, launch, startWorld } from './harness.js';
import { requireBrowser } from './require-browser.js';

const INSECURE_HOST = 'lna-public.test';

/** One Chromium launch: the page's address space, the other servers', the permission granted, the page's host. */
interface Launch {
  name: string;
  page: AddressSpace;
  /** The address space of the world's "other" server (127.0.0.1:P3); the target server (localhost:P2) stays loopback. */
  other: AddressSpace;
  /** The permission set with Browser.setPermission for the page's origin, if any. */
  grant?: 'loopback-network' | 'local-network';
  /** Serve the page from a host name (not a secure context) instead of 127.0.0.1. */
  insecure?: boolean;
}

interface Case {
  id: string;
  launch: string;
  /** Which server: `target` (localhost, loopback) or `other` (127.0.0.1:P3, the launch's `other` space). */
  server: 'target' | 'other';
  initiator?: Initiator;
  method?: 'GET' | 'PUT';
  /** The response carries no Access-Control-Allow-Origin. */
  noAllowOrigin?: boolean;
  /** The `other` server answers with a 302 to the target server (loopback). */
  redirectToTarget?: boolean;
}

const LAUNCHES: Launch[] = [
  { name: 'public', page: 'public', other: 'local' },
  { name: 'public-loopback-granted', page: 'public', other: 'local', grant: 'loopback-network' },
  { name: 'public-local-granted', page: 'public', other: 'local', grant: 'local-network' },
  { name: 'public-redirect', page: 'public', other: 'public' },
  { name: 'local-page', page: 'local', other: 'local' },
  { name: 'insecure', page: 'public', other: 'local', insecure: true },
];

const CASES: Case[] = [
  { id: 'lnaPubLoopGet', launch: 'public', server: 'target' },
  { id: 'lnaPubLoopPut', launch: 'public', server: 'target', method: 'PUT' },
  { id: 'lnaPubLoopXhr', launch: 'public', server: 'target', initiator: 'xhr' },
  { id: 'lnaPubLoopEs', launch: 'public', server: 'target', initiator: 'eventsource' },
  { id: 'lnaPubLanGet', launch: 'public', server: 'other' },
  { id: 'lnaGrantGet', launch: 'public-loopback-granted', server: 'target' },
  { id: 'lnaGrantPut', launch: 'public-loopback-granted', server: 'target', method: 'PUT' },
  { id: 'lnaGrantNoAcao', launch: 'public-loopback-granted', server: 'target', noAllowOrigin: true },
  { id: 'lnaGrantLanGet', launch: 'public-loopback-granted', server: 'other' },
  { id: 'lnaLanGrantGet', launch: 'public-local-granted', server: 'other' },
  { id: 'lnaLanGrantLoop', launch: 'public-local-granted', server: 'target' },
  { id: 'lnaRedirect', launch: 'public-redirect', server: 'other', redirectToTarget: true },
  { id: 'lnaLocalPage', launch: 'local-page', server: 'target' },
  { id: 'lnaInsecure', launch: 'insecure', server: 'target' },
  { id: 'lnaInsecurePut', launch: 'insecure', server: 'target', method: 'PUT' },
];

const launchOf = (c: Case): Launch => LAUNCHES.find((l) => l.name === c.launch) as Launch;

function port(origin: string): string {
  return new URL(origin).port;
}

/** The page's origin in a launch. */
function pageOrigin(world: World, l: Launch): string {
  return l.insecure ? `http://${INSECURE_HOST}:${port(world.pageOrigin)}` : world.pageOrigin;
}

/** The permission state the engine is given for a case: what the launch granted for the space the request needs. */
function permissionFor(l: Launch, target: AddressSpace): LocalNetworkPermission {
  const needed = target === 'loopback' ? 'loopback-network' : 'local-network';
  // Headless Chromium answers an unasked prompt with a refusal: `prompt` is what the page's state says.
  return l.grant === needed ? 'granted' : 'prompt';
}

function scenarioOf(world: World, c: Case): Scenario {
  const l = launchOf(c);
  const origin = pageOrigin(world, l);
  const base = c.server === 'target' ? world.targetOrigin : world.otherOrigin;
  const url = `${base}/c/${c.id}/0`;
  const target: AddressSpace = c.server === 'target' ? 'loopback' : l.other;
  const addressSpace: AddressSpaces = { page: l.page, target };
  const headers: Array<[string, string]> = c.method === 'PUT' ? [['X-Test', '1']] : [];
  const allow: Array<[string, string]> = c.noAllowOrigin ? [] : [['Access-Control-Allow-Origin', origin]];
  const s: Scenario = {
    request: { url, origin, method: c.method ?? 'GET', headers, credentials: 'same-origin', initiator: c.initiator ?? 'fetch', addressSpace },
    preflight: { status: 204, headers: [...allow, ['Access-Control-Allow-Methods', 'PUT'], ['Access-Control-Allow-Headers', 'x-test'], ['Content-Length', '0']] },
    response: { status: 200, headers: [...allow, ['Content-Length', '2']] },
  };
  const finalTarget = c.redirectToTarget ? 'loopback' : target;
  if (c.redirectToTarget) {
    s.redirects = [{ status: 302, headers: [...allow, ['Location', `${world.targetOrigin}/c/${c.id}/1`], ['Content-Length', '0']] }];
    addressSpace.redirectTargets = ['loopback'];
  }
  s.request.localNetworkAccess = permissionFor(l, finalTarget);
  return s;
}

/** What Chromium did for one case. */
interface Seen {
  result: PageResult;
  issues: string[];
  messages: string[];
}

/** The Chromium flags that put the world's servers in the launch's address spaces. */
function launchArgs(world: World, l: Launch): string[] {
  const overrides = [`127.0.0.1:${port(world.pageOrigin)}=${l.page}`, `127.0.0.1:${port(world.otherOrigin)}=${l.other}`];
  const args = [`--ip-address-space-overrides=${overrides.join(',')}`];
  if (l.insecure) args.push(`--host-resolver-rules=MAP ${INSECURE_HOST} 127.0.0.1`);
  return args;
}

/** One launch: the permission set, the page opened, each case run in turn, its issues and console lines collected. */
async function runLaunch(world: World, l: Launch, cases: Case[]): Promise<Map<string, Seen>> {
  const b: Browser = await launch('chromium', { chromiumArgs: launchArgs(world, l) });
  const seen = new Map<string, Seen>();
  const issues = new Map<string, string[]>();
  const messages = new Map<string, string[]>();
  const push = (m: Map<string, string[]>, id: string, v: string): void => void (m.get(id) ?? m.set(id, []).get(id))?.push(v);
  try {
    const origin = pageOrigin(world, l);
    if (l.grant) {
      const browserSession = await b.target().createCDPSession();
      await browserSession.send('Browser.setPermission', { permission: { name: l.grant }, setting: 'granted', origin });
    }
    const page: Page = (await b.pages())[0] ?? (await b.newPage());
    const cdp = await page.createCDPSession();
    cdp.on('Audits.issueAdded', (event: Protocol.Audits.IssueAddedEvent) => {
      const d = event.issue.details.corsIssueDetails;
      if (d !== undefined) for (const id of caseIdsIn(d.request.url)) push(issues, id, d.corsErrorStatus.corsError);
    });
    await cdp.send('Audits.enable');
    page.on('console', (msg: ConsoleMessage) => {
      for (const id of caseIdsIn(msg.text())) push(messages, id, msg.text());
    });
    await page.goto(`${origin}/`, { waitUntil: 'load' });
    for (const c of cases) {
      const r = scenarioOf(world, c).request;
      const req = { url: r.url, method: r.method, headers: r.headers, credentials: r.credentials, initiator: r.initiator, cache: 'no-store' };
      const json = (await page.evaluate(`window.__corsproofRun(${JSON.stringify(req)}, 8000, 8000)`)) as string;
      seen.set(c.id, { result: JSON.parse(json) as PageResult, issues: [], messages: [] });
    }
    // Issues and console lines may trail the settled promise: wait for every failed case's line (at most 3 s).
    const deadline = Date.now() + 3000;
    const settled = (): boolean => cases.every((c) => seen.get(c.id)?.result.ok || (messages.get(c.id) ?? []).some((m) => m.includes('CORS policy')));
    while (!settled() && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    await new Promise((res) => setTimeout(res, 200));
    for (const c of cases) {
      const s = seen.get(c.id) as Seen;
      s.issues = issues.get(c.id) ?? [];
      s.messages = messages.get(c.id) ?? [];
    }
  } finally {
    await b.close();
  }
  return seen;
}

describe('Local Network Access in real Chromium (engine vs browser)', () => {
  let world: World | undefined;
  const seen = new Map<string, Seen>();

  beforeAll(async () => {
    requireBrowser('chromium');
    world = await startWorld();
    const w = world;
    for (const c of CASES) w.register(c.id, scenarioOf(w, c));
    for (const l of LAUNCHES) {
      const results = await runLaunch(w, l, CASES.filter((c) => c.launch === l.name));
      for (const [id, s] of results) seen.set(id, s);
    }
  }, 120_000);
  afterAll(async () => {
    await world?.close();
  });

  it.each(CASES.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const w = world as World;
    const s = scenarioOf(w, c);
    const got = seen.get(c.id) as Seen;
    const verdict = evaluate(s, { browsers: ['chromium'] });
    const outcome = evaluateIn('chromium', s);
    expect(got.result.error, 'harness').toBeUndefined();
    expect(got.result.ok, `pass/fail (thrown: ${got.result.thrown ?? ''})`).toBe(verdict.ok);
    const traffic = w.traffic(c.id, 'chromium');
    // What reached the servers: the requests the engine says Chromium sends (none when refused), and a
    // preflight only when one was sent (a preflight refused by Local Network Access never leaves).
    expect((traffic?.requests ?? []).map((r) => r.url), 'requests received').toEqual(outcome.requests.map((r) => r.url));
    const lnaRefused = outcome.reasonId === 'local-network-permission-denied' || outcome.reasonId === 'insecure-local-network';
    expect(traffic?.preflights.length ?? 0, 'preflights received').toBe(lnaRefused ? 0 : outcome.preflights.length);
    if (verdict.ok) {
      expect(got.messages.filter((m) => m.includes('CORS policy')), 'no CORS line').toEqual([]);
      return;
    }
    const chromium = verdict.chromium;
    expect(got.messages, 'console line').toContain(chromium?.message);
    expect(got.issues, 'Audits CorsIssue').toContain(chromium?.corsError);
  });

  it('covers both rows and a pass after the permission, as Chromium 156 shows them', () => {
    const w = world as World;
    const ids = new Set(CASES.map((c) => evaluateIn('chromium', scenarioOf(w, c)).reasonId));
    expect(ids).toContain('local-network-permission-denied');
    expect(ids).toContain('insecure-local-network');
    expect(ids).toContain(null);
    expect(ids).toContain('missing-allow-origin');
  });
});

/** One Firefox launch: the page public (or private, Firefox's word for local), the permission set through BiDi. */
interface FirefoxLaunch {
  name: string;
  page: 'public' | 'local';
  permission: LocalNetworkPermission;
}

interface FirefoxCase {
  id: string;
  launch: string;
  method?: 'GET' | 'PUT';
  /** Expected to be held by the prompt (nothing sent, the request pending) rather than settled. */
  held?: boolean;
}

const FIREFOX_LAUNCHES: FirefoxLaunch[] = [
  { name: 'ff-denied', page: 'public', permission: 'denied' },
  { name: 'ff-granted', page: 'public', permission: 'granted' },
  { name: 'ff-prompt', page: 'public', permission: 'prompt' },
  { name: 'ff-local-page', page: 'local', permission: 'prompt' },
];

const FIREFOX_CASES: FirefoxCase[] = [
  { id: 'lnaFfDeniedGet', launch: 'ff-denied' },
  { id: 'lnaFfDeniedPut', launch: 'ff-denied', method: 'PUT' },
  { id: 'lnaFfGrantedGet', launch: 'ff-granted' },
  { id: 'lnaFfGrantedPut', launch: 'ff-granted', method: 'PUT' },
  { id: 'lnaFfPromptGet', launch: 'ff-prompt', held: true },
  { id: 'lnaFfLocalPage', launch: 'ff-local-page' },
];

function firefoxScenario(world: World, c: FirefoxCase): Scenario {
  const l = FIREFOX_LAUNCHES.find((x) => x.name === c.launch) as FirefoxLaunch;
  const origin = world.pageOrigin;
  const allow: Array<[string, string]> = [['Access-Control-Allow-Origin', origin]];
  return {
    request: {
      url: `${world.targetOrigin}/c/${c.id}/0`,
      origin,
      method: c.method ?? 'GET',
      headers: c.method === 'PUT' ? [['X-Test', '1']] : [],
      credentials: 'same-origin',
      addressSpace: { page: l.page, target: 'loopback' },
      localNetworkAccess: l.permission,
    },
    preflight: { status: 204, headers: [...allow, ['Access-Control-Allow-Methods', 'PUT'], ['Access-Control-Allow-Headers', 'x-test'], ['Content-Length', '0']] },
    response: { status: 200, headers: [...allow, ['Content-Length', '2']] },
  };
}

/** One Firefox launch: each case run in turn (a held one given 3 s), its "Cross-Origin Request Blocked" lines collected. */
async function runFirefoxLaunch(world: World, l: FirefoxLaunch, cases: FirefoxCase[]): Promise<Map<string, Seen>> {
  const pref = l.page === 'public' ? 'network.lna.address_space.public.override' : 'network.lna.address_space.private.override';
  const b: Browser = await launch('firefox', { firefoxPrefs: { [pref]: `127.0.0.1:${port(world.pageOrigin)}` } });
  const seen = new Map<string, Seen>();
  const lines = new Map<string, Set<string>>();
  const onText = (text: string): void => {
    if (!text.includes('Cross-Origin Request Blocked')) return;
    for (const id of caseIdsIn(text)) (lines.get(id) ?? lines.set(id, new Set()).get(id))?.add(text);
  };
  try {
    if (l.permission !== 'prompt') {
      await b.defaultBrowserContext().setPermission(world.pageOrigin, { permission: { name: 'loopback-network' as never }, state: l.permission });
    }
    const page: Page = (await b.pages())[0] ?? (await b.newPage());
    page.on('pageerror', (e: unknown) => onText(e instanceof Error ? e.message : String(e)));
    page.on('console', (m: ConsoleMessage) => onText(m.text()));
    await page.goto(`${world.pageOrigin}/`, { waitUntil: 'load' });
    for (const c of cases) {
      const r = firefoxScenario(world, c).request;
      const req = { url: r.url, method: r.method, headers: r.headers, credentials: r.credentials, initiator: 'fetch', cache: 'no-store' };
      const json = (await page.evaluate(`window.__corsproofRun(${JSON.stringify(req)}, ${c.held ? 3000 : 8000}, 8000)`)) as string;
      seen.set(c.id, { result: JSON.parse(json) as PageResult, issues: [], messages: [] });
    }
    await new Promise((res) => setTimeout(res, 500));
    for (const c of cases) (seen.get(c.id) as Seen).messages = [...(lines.get(c.id) ?? [])];
  } finally {
    await b.close();
  }
  return seen;
}

describe('Local Network Access in real Firefox (engine vs browser)', () => {
  let world: World | undefined;
  const seen = new Map<string, Seen>();

  beforeAll(async () => {
    requireBrowser('firefox');
    world = await startWorld({ unknownUserAgent: 'firefox' });
    const w = world;
    for (const c of FIREFOX_CASES) w.register(c.id, firefoxScenario(w, c));
    for (const l of FIREFOX_LAUNCHES) {
      const results = await runFirefoxLaunch(w, l, FIREFOX_CASES.filter((c) => c.launch === l.name));
      for (const [id, s] of results) seen.set(id, s);
    }
  }, 120_000);
  afterAll(async () => {
    await world?.close();
  });

  it.each(FIREFOX_CASES.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const w = world as World;
    const s = firefoxScenario(w, c);
    const got = seen.get(c.id) as Seen;
    const verdict = evaluate(s, { browsers: ['firefox'] });
    const outcome = evaluateIn('firefox', s);
    const traffic = w.traffic(c.id, 'firefox');
    expect((traffic?.requests ?? []).map((r) => r.url), 'requests received').toEqual(outcome.requests.map((r) => r.url));
    if (c.held) {
      // Unanswered: Firefox holds the request (nothing sent, the fetch still pending); the engine calls it refused.
      expect(got.result.error ?? '', 'held, not settled').toMatch(/timeout/);
      expect(traffic?.preflights.length ?? 0).toBe(0);
      expect(verdict.ok).toBe(false);
      return;
    }
    expect(got.result.error, 'harness').toBeUndefined();
    expect(got.result.ok, `pass/fail (thrown: ${got.result.thrown ?? ''})`).toBe(verdict.ok);
    if (verdict.ok) expect(traffic?.preflights.length ?? 0).toBe(outcome.preflights.length);
    else {
      expect(traffic?.preflights.length ?? 0, 'no preflight left').toBe(0);
      expect(got.messages, 'the "Cross-Origin Request Blocked" line').toEqual([verdict.firefox?.message]);
    }
  });
});
