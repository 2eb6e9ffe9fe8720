/**
 * `npm run bench` (first part): engine throughput, in verdicts per second.
 *
 * Five cases: a simple request and a preflighted request through `evaluate`
 * (Chromium, Firefox and WebKit), the simple request through `evaluateIn('chromium')` (for
 * information), the preflighted request with distinct header values each
 * call (for information: see below), and the generated differential suite
 * (2400 scenarios, evaluated one after another).
 *
 * The engine keeps bounded caches of pure parsing steps keyed by the strings
 * they parse (URLs, request-header lines, response-header names, Allow and
 * Expose lists). The simple and preflighted cases evaluate one scenario over
 * and over, so every cache hits every time; the "distinct header values"
 * case evaluates a pool of 10,000 preflighted scenarios, each with its own
 * request-header name (`X-Request-Id-<n>`) listed in its own
 * Access-Control-Allow-Headers value, so the request-header and Allow-list
 * caches miss on every call (the URLs and the response still repeat). Its
 * ratio to the simple request shows what those caches buy; it has no bar. This 2-core machine is noisy (other processes
 * take turns on its cores), so the cases take turns too: after a warm-up,
 * each round runs every case for a short fixed time (the order rotating from
 * round to round), and the median of the rounds is reported per case. Rates
 * are verdicts per second of this process's CPU time (what the engine costs,
 * whatever else runs; the engine is synchronous, so on an idle machine this
 * is wall time), with wall-clock rates beside them. The bars are checked in
 * this one run: the simple request's median at 1,000,000 verdicts/s or more;
 * the preflighted request and the suite against the simple request of the
 * same round (median of the per-round ratios) at 0.5 and 0.4 or more.
 * `CORSPROOF_BENCH_ROUNDS` and `CORSPROOF_BENCH_SLICE_MS` change the length.
 */
import type { Scenario } from '../src/engine/types.js';
import { generate } from '../test/generator.js';
import type * as Engine from '../src/engine/index.js';

// The built engine, as users run it (`npm run bench` builds first); typed from the source.
// CORSPROOF_BENCH_ENGINE names another build (a file URL or path), to compare two versions.
const builtEngine: string = process.env.CORSPROOF_BENCH_ENGINE ?? '../dist/engine/index.js';
const { evaluate, evaluateIn } = (await import(builtEngine)) as typeof Engine;

const ROUNDS = Number(process.env.CORSPROOF_BENCH_ROUNDS ?? 9);
const SLICE_MS = Number(process.env.CORSPROOF_BENCH_SLICE_MS ?? 250);

const simple: Scenario = {
  request: { url: 'https://api.example.com/v1/items', origin: 'https://app.example.com', method: 'GET', headers: [], credentials: 'same-origin' },
  preflight: null,
  response: { status: 200, headers: [['Access-Control-Allow-Origin', 'https://app.example.com'], ['Content-Type', 'application/json']] },
};

const preflighted: Scenario = {
  request: {
    url: 'https://api.example.com/v1/items/7',
    origin: 'https://app.example.com',
    method: 'PUT',
    headers: [['Content-Type', 'application/json'], ['Authorization', 'Bearer abc']],
    credentials: 'include',
  },
  preflight: {
    status: 204,
    headers: [
      ['Access-Control-Allow-Origin', 'https://app.example.com'],
      ['Access-Control-Allow-Credentials', 'true'],
      ['Access-Control-Allow-Methods', 'GET, PUT, DELETE'],
      ['Access-Control-Allow-Headers', 'Content-Type, Authorization'],
      ['Access-Control-Max-Age', '600'],
    ],
  },
  response: {
    status: 200,
    headers: [
      ['Access-Control-Allow-Origin', 'https://app.example.com'],
      ['Access-Control-Allow-Credentials', 'true'],
      ['Content-Type', 'application/json'],
    ],
  },
};

/** The preflighted request, 10,000 times, each with a request-header name of its own, allowed by name. */
const distinctPreflighted: Scenario[] = Array.from({ length: 10_000 }, (_, n) => ({
  request: { ...preflighted.request, headers: [...preflighted.request.headers, [`X-Request-Id-${n}`, `${n}`]] },
  preflight: {
    status: 204,
    headers: (preflighted.preflight as NonNullable<Scenario['preflight']>).headers.map(([name, value]): [string, string] =>
      name === 'Access-Control-Allow-Headers' ? [name, `${value}, X-Request-Id-${n}`] : [name, value],
    ),
  },
  response: preflighted.response,
}));
let nextDistinct = 0;

const suite = generate(
  { pageOrigin: 'http://127.0.0.1:4001', targetOrigin: 'http://localhost:4002', otherOrigin: 'http://127.0.0.1:4003' },
  { count: 2400, seed: 20261127 },
).map((c) => c.scenario);

/** A case: `run` evaluates some scenarios and returns how many verdicts it reached. */
interface Case {
  name: string;
  run: () => number;
}

/** Read by nothing but the last line: keeps the verdicts observable so that no work is optimized away. */
let sink = 0;

const CASES: Case[] = [
  { name: 'simple request: evaluate (three browsers)', run: () => repeat(simple, 1000) },
  { name: 'simple request: evaluateIn(chromium)', run: () => repeatIn(simple, 1000) },
  { name: 'preflighted request: evaluate (three browsers)', run: () => repeat(preflighted, 1000) },
  {
    name: 'preflighted request, distinct header values each call',
    run: () => {
      for (let i = 0; i < 1000; i++) {
        sink += evaluate(distinctPreflighted[nextDistinct] as Scenario).ok ? 1 : 0;
        nextDistinct = (nextDistinct + 1) % distinctPreflighted.length;
      }
      return 1000;
    },
  },
  {
    name: `generated suite (${suite.length} scenarios): evaluate each`,
    run: () => {
      for (const s of suite) sink += evaluate(s).ok ? 1 : 0;
      return suite.length;
    },
  },
];

function repeat(scenario: Scenario, times: number): number {
  for (let i = 0; i < times; i++) sink += evaluate(scenario).ok ? 1 : 0;
  return times;
}

function repeatIn(scenario: Scenario, times: number): number {
  for (let i = 0; i < times; i++) sink += evaluateIn('chromium', scenario).ok ? 1 : 0;
  return times;
}

/** A case's rates over one slice: verdicts per second of CPU time and of wall-clock time. */
interface Rate {
  cpu: number;
  wall: number;
}

/** Run a case for about `ms` milliseconds of wall-clock time. */
function measure(c: Case, ms: number): Rate {
  const budget = BigInt(ms) * 1_000_000n;
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  let verdicts = 0;
  let elapsed = 0n;
  do {
    verdicts += c.run();
    elapsed = process.hrtime.bigint() - start;
  } while (elapsed < budget);
  const cpu = process.cpuUsage(cpuStart);
  return { cpu: (verdicts * 1e6) / (cpu.user + cpu.system), wall: (verdicts * 1e9) / Number(elapsed) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

// Warm-up: every case, long enough for the optimizing compiler.
for (const c of CASES) measure(c, 400);

const samples: Rate[][] = CASES.map(() => []);
for (let round = 0; round < ROUNDS; round++) {
  for (let k = 0; k < CASES.length; k++) {
    const i = (round + k) % CASES.length; // rotate the order so that no case always runs first
    samples[i]!.push(measure(CASES[i]!, SLICE_MS));
  }
}

const cpuRates = samples.map((rounds) => median(rounds.map((r) => r.cpu)));
const wallRates = samples.map((rounds) => median(rounds.map((r) => r.wall)));
/** The median over the rounds of case `i`'s rate divided by the simple request's in the same round. */
const ratioToSimple = (i: number): number => median(samples[i]!.map((r, round) => r.cpu / samples[0]![round]!.cpu));
const simpleRate = cpuRates[0] as number;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const spread = (values: number[]): string => `${fmt(Math.min(...values))}-${fmt(Math.max(...values))}`;

console.log(`\nEngine throughput: medians of ${ROUNDS} interleaved rounds of ${SLICE_MS} ms per case, verdicts per second of CPU time (wall clock beside; one core, this machine, noisy):`);
CASES.forEach((c, i) => {
  const rounds = samples[i]!.map((r) => r.cpu);
  console.log(
    `  ${c.name.padEnd(56)} ${fmt(cpuRates[i]!).padStart(11)} verdicts/s   ${ratioToSimple(i).toFixed(2)}x   (rounds: ${spread(rounds)}; wall ${fmt(wallRates[i]!)})`,
  );
});

const PREFLIGHTED = 2;
const SUITE = CASES.length - 1;
const bars = [
  { bar: 'simple request >= 1,000,000 verdicts/s', value: fmt(simpleRate), pass: simpleRate >= 1_000_000 },
  { bar: 'preflighted / simple >= 0.5', value: ratioToSimple(PREFLIGHTED).toFixed(2), pass: ratioToSimple(PREFLIGHTED) >= 0.5 },
  { bar: 'suite / simple >= 0.4', value: ratioToSimple(SUITE).toFixed(2), pass: ratioToSimple(SUITE) >= 0.4 },
];
console.log('\nBars:');
for (const b of bars) console.log(`  ${b.pass ? 'PASS' : 'FAIL'}  ${b.bar.padEnd(40)} ${b.value}`);

const table = [
  '| case | verdicts/s (CPU time) | verdicts/s (wall clock) | / simple |',
  '| --- | ---: | ---: | ---: |',
  ...CASES.map((c, i) => `| ${c.name} | ${fmt(cpuRates[i]!)} | ${fmt(wallRates[i]!)} | ${ratioToSimple(i).toFixed(2)} |`),
  '',
  '| bar | measured | |',
  '| --- | ---: | --- |',
  ...bars.map((b) => `| ${b.bar} | ${b.value} | ${b.pass ? 'PASS' : 'FAIL'} |`),
];
console.log(`\nMedians of ${ROUNDS} interleaved rounds of ${SLICE_MS} ms per case (built engine, Node ${process.version}; ratios: medians of per-round ratios):\n${table.join('\n')}`);
if (sink < 0) console.log(sink);
