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
 * (e.g. `hono,koa`) and CORSPROOF_INPROCESS_CASES (e.g. `1,2`) run only
 * those; CORSPROOF_INPROCESS_VERBOSE=1 prints
 * every round's figures.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { setImmediate as turnOfTheLoop } from 'node:timers/promises';
import { inject } from 'light-my-request';
import type { BuiltApp, Framework, Variant } from './middleware-apps.mjs';
import { FRAMEWORKS, ORIGIN, PEERS, app } from './middleware-apps.mjs';

/**
 * Each variant runs in a process of its own, as it would in production: the
 * framework's code then sees one middleware's objects, not four, and each
 * variant's garbage is collected on its own time. A young generation of
 * 1 MB spreads that collection (counted: it is part of what a variant costs)
 * over every turn, instead of a few scavenges of tens of milliseconds.
 * CORSPROOF_INPROCESS_NODE_FLAGS replaces these flags.
 */
const CHILD_FLAGS = (process.env.CORSPROOF_INPROCESS_NODE_FLAGS ?? '--max-semi-space-size=1').split(' ').filter(Boolean);

const SAMPLE_MS = Number(process.env.CORSPROOF_INPROCESS_MS ?? 150);
const ROUNDS = Number(process.env.CORSPROOF_INPROCESS_ROUNDS ?? 11);
/** Warm-up, per variant: this much CPU time before a framework's first request case, a third of it before each other one. */
const WARMUP_MS = Number(process.env.CORSPROOF_INPROCESS_WARMUP_MS ?? 2000);
const FLOOR_BAR = 0.95;
const PEER_BAR = 1.0;
const ONLY = process.env.CORSPROOF_INPROCESS_FRAMEWORKS?.split(',') ?? FRAMEWORKS;
/** CORSPROOF_INPROCESS_CASES: which requests (1 to 4, e.g. `1,2`), all by default. */
const ONLY_CASES = process.env.CORSPROOF_INPROCESS_CASES?.split(',').map(Number) ?? [1, 2, 3, 4];

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

/** Requests one batch is made of; a turn is TURN batches: the variants take turns every few milliseconds. */
const BATCH = 8;
const TURN = 1;

/**
 * The child: one framework with one variant. It answers `run` by sending
 * `batches` batches of one request case, one request after the other, and
 * replies with the requests sent and the CPU time this process has used in
 * all (so that whatever it does between its turns, a garbage collection
 * finishing, counts too).
 */
async function child(framework: Framework, variant: Variant): Promise<void> {
  const built = await app(framework, variant);
  const sends = CASES.map((c) => sender(built, c));
  process.on('message', (m: { run?: number; check?: number; batches: number }) => {
    void (async () => {
      if (m.check !== undefined) {
        const error = await check(framework, variant, CASES[m.check] as Case, sends[m.check] as Send).then(() => null, (e: unknown) => String(e));
        process.send?.({ error });
        return;
      }
      const send = sends[m.run as number] as Send;
      for (let b = 0; b < m.batches; b++) {
        for (let j = 0; j < BATCH; j++) await send();
        // Let the event loop run what the requests left for it (light-my-request's setImmediate): a loop
        // of promises alone would never get there, and every request would stay in memory.
        await turnOfTheLoop();
      }
      const { user, system } = process.cpuUsage();
      process.send?.({ requests: m.batches * BATCH, cpu: user + system });
    })();
  });
  process.send?.({ ready: true });
}

/** A variant's process, from the parent's side: one question at a time. */
class Runner {
  readonly #process: ChildProcess;
  #reply: ((m: Record<string, unknown>) => void) | null = null;
  /** The requests sent and the CPU time used, in all, at the last reply. */
  requests = 0;
  cpu = 0;

  constructor(
    readonly framework: Framework,
    readonly variant: Variant,
  ) {
    const args = [...CHILD_FLAGS, ...process.execArgv, process.argv[1] as string, '--child', framework, variant];
    this.#process = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#process.on('message', (m: Record<string, unknown>) => this.#reply?.(m));
    this.#process.on('exit', (code) => {
      if (code !== 0 && code !== null) throw new Error(`${framework}/${variant} exited with ${code}`);
    });
  }

  ask(question: Record<string, unknown> | null): Promise<Record<string, unknown>> {
    return new Promise((resolve) => {
      this.#reply = (m) => {
        if (typeof m.cpu === 'number') [this.cpu, this.requests] = [m.cpu, this.requests + (m.requests as number)];
        resolve(m);
      };
      if (question !== null) this.#process.send(question);
    });
  }

  stop(): void {
    this.#process.kill();
  }
}

/** Fisher-Yates, in place. */
function shuffle(order: number[]): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
}

/**
 * One round: the variants take turns, in an order shuffled at every turn,
 * until the first has used `ms` milliseconds of CPU time; gives the requests
 * per CPU-second of each. CPU time, not wall-clock time: the requests wait on
 * no I/O, so the time the machine gives to other processes is not counted;
 * and turns of a few milliseconds put whatever slows the machine down
 * (another benchmark on the other core) on every variant alike.
 */
async function round(runners: Runner[], c: number, ms: number): Promise<number[]> {
  const start = runners.map((r) => [r.requests, r.cpu] as const);
  const order = runners.map((_, k) => k);
  const first = runners[0] as Runner;
  while (first.cpu - (start[0]?.[1] as number) < ms * 1000) {
    shuffle(order);
    for (const k of order) await runners[k]?.ask({ run: c, batches: TURN });
  }
  return runners.map((r, k) => ((r.requests - (start[k]?.[0] as number)) * 1e6) / (r.cpu - (start[k]?.[1] as number)));
}

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
 * Check each variant's answer, warm up, then interleaved rounds. The ratios
 * are taken round by round (the variants of a round ran side by side, so
 * what slowed the machine down slowed them alike), then their median.
 */
async function measure(runners: Runner[], c: number, warmUp: number): Promise<Result> {
  for (const r of runners) {
    const { error } = await r.ask({ check: c });
    if (error !== null) throw new Error(error as string);
  }
  await round(runners, c, warmUp);
  const samples = runners.map((): number[] => []);
  for (let r = 0; r < ROUNDS; r++) (await round(runners, c, SAMPLE_MS)).forEach((rate, k) => samples[k]?.push(rate));
  if (process.env.CORSPROOF_INPROCESS_VERBOSE) runners.forEach((r, k) => console.error(r.variant.padEnd(10), samples[k]?.map((x) => Math.round(x)).join(' ')));
  const of = new Map(runners.map((r, k) => [r.variant, samples[k] as number[]]));
  const cp = of.get('corsproof') as number[];
  return {
    rates: new Map([...of].map(([v, xs]) => [v, median(xs)])),
    ratios: new Map([...of].map(([v, xs]) => [v, median(xs.map((x, r) => (cp[r] as number) / x))])),
  };
}

const fmt = (n: number | undefined): string => (n === undefined ? '-' : Math.round(n).toString());
const bar = (r: number | undefined, min: number): string => (r === undefined ? '-' : `${r.toFixed(3)}x ${r >= min ? 'PASS' : 'FAIL'}`);

async function main(): Promise<void> {
  const table = [
    '| framework | request | none | floor | peer | corsproof | corsproof/floor (≥0.95) | corsproof/peer (≥1.00) |',
    '| --- | --- | ---: | ---: | ---: | ---: | --- | --- |',
  ];
  let failures = 0;
  for (const framework of FRAMEWORKS.filter((f) => ONLY.includes(f))) {
    const variants: Variant[] = ['none', 'floor', ...(PEERS[framework] !== null ? (['peer'] as const) : []), 'corsproof'];
    const runners = variants.map((v) => new Runner(framework, v));
    await Promise.all(runners.map((r) => r.ask(null)));
    let warmUp = WARMUP_MS;
    for (const [i, c] of CASES.entries()) {
      if (!ONLY_CASES.includes(i + 1)) continue;
      const measured = variantsFor(framework, c);
      const { rates, ratios } = await measure(runners.filter((r) => measured.includes(r.variant)), i, warmUp);
      warmUp = WARMUP_MS / 3;
      const [none, floor, peer, cp] = (['none', 'floor', 'peer', 'corsproof'] as const).map((v) => fmt(rates.get(v)));
      const toFloor = ratios.get('floor');
      const toPeer = ratios.get('peer');
      if ((toFloor !== undefined && toFloor < FLOOR_BAR) || (toPeer !== undefined && toPeer < PEER_BAR)) failures++;
      console.log(
        `${framework.padEnd(8)} ${c.name.padEnd(43)} none ${none?.padStart(6)}  floor ${floor?.padStart(6)}  ${(PEERS[framework] ?? '-').padEnd(13)} ${peer?.padStart(6)}  corsproof ${cp?.padStart(6)} req/CPU-s   /floor ${bar(toFloor, FLOOR_BAR).padEnd(11)}  /peer ${bar(toPeer, PEER_BAR)}`,
      );
      table.push(`| ${framework} | ${c.name} | ${none} | ${floor} | ${peer} | ${cp} | ${bar(toFloor, FLOOR_BAR)} | ${bar(toPeer, PEER_BAR)} |`);
    }
    for (const r of runners) r.stop();
  }
  console.log(
    `\nIn process (no sockets), one process per variant: requests per CPU-second, one at a time, medians of ${ROUNDS} interleaved rounds of ${SAMPLE_MS} ms of CPU; ratios: medians of the ratios within each round.\n${table.join('\n')}`,
  );
  console.log(failures === 0 ? '\nEvery bar: PASS' : `\n${failures} case(s) below a bar: FAIL`);
}

if (process.argv[2] === '--child') await child(process.argv[3] as Framework, process.argv[4] as Variant);
else await main();
