/**
 * The differential suite in real WebKit: the generated scenarios of
 * differential.test.ts (same generator, seed and count) and a few hand-made
 * ones, each run in WebKitGTK's MiniBrowser through webkit.ts, compared field
 * by field with `evaluateIn('webkit')` (webkit-compare.ts): pass or fail, the
 * preflights sent (Origin, Access-Control-Request-Method and -Headers), each
 * hop's method and Origin, the reason line and the whole sequence of console
 * lines, the readable response headers.
 *
 * The preflight cache, where the harness can see it: the cases that passed
 * after a preflight (without redirects) run again at once, and again after
 * more than WebKit's 5 s default; each time WebKit must preflight again
 * exactly when the engine's `preflightMaxAge` has run out (0, or the default
 * 5 s on the last run), and not when it still holds (Max-Age 600, 100000).
 *
 * A missing WebKit fails the suite (requireWebKit), never skips it. The
 * output names the WebKitGTK release. CORSPROOF_CASES, CORSPROOF_SEED and
 * CORSPROOF_ONLY work as in differential.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateIn } from '../../src/engine/evaluate.js';
import { WEBKIT } from '../../src/engine/browsers.js';
import type { HeaderList, Scenario, ScenarioRequest } from '../../src/engine/types.js';
import type { GeneratedCase } from '../generator.js';
import { generate } from '../generator.js';
import { startWorld } from './harness.js';
import type { World } from './harness.js';
import { requireWebKit } from './require-browser.js';
import { WebKitBrowser } from './webkit.js';
import type { WebKitObservation } from './webkit.js';
import { WEBKIT_FIELDS, compareWebKit } from './webkit-compare.js';
import type { WebKitDisagreement } from './webkit-compare.js';

const COUNT = Number(process.env.CORSPROOF_CASES ?? 4000);
const SEED = Number(process.env.CORSPROOF_SEED ?? 20261127);
const ONLY = process.env.CORSPROOF_ONLY ? new RegExp(process.env.CORSPROOF_ONLY) : null;
/** Cases per slice of the preflight cache's first runs. */
const CACHE_SLICE = 150;

/** The installed WebKitGTK package's release (MiniBrowser --version needs a display). */
function installedWebKit(): string {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Version}', 'libwebkit2gtk-4.1-0'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/**
 * Hand-made cases for what the generator does not reach: the method libsoup
 * sends after a 307/308 to another origin, HEAD after a 303, which refused
 * header WebKit names (names it knows first), Max-Age values for the cache
 * runs, a same-origin request redirected to a URL with user:password@.
 */
function handCases(w: World): GeneratedCase[] {
  const page = w.pageOrigin;
  const url = (id: string, origin = w.targetOrigin, k = 0): string => `${origin}/c/${id}/${k}`;
  const acao: HeaderList = [['Access-Control-Allow-Origin', page]];
  const body: HeaderList = [['Content-Type', 'text/plain'], ['X-Foo', 'foo'], ['Cache-Control', 'no-store'], ['Content-Length', '2']];
  const pf = (extra: HeaderList, status = 204): Scenario['preflight'] => ({ status, headers: [...acao, ...extra, ['Content-Length', '0']] });
  const one = (id: string, req: Partial<ScenarioRequest>, preflight: Scenario['preflight'], rest: Partial<Scenario> = {}): GeneratedCase => ({
    id,
    tags: ['hand', id],
    scenario: {
      request: { url: url(id), origin: page, method: 'GET', headers: [], credentials: 'same-origin', initiator: 'fetch', ...req },
      preflight,
      response: { status: 200, headers: [...acao, ...body] },
      ...rest,
    },
  });
  const hop = (id: string, status: number, location: string): Scenario['redirects'] => [{ status, headers: [...acao, ['Location', location], ['Content-Length', '0']] }];
  const open = pf([['Access-Control-Allow-Methods', 'DELETE, PUT, HEAD'], ['Access-Control-Allow-Headers', '*']]);
  const age = (id: string, value: string | null): GeneratedCase =>
    one(id, { method: 'PUT' }, pf([['Access-Control-Allow-Methods', 'PUT'], ...(value === null ? [] : ([['Access-Control-Max-Age', value]] as HeaderList))]));
  return [
    ...[307, 308, 301].map((s) => one(`h-delete-${s}-cross`, { method: 'DELETE' }, open, { redirects: hop(`h-delete-${s}-cross`, s, url(`h-delete-${s}-cross`, w.otherOrigin, 1)) })),
    one('h-delete-307-same', { method: 'DELETE' }, open, { redirects: hop('h-delete-307-same', 307, '/c/h-delete-307-same/1') }),
    one('h-head-303', { method: 'HEAD', headers: [['X-A', '1']] }, open, { redirects: hop('h-head-303', 303, url('h-head-303', w.otherOrigin, 1)) }),
    one('h-known-first-xhr', { method: 'PUT', initiator: 'xhr', headers: [['x-long', '1'], ['content-type', 'application/json']] }, pf([['Access-Control-Allow-Methods', 'PUT']])),
    one('h-known-first-fetch', { method: 'PUT', headers: [['X-B', '1'], ['Accept', 'a{b}']] }, pf([['Access-Control-Allow-Methods', 'PUT']])),
    one('h-spelling-xhr', { method: 'PUT', initiator: 'xhr', headers: [['x-MiXeD', '1'], ['authorization', 'x']] }, pf([['Access-Control-Allow-Methods', 'PUT']])),
    ...redirectTargets(w, one, pf([])),
    age('h-age-none', null),
    age('h-age-600', '600'),
    age('h-age-100000', '100000'),
    age('h-age-0', '0'),
    age('h-age-plus5', '+5'),
    age('h-age-abc', 'abc'),
  ];
}

/**
 * Redirects to a URL with user:password@ or to data:, from a request that is
 * still same-origin or already a CORS one (the generator's start cross-origin).
 */
function redirectTargets(w: World, one: (id: string, req: Partial<ScenarioRequest>, pf: Scenario['preflight'], rest: Partial<Scenario>) => GeneratedCase, pf: Scenario['preflight']): GeneratedCase[] {
  const userinfo = (origin: string): string => origin.replace('://', '://u:p@');
  const chain = (id: string, start: string, ...locations: string[]): GeneratedCase =>
    one(id, { url: `${start}/c/${id}/0` }, pf, {
      redirects: locations.map((l) => ({ status: 302, headers: [['Access-Control-Allow-Origin', '*'], ['Location', l.replace('<id>', id)], ['Content-Length', '0']] })),
      response: { status: 200, headers: [['Access-Control-Allow-Origin', '*'], ['Content-Length', '2']] },
    });
  return [
    chain('h-page-to-userinfo', w.pageOrigin, `${userinfo(w.targetOrigin)}/c/<id>/1`),
    chain('h-page-page-userinfo', w.pageOrigin, '/c/<id>/1', `${userinfo(w.targetOrigin)}/c/<id>/2`),
    chain('h-page-to-page-userinfo', w.pageOrigin, `${userinfo(w.pageOrigin)}/c/<id>/1`),
    chain('h-cross-to-page-userinfo', w.targetOrigin, `${userinfo(w.pageOrigin)}/c/<id>/1`),
    chain('h-page-to-data', w.pageOrigin, 'data:,x'),
    chain('h-page-page-data', w.pageOrigin, '/c/<id>/1', 'data:,x'),
  ];
}

/** The preflights a case's second run sends, as the engine says: none while the first run's approval holds. */
function cachedPreflights(c: GeneratedCase, holds: (maxAge: number) => boolean): number {
  const o = evaluateIn('webkit', c.scenario);
  return o.preflightMaxAge !== null && o.preflightMaxAge > 0 && holds(o.preflightMaxAge) ? 0 : o.preflights.length;
}

interface CacheRun {
  label: string;
  holds: (maxAge: number) => boolean;
  seen: WebKitObservation[];
}

describe('differential: engine vs real WebKit', () => {
  let world: World | undefined;
  let cases: GeneratedCase[] = [];
  let observations: WebKitObservation[] = [];
  let cacheCases: GeneratedCase[] = [];
  const cacheRuns: CacheRun[] = [];
  const timings: string[] = [];
  let userAgent = '';

  beforeAll(async () => {
    requireWebKit();
    world = await startWorld({ unknownUserAgent: 'webkit' });
    const generated = generate(world, { count: COUNT, seed: SEED });
    cases = [...generated, ...handCases(world)].filter((c) => ONLY === null || ONLY.test(c.tags.join(' ')));
    const t0 = Date.now();
    const wk = await WebKitBrowser.launch(world);
    try {
      userAgent = await wk.userAgent();
      timings.push(`launch ${Date.now() - t0} ms`);
      const t1 = Date.now();
      observations = await wk.run(world, cases);
      timings.push(`${cases.length} cases ${Date.now() - t1} ms`);
      // The preflight cache: the cases that passed after preflights, without redirects, run again at once, then after 6 s.
      const passed = new Set(observations.filter((o) => o.ok && o.preflights.length > 0).map((o) => o.id));
      cacheCases = cases.filter((c) => passed.has(c.id) && (c.scenario.redirects?.length ?? 0) === 0 && c.scenario.request.initiator !== 'eventsource');
      const t2 = Date.now();
      // In slices, each run twice in a row: well within WebKit's 5 s default between the two runs of a case.
      const atOnce: WebKitObservation[] = [];
      for (let i = 0; i < cacheCases.length; i += CACHE_SLICE) {
        const slice = cacheCases.slice(i, i + CACHE_SLICE);
        await wk.run(world, slice);
        atOnce.push(...(await wk.run(world, slice)));
      }
      cacheRuns.push({ label: 'again at once', holds: () => true, seen: atOnce });
      await new Promise((r) => setTimeout(r, 6000));
      cacheRuns.push({ label: 'again after 6 s', holds: (maxAge) => maxAge > 6, seen: await wk.run(world, cacheCases) });
      timings.push(`cache runs (${cacheCases.length} cases, three times, a 6 s wait) ${Date.now() - t2} ms`);
    } finally {
      await wk.close();
    }
    timings.push(`total ${Date.now() - t0} ms`);
  });
  afterAll(async () => {
    await world?.close();
  });

  it(`runs ${ONLY ? 'the selected' : COUNT} generated cases and the hand-made ones, each settled`, () => {
    expect(observations).toHaveLength(cases.length);
    expect(observations.filter((o) => o.error !== undefined).map((o) => `${o.id}: ${o.error}`)).toEqual([]);
  });

  it('agrees with the engine on every compared field of every case', () => {
    const byId = new Map(observations.map((o) => [o.id, o]));
    const disagreements: WebKitDisagreement[] = [];
    for (const c of cases) {
      const obs = byId.get(c.id);
      if (!obs) throw new Error(`no observation for ${c.id}`);
      disagreements.push(...compareWebKit(c, obs));
    }
    report(cases, observations, disagreements, [`WebKitGTK ${installedWebKit()} (${userAgent}); engine profile ${WEBKIT.version}`, `timings: ${timings.join(', ')}`]);
    expect(disagreements.slice(0, 10).map((d) => `${d.id} ${d.field} [${d.tags.join(' ')}]\n  engine:  ${JSON.stringify(d.engine)}\n  webkit:  ${JSON.stringify(d.browser)}`)).toEqual([]);
  });

  it('reuses a preflight exactly while the engine says its Max-Age holds (run again at once, and after 6 s)', () => {
    expect(cacheCases.length).toBeGreaterThan(100);
    const wrong: string[] = [];
    for (const run of cacheRuns) {
      const byId = new Map(run.seen.map((o) => [o.id, o]));
      for (const c of cacheCases) {
        const seen = byId.get(c.id)?.preflights.length;
        const engine = cachedPreflights(c, run.holds);
        if (seen !== engine) wrong.push(`${run.label}: ${c.id} [${c.tags.join(' ')}] engine ${engine} preflight(s), webkit ${seen} (engine max-age ${evaluateIn('webkit', c.scenario).preflightMaxAge})`);
      }
    }
    const reused = cacheRuns.map((r) => `${r.label}: ${r.seen.filter((o) => o.preflights.length === 0).length} of ${cacheCases.length} reused`);
    console.log(`[webkit] preflight cache: ${reused.join('; ')}`);
    expect(wrong.slice(0, 10)).toEqual([]);
  });
});

/** The suite's summary on the console (agreement per field, outcomes) and every disagreement in .cache/differential-webkit.json. */
function report(cases: GeneratedCase[], observations: WebKitObservation[], disagreements: WebKitDisagreement[], head: string[]): void {
  const byField = WEBKIT_FIELDS.map((f) => `${f} ${cases.length - disagreements.filter((d) => d.field === f).length}/${cases.length}`);
  const outcomes = new Map<string, number>();
  for (const o of observations) {
    const key = o.ok ? 'allowed' : (o.webkit.entries.find((e) => e.source === 'security')?.text.replace(/(https?:\/\/|data:)\S*/g, '<url>').replace(/\d+$/, 'N') ?? 'blocked');
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  }
  const agreeing = cases.length - new Set(disagreements.map((d) => d.id)).size;
  console.log(
    [
      `[webkit] ${head.join('\n  ')}`,
      `  ${cases.length} cases, ${agreeing} agree on every field (${((100 * agreeing) / cases.length).toFixed(2)}%).`,
      `  per field: ${byField.join(', ')}`,
      `  outcomes: ${[...outcomes].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join('; ')}`,
    ].join('\n'),
  );
  const dir = join(import.meta.dirname, '..', '..', '.cache');
  mkdirSync(dir, { recursive: true });
  const scenarios = new Map(cases.map((c) => [c.id, c.scenario]));
  const byId = new Map(observations.map((o) => [o.id, o]));
  writeFileSync(join(dir, 'differential-webkit.json'), JSON.stringify(disagreements.map((d) => ({ ...d, scenario: scenarios.get(d.id), observation: byId.get(d.id) })), null, 1));
}
