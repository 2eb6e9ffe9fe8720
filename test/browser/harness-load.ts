/**
 * Load check of the harness: runs a batch of synthetic cases (simple
 * variations) in each browser, reports throughput, and checks that every case
 * settled with its attributions.
 *
 *   npx tsx test/browser/harness-load.ts [count=300] [concurrency=16] [chromium|firefox ...] [--parallel]
 */
import type { HeaderList, Scenario, ScenarioRequest } from '../../src/engine/types.js';
import { runCases, startWorld } from './harness.js';
import type { BrowserKind, Observation, World } from './harness.js';

interface Variant {
  name: string;
  /** What a browser should conclude; null when it is not the point. */
  expectOk: boolean | null;
  /** Whether a failure is a CORS failure (so Chromium reports an issue). */
  cors: boolean;
  /** Firefox passes it with a "Cross-Origin Request Warning". */
  firefoxWarns?: boolean;
  make(w: World, id: string): Scenario;
}

const CL = (n: number): [string, string] => ['Content-Length', String(n)];

function req(w: World, id: string, extra: Partial<ScenarioRequest> = {}): ScenarioRequest {
  return {
    url: `${w.targetOrigin}/c/${id}/0`,
    origin: w.pageOrigin,
    method: 'GET',
    headers: [],
    credentials: 'same-origin',
    initiator: 'fetch',
    ...extra,
  };
}

const allow = (w: World, more: HeaderList = []): HeaderList => [['Access-Control-Allow-Origin', w.pageOrigin], ...more, CL(2)];

const VARIANTS: Variant[] = [
  { name: 'get-ok', expectOk: true, cors: true, make: (w, id) => ({ request: req(w, id), preflight: null, response: { status: 200, headers: allow(w) } }) },
  { name: 'get-no-acao', expectOk: false, cors: true, make: (w, id) => ({ request: req(w, id), preflight: null, response: { status: 200, headers: [CL(2)] } }) },
  {
    name: 'cred-wildcard',
    expectOk: false,
    cors: true,
    make: (w, id) => ({ request: req(w, id, { credentials: 'include' }), preflight: null, response: { status: 200, headers: [['Access-Control-Allow-Origin', '*'], CL(2)] } }),
  },
  {
    name: 'put-preflight-ok',
    expectOk: true,
    cors: true,
    make: (w, id) => ({
      request: req(w, id, { method: 'PUT' }),
      preflight: { status: 204, headers: [['Access-Control-Allow-Origin', w.pageOrigin], ['Access-Control-Allow-Methods', 'PUT'], CL(0)] },
      response: { status: 200, headers: allow(w) },
    }),
  },
  {
    name: 'put-preflight-no-acam',
    expectOk: false,
    cors: true,
    make: (w, id) => ({
      request: req(w, id, { method: 'PUT' }),
      preflight: { status: 204, headers: [['Access-Control-Allow-Origin', w.pageOrigin], CL(0)] },
      response: { status: 200, headers: allow(w) },
    }),
  },
  {
    name: 'custom-header-ok',
    expectOk: true,
    cors: true,
    make: (w, id) => ({
      request: req(w, id, { headers: [['X-A', '1']] }),
      preflight: { status: 200, headers: [['Access-Control-Allow-Origin', w.pageOrigin], ['Access-Control-Allow-Headers', 'x-a'], CL(0)] },
      response: { status: 200, headers: allow(w) },
    }),
  },
  {
    name: 'redirect-cross-origin',
    expectOk: true,
    cors: true,
    make: (w, id) => ({
      request: req(w, id),
      preflight: null,
      redirects: [{ status: 302, headers: [['Location', `${w.otherOrigin}/c/${id}/1`], ['Access-Control-Allow-Origin', w.pageOrigin], CL(0)] }],
      response: { status: 200, headers: [['Access-Control-Allow-Origin', '*'], CL(2)] },
    }),
  },
  {
    name: 'redirect-no-acao',
    expectOk: false,
    cors: true,
    make: (w, id) => ({
      request: req(w, id),
      preflight: null,
      redirects: [{ status: 307, headers: [['Location', `${w.otherOrigin}/c/${id}/1`], CL(0)] }],
      response: { status: 200, headers: [['Access-Control-Allow-Origin', '*'], CL(2)] },
    }),
  },
  { name: 'xhr-ok', expectOk: true, cors: true, make: (w, id) => ({ request: req(w, id, { initiator: 'xhr' }), preflight: null, response: { status: 200, headers: allow(w) } }) },
  { name: 'xhr-no-acao', expectOk: false, cors: true, make: (w, id) => ({ request: req(w, id, { initiator: 'xhr' }), preflight: null, response: { status: 200, headers: [CL(2)] } }) },
  {
    name: 'es-ok',
    expectOk: true,
    cors: true,
    make: (w, id) => ({
      request: req(w, id, { initiator: 'eventsource' }),
      preflight: null,
      response: { status: 200, headers: [['Content-Type', 'text/event-stream'], ['Access-Control-Allow-Origin', w.pageOrigin], CL(9)] },
    }),
  },
  {
    name: 'es-no-acao',
    expectOk: false,
    cors: true,
    make: (w, id) => ({ request: req(w, id, { initiator: 'eventsource' }), preflight: null, response: { status: 200, headers: [['Content-Type', 'text/event-stream'], CL(9)] } }),
  },
  {
    name: 'patch-lowercase',
    expectOk: true,
    cors: true,
    make: (w, id) => ({
      request: req(w, id, { method: 'patch' }),
      preflight: { status: 200, headers: [['Access-Control-Allow-Origin', w.pageOrigin], ['Access-Control-Allow-Methods', 'patch'], CL(0)] },
      response: { status: 200, headers: allow(w) },
    }),
  },
  { name: 'head-ok', expectOk: true, cors: true, make: (w, id) => ({ request: req(w, id, { method: 'HEAD' }), preflight: null, response: { status: 200, headers: allow(w) } }) },
  {
    name: 'auth-wildcard',
    expectOk: null,
    cors: true,
    firefoxWarns: true,
    make: (w, id) => ({
      request: req(w, id, { headers: [['Authorization', 'Bearer x']] }),
      preflight: { status: 200, headers: [['Access-Control-Allow-Origin', w.pageOrigin], ['Access-Control-Allow-Headers', '*'], CL(0)] },
      response: { status: 200, headers: allow(w) },
    }),
  },
  {
    name: 'redirect-preflight',
    expectOk: null,
    cors: true,
    make: (w, id) => ({
      request: req(w, id, { method: 'PUT' }),
      preflight: { status: 204, headers: [['Access-Control-Allow-Origin', '*'], ['Access-Control-Allow-Methods', 'PUT'], CL(0)] },
      redirects: [{ status: 307, headers: [['Location', `${w.otherOrigin}/c/${id}/1`], ['Access-Control-Allow-Origin', '*'], CL(0)] }],
      response: { status: 200, headers: [['Access-Control-Allow-Origin', '*'], CL(2)] },
    }),
  },
  {
    name: 'status-204',
    expectOk: true,
    cors: true,
    make: (w, id) => ({ request: req(w, id, { method: 'POST' }), preflight: null, response: { status: 204, headers: [['Access-Control-Allow-Origin', w.pageOrigin], CL(0)] } }),
  },
];

function check(browser: BrowserKind, v: Variant, o: Observation): string | null {
  if (o.error !== undefined) return `error: ${o.error}`;
  if (v.expectOk !== null && o.ok !== v.expectOk) return `ok=${o.ok}, expected ${v.expectOk}`;
  if (o.requests.length + o.preflights.length === 0) return 'the servers saw nothing';
  if (!o.ok && v.cors) {
    if (browser === 'chromium') {
      if (!o.chromium?.corsError) return 'failed without a Chromium corsError';
      if (!o.chromium.messages.some((m) => m.includes('CORS policy'))) return 'failed without a Chromium CORS message';
    } else if (!o.firefox?.messages.length) return 'failed without a Firefox message';
  }
  if (o.ok && browser === 'chromium' && o.chromium?.corsError) return `passed with a corsError ${o.chromium.corsError}`;
  if (o.ok && browser === 'firefox' && v.firefoxWarns && !o.firefox?.messages[0]?.startsWith('Cross-Origin Request Warning')) {
    return 'passed without the expected Firefox warning';
  }
  return null;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const parallel = args.includes('--parallel');
  const positional = args.filter((a) => !a.startsWith('--'));
  const count = Number(positional[0] ?? 300);
  const concurrency = Number(positional[1] ?? 16);
  const chosen = positional.slice(2).filter((a): a is BrowserKind => a === 'chromium' || a === 'firefox');
  const browsers: BrowserKind[] = chosen.length > 0 ? chosen : ['chromium', 'firefox'];
  const world = await startWorld();
  let problems = 0;
  const variants: Variant[] = [];
  const cases = Array.from({ length: count }, (_, i) => {
    const v = VARIANTS[i % VARIANTS.length] as Variant;
    variants.push(v);
    const id = `L${i}-${v.name}`;
    return { id, scenario: v.make(world, id) };
  });
  const runOne = async (browser: BrowserKind): Promise<void> => {
    const t0 = performance.now();
    let phases = '';
    const observations = await runCases(browser, world, cases, {
      concurrency,
      onTimings: (t) => {
        phases = `launch ${t.launch} ms, cases ${t.run} ms (${((count / t.run) * 1000).toFixed(0)} cases/s), settle ${t.settle} ms, close ${t.close} ms`;
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    let failed = 0;
    for (const [i, o] of observations.entries()) {
      const v = variants[i] as Variant;
      if (!o.ok) failed++;
      const problem = check(browser, v, o);
      if (problem !== null) {
        problems++;
        console.log(`${browser} ${o.id}: ${problem}\n  ${JSON.stringify(o)}`);
      }
    }
    console.log(
      `${browser}: ${count} cases (${failed} blocked) in ${seconds.toFixed(2)} s including launch = ${(count / seconds).toFixed(1)} cases/s, concurrency ${concurrency}\n  ${phases}`,
    );
    // One example observation of each variant, for reading.
    if (process.env.LOAD_VERBOSE) {
      for (const [i, o] of observations.entries()) if (i < VARIANTS.length) console.log(JSON.stringify(o));
    }
  };
  try {
    const t0 = performance.now();
    if (parallel) await Promise.all(browsers.map((b) => runOne(b)));
    else for (const b of browsers) await runOne(b);
    const seconds = (performance.now() - t0) / 1000;
    console.log(`total: ${count * browsers.length} browser-cases in ${seconds.toFixed(2)} s${parallel ? ' (browsers in parallel)' : ''}`);
  } finally {
    await world.close();
  }
  if (problems > 0) {
    console.log(`${problems} problem(s)`);
    process.exitCode = 1;
  }
}

await main();
