/**
 * `npm run bench` (last part): what one corsproof/testing assertion costs,
 * in-process, so that a thousand CORS cases run in seconds. Median wall time
 * of one `toPass()` on a credentialed PUT with a JSON body (a preflight and
 * the request: two exchanges), against a Web fetch handler (no socket) and a
 * Node listener (an Express app, served on an ephemeral loopback port), side
 * by side in interleaved rounds. Bars: under 1 ms for the fetch handler,
 * under 3 ms for the Node listener.
 */
import express from 'express';
import type * as Testing from '../src/testing/index.js';
import type * as Fetch from '../src/adapters/fetch.js';
import type * as Express from '../src/adapters/express.js';

// The built package, as users run it (`npm run bench` builds first); typed from the source.
const built = (path: string): Promise<unknown> => import(path);
const { expectCors } = (await built('../dist/testing/index.js')) as typeof Testing;
const { withCors } = (await built('../dist/adapters/fetch.js')) as typeof Fetch;
const cors = ((await built('../dist/adapters/express.js')) as typeof Express).default;

const APP = 'https://app.example.com';
const policy = { origin: [APP], credentials: true, maxAge: 600 };
const handler = withCors(policy, () => new Response('{"ok":true}', { headers: { 'Content-Type': 'application/json' } }));
const app = express()
  .use(cors(policy))
  .put('/items/7', (_req, res) => void res.json({ ok: true }));

const targets: Record<string, Testing.CorsExpectation> = { 'fetch handler': expectCors.fetch(handler), 'Node listener (Express)': expectCors(app) };
const BARS: Record<string, number> = { 'fetch handler': 1, 'Node listener (Express)': 3 };
const init = { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{"done":true}', credentials: 'include' as const };

async function once(target: Testing.CorsExpectation): Promise<number> {
  const start = process.hrtime.bigint();
  await target.from(APP).fetch('/items/7', init).toPass();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const ROUNDS = Number(process.env.CORSPROOF_BENCH_ROUNDS ?? 9);
const PER_ROUND = 60;
const samples: Record<string, number[]> = Object.fromEntries(Object.keys(targets).map((k) => [k, []]));
for (const [, target] of Object.entries(targets)) for (let i = 0; i < 30; i++) await once(target); // warm-up
for (let round = 0; round < ROUNDS; round++) {
  const names = Object.keys(targets);
  if (round % 2 === 1) names.reverse();
  for (const name of names) for (let i = 0; i < PER_ROUND; i++) samples[name]!.push(await once(targets[name]!));
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
console.log('\ncorsproof/testing: one in-process toPass() on a preflighted credentialed PUT (median wall time):');
const table = ['| target | median ms | bar | |', '| --- | --- | --- | --- |'];
for (const name of Object.keys(targets)) {
  const m = median(samples[name]!);
  const ok = m < (BARS[name] as number);
  console.log(`  ${name.padEnd(26)} ${m.toFixed(3).padStart(7)} ms   bar < ${BARS[name]} ms   ${ok ? 'PASS' : 'FAIL'}`);
  table.push(`| ${name} | ${m.toFixed(3)} | < ${BARS[name]} ms | ${ok ? 'PASS' : 'FAIL'} |`);
}
console.log(`\n${table.join('\n')}`);
