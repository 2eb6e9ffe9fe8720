/**
 * `npm run bench` (third part): the middleware benchmark in process, without
 * sockets, so that what is measured is the framework and the middleware, not
 * the loopback. The same applications as the autocannon benchmark
 * (middleware-apps.mjs): each framework with no CORS middleware, the floor
 * (a hand-written middleware that only sets the allowed origin's headers:
 * measured on the allowed actual request), its usual peer and corsproof, for
 * the same four requests. Hono is driven through `app.fetch(new Request())`;
 * Express, Koa (`app.callback()`), Fastify (`app.routing`, what its own
 * server and `app.inject()` call) and node:http through light-my-request's
 * `inject`, one request after the other. Each variant is checked first to
 * answer as it must (the allowed origin's headers and Vary, or none).
 *
 * The variants of a request run side by side in rounds (see `round`), the
 * median of CORSPROOF_INPROCESS_ROUNDS rounds of CORSPROOF_INPROCESS_MS
 * milliseconds of CPU time is reported, and the ratios are the medians of
 * the ratios within each round. The bars: corsproof at least 0.95x the floor,
 * and at least the peer (1.00x) in every case. CORSPROOF_INPROCESS_FRAMEWORKS
 * (e.g. `hono,koa`) runs only those; CORSPROOF_INPROCESS_VERBOSE=1 prints
 * every round's figures.
 */
import { spawnSync } from 'node:child_process';
import { setImmediate as turnOfTheLoop } from 'node:timers/promises';
import { inject } from 'light-my-request';
import type { BuiltApp, Framework, Variant } from './middleware-apps.mjs';
import { FRAMEWORKS, ORIGIN, PEERS, app } from './middleware-apps.mjs';

/**
 * A young generation of 1 MB: the garbage collector's work (counted: it is
 * part of what each variant costs) then comes in many small pieces, spread
 * over every turn, instead of a few scavenges of tens of milliseconds that
 * land on whichever variant is running. Node is started again with it.
 */
const SEMI_SPACE = '--max-semi-space-size=1';
if (!process.execArgv.includes(SEMI_SPACE)) {
  const child = spawnSync(process.execPath, [SEMI_SPACE, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}

const SAMPLE_MS = Number(process.env.CORSPROOF_INPROCESS_MS ?? 150);
const ROUNDS = Number(process.env.CORSPROOF_INPROCESS_ROUNDS ?? 11);
const WARMUP_MS = Number(process.env.CORSPROOF_INPROCESS_WARMUP_MS ?? 500);
const FLOOR_BAR = 0.95;
const PEER_BAR = 1.0;
const ONLY = process.env.CORSPROOF_INPROCESS_FRAMEWORKS?.split(',') ?? FRAMEWORKS;

interface Case {
  name: string;
  method: 'GET' | 'OPTIONS';
  headers: Record<string, string>;
  /** What the variants that answer CORS must send back, checked once before measuring. */
  allowed: boolean;
}

const CASES: Case[] = [
  { name: 'allowed actual request', method: 'GET', headers: { origin: ORIGIN }, allowed: true },
  {
    name: 'allowed preflight',
    method: 'OPTIONS',
    headers: { origin: ORIGIN, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type,x-api-key' },
    allowed: true,
  },
  { name: 'refused preflight', method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'PUT' }, allowed: false },
  {
    name: 'adversarial Access-Control-Request-Headers',
    method: 'OPTIONS',
    headers: { origin: ORIGIN, 'access-control-request-method': 'PUT', 'access-control-request-headers': `${' ,'.repeat(3000)}x-api-key` },
    allowed: false,
  },
];
const URL_PATH = '/items/1';

interface Answer {
  status: number;
  header(name: string): string | undefined;
}

/** One request through an application, without a socket. */
type Send = () => Promise<Answer>;

function sender(built: BuiltApp, c: Case): Send {
  if (built.fetch !== undefined) {
    const fetch = built.fetch;
    // A new Request each time, as a server builds one; the body is the client's to read, not measured.
    return async () => {
      const response = await fetch(new Request(`http://localhost${URL_PATH}`, { method: c.method, headers: c.headers }));
      return { status: response.status, header: (name) => response.headers.get(name) ?? undefined };
    };
  }
  const listener = built.listener;
  const options = { method: c.method, url: URL_PATH, headers: { host: 'localhost', ...c.headers } };
  return async () => {
    const response = await inject(listener, options);
    return { status: response.statusCode, header: (name) => response.headers[name]?.toString() };
  };
}

/** Refuse to measure a variant that does not answer the way it must (a benchmark of the wrong thing). */
async function check(framework: string, variant: Variant, c: Case, send: Send): Promise<void> {
  const answer = await send();
  const allowOrigin = answer.header('access-control-allow-origin');
  const where = `${framework}/${variant}, ${c.name}`;
  if (answer.status >= 500) throw new Error(`${where}: status ${answer.status}`);
  if (variant === 'none' || (variant === 'peer' && !c.allowed)) return; // the peers differ on what they refuse
  if (c.allowed && allowOrigin !== ORIGIN) throw new Error(`${where}: Access-Control-Allow-Origin is ${allowOrigin}`);
  if (!c.allowed && allowOrigin !== undefined) throw new Error(`${where}: allowed (Access-Control-Allow-Origin ${allowOrigin})`);
  if (c.allowed && !/\borigin\b/i.test(answer.header('vary') ?? '')) throw new Error(`${where}: no Vary: Origin`);
}

/** The CPU time this process has used, in microseconds. */
function cpu(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** Requests one batch is made of: short enough that the variants take turns every few milliseconds. */
const BATCH = 8;

/**
 * One round: the variants take turns, a batch of requests each, in an order
 * shuffled at every turn, until the first has had `ms` milliseconds of CPU
 * time; gives the requests per CPU-second of each. CPU time, not
 * wall-clock time: everything runs in this process without waiting on I/O,
 * so the time the machine gives to other processes is not counted. Turns of
 * a millisecond or so put whatever slows the machine down (another
 * benchmark on the other core) on every variant alike; the shuffle keeps
 * the garbage collector, which runs every few batches, from falling in step
 * with one variant.
 */
async function round(sends: Array<[Variant, Send]>, ms: number): Promise<number[]> {
  const costs = sends.map((): number[] => []);
  const order = sends.map((_, k) => k);
  let first = 0;
  while (first < ms * 1000) {
    shuffle(order);
    for (const k of order) {
      const send = (sends[k] as [Variant, Send])[1];
      const start = cpu();
      for (let j = 0; j < BATCH; j++) await send();
      // Let the event loop run what the requests left for it (light-my-request's setImmediate): a loop
      // of promises alone would never get there, and every request would stay in memory.
      await turnOfTheLoop();
      const cost = cpu() - start;
      costs[k]?.push(cost);
      if (k === 0) first += cost;
    }
  }
  return costs.map((c) => rate(c));
}

/** Fisher-Yates, in place. */
function shuffle(order: number[]): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
}

/** Requests per CPU-second, from the CPU time of each batch. */
const rate = (costs: number[]): number => (costs.length * BATCH * 1e6) / costs.reduce((a, b) => a + b, 0);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** The variants measured for a request: the floor only for the allowed actual request, the peer where there is one. */
function variantsFor(framework: Framework, c: Case): Variant[] {
  const floor: Variant[] = c === CASES[0] ? ['floor'] : [];
  const peer: Variant[] = PEERS[framework] !== null ? ['peer'] : [];
  return ['none', ...floor, ...peer, 'corsproof'];
}

interface Result {
  /** The median requests per CPU-second of each variant. */
  rates: Map<Variant, number>;
  /** The median, over the rounds, of corsproof's rate over the variant's in the same round. */
  ratios: Map<Variant, number>;
}

/**
 * Interleaved rounds after a warm-up. The ratios are taken round by round
 * (the variants of a round ran side by side, so what slowed the machine
 * down slowed them alike), then their median.
 */
async function rounds(sends: Map<Variant, Send>): Promise<Result> {
  const entries = [...sends];
  await round(entries, WARMUP_MS);
  const samples = entries.map((): number[] => []);
  for (let r = 0; r < ROUNDS; r++) (await round(entries, SAMPLE_MS)).forEach((rate, k) => samples[k]?.push(rate));
  if (process.env.CORSPROOF_INPROCESS_VERBOSE) entries.forEach(([v], k) => console.error(v.padEnd(10), samples[k]?.map((x) => Math.round(x)).join(' ')));
  const of = new Map(entries.map(([v], k) => [v, samples[k] as number[]]));
  const cp = of.get('corsproof') as number[];
  return {
    rates: new Map([...of].map(([v, xs]) => [v, median(xs)])),
    ratios: new Map([...of].map(([v, xs]) => [v, median(xs.map((x, r) => (cp[r] as number) / x))])),
  };
}

const fmt = (n: number | undefined): string => (n === undefined ? '-' : Math.round(n).toString());
const bar = (r: number | undefined, min: number): string => (r === undefined ? '-' : `${r.toFixed(3)}x ${r >= min ? 'PASS' : 'FAIL'}`);

const table = [
  '| framework | request | none | floor | peer | corsproof | corsproof/floor (≥0.95) | corsproof/peer (≥1.00) |',
  '| --- | --- | ---: | ---: | ---: | ---: | --- | --- |',
];
let failures = 0;
for (const framework of FRAMEWORKS.filter((f) => ONLY.includes(f))) {
  const variants: Variant[] = ['none', 'floor', ...(PEERS[framework] !== null ? (['peer'] as const) : []), 'corsproof'];
  const apps = new Map<Variant, BuiltApp>();
  for (const v of variants) apps.set(v, await app(framework, v));
  for (const c of CASES) {
    const sends = new Map<Variant, Send>();
    for (const v of variantsFor(framework, c)) {
      const send = sender(apps.get(v) as BuiltApp, c);
      await check(framework, v, c, send);
      sends.set(v, send);
    }
    const { rates, ratios } = await rounds(sends);
    const [none, floor, peer, cp] = (['none', 'floor', 'peer', 'corsproof'] as const).map((v) => fmt(rates.get(v)));
    const toFloor = ratios.get('floor');
    const toPeer = ratios.get('peer');
    if ((toFloor !== undefined && toFloor < FLOOR_BAR) || (toPeer !== undefined && toPeer < PEER_BAR)) failures++;
    console.log(
      `${framework.padEnd(8)} ${c.name.padEnd(43)} none ${none?.padStart(6)}  floor ${floor?.padStart(6)}  ${(PEERS[framework] ?? '-').padEnd(13)} ${peer?.padStart(6)}  corsproof ${cp?.padStart(6)} req/CPU-s   /floor ${bar(toFloor, FLOOR_BAR).padEnd(10)}  /peer ${bar(toPeer, PEER_BAR)}`,
    );
    table.push(`| ${framework} | ${c.name} | ${none} | ${floor} | ${peer} | ${cp} | ${bar(toFloor, FLOOR_BAR)} | ${bar(toPeer, PEER_BAR)} |`);
  }
}
console.log(
  `\nIn process (no sockets): requests per CPU-second, one at a time, medians of ${ROUNDS} interleaved rounds of ${SAMPLE_MS} ms of CPU per variant; ratios: medians of the ratios within each round.\n${table.join('\n')}`,
);
console.log(failures === 0 ? '\nEvery bar: PASS' : `\n${failures} case(s) below a bar: FAIL`);
