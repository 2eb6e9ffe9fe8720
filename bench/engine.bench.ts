/**
 * `npm run bench`: engine throughput, side by side in one run.
 *
 * Verdicts per second for a simple request, a preflighted request, and the
 * generated differential suite as a whole, for `evaluate` (both browsers) and
 * for one browser (`evaluateIn`). Ratios are against the simple request.
 */
import { Bench } from 'tinybench';
import type { Scenario } from '../src/engine/types.js';
import { generate } from '../test/generator.js';
import type * as Engine from '../src/engine/index.js';

// The built engine, as users run it (`npm run bench` builds first); typed from the source.
const builtEngine: string = '../dist/engine/index.js';
const { evaluate, evaluateIn } = (await import(builtEngine)) as typeof Engine;

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

const suite = generate(
  { pageOrigin: 'http://127.0.0.1:4001', targetOrigin: 'http://localhost:4002', otherOrigin: 'http://127.0.0.1:4003' },
  { count: 2400, seed: 20261127 },
).map((c) => c.scenario);

const bench = new Bench({ time: 1500, warmupTime: 300 });
bench
  .add('simple request: evaluate (both browsers)', () => {
    evaluate(simple);
  })
  .add('simple request: evaluateIn(chromium)', () => {
    evaluateIn('chromium', simple);
  })
  .add('preflighted request: evaluate (both browsers)', () => {
    evaluate(preflighted);
  })
  .add(`generated suite (${suite.length} cases): evaluate, whole suite per iteration`, () => {
    for (const s of suite) evaluate(s);
  });

await bench.run();

const rows = bench.tasks.map((task) => {
  const r = task.result;
  const perIteration = task.name.startsWith('generated') ? suite.length : 1;
  const hz = r && 'throughput' in r ? (r.throughput as { mean: number }).mean : 0;
  return { name: task.name, verdictsPerSecond: hz * perIteration };
});
const base = rows[0]?.verdictsPerSecond ?? 1;
console.log('\nEngine throughput (one core, this machine, noisy):');
for (const row of rows) {
  console.log(
    `  ${row.name.padEnd(72)} ${Math.round(row.verdictsPerSecond).toLocaleString('en-US').padStart(12)} verdicts/s   ${(row.verdictsPerSecond / base).toFixed(2)}x`,
  );
}
