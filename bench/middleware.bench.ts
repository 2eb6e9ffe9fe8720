/**
 * `npm run bench` (second part): requests per second through each framework
 * (Express, Fastify, Koa, Hono, node:http) with no CORS middleware, with the
 * floor (a hand-written middleware that only sets the allowed origin's
 * headers: measured on the allowed actual request), with its usual peer
 * (cors, @fastify/cors, @koa/cors, hono/cors) and with corsproof, side by
 * side in one run, for an
 * allowed actual request, an allowed preflight, a refused preflight and an
 * adversarial Access-Control-Request-Headers. Each server runs in its own
 * process; autocannon loads it over loopback. Every server is warmed up
 * first; then the three variants take turns, round after round, and the
 * median of the rounds is reported, since this 2-core machine is noisy.
 * Ratios are to the peer and to no middleware.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import autocannon from 'autocannon';

const root = join(import.meta.dirname, '..');
const DURATION = Number(process.env.CORSPROOF_BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.CORSPROOF_BENCH_ROUNDS ?? 3);
const FRAMEWORKS = ['express', 'fastify', 'koa', 'hono', 'node'] as const;
const PEERS: Record<string, string | null> = { express: 'cors', fastify: '@fastify/cors', koa: '@koa/cors', hono: 'hono/cors', node: null };
/** The variants of a framework: no middleware, the floor (allowed actual request only), its peer if it has one, corsproof. */
const variantsOf = (framework: string): string[] => ['none', 'floor', ...(PEERS[framework] ? ['peer'] : []), 'corsproof'];
const ORIGIN = 'https://app.example';

const REQUESTS: Array<{ name: string; method: string; headers: Record<string, string> }> = [
  { name: 'allowed actual request', method: 'GET', headers: { Origin: ORIGIN } },
  { name: 'allowed preflight', method: 'OPTIONS', headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'content-type,x-api-key' } },
  { name: 'refused preflight', method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'PUT' } },
  {
    name: 'adversarial Access-Control-Request-Headers',
    method: 'OPTIONS',
    headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': `${' ,'.repeat(3000)}x-api-key` },
  },
];

function start(framework: string, variant: string): Promise<{ port: number; stop: () => void }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bench', 'middleware-server.mjs'), framework, variant], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.on('data', (d: Buffer) => {
      const m = /PORT=(\d+)/.exec(d.toString());
      if (m) resolve({ port: Number(m[1]), stop: () => child.kill() });
    });
    child.on('exit', (code) => reject(new Error(`${framework}/${variant} exited with ${code}`)));
  });
}

async function measure(port: number, r: (typeof REQUESTS)[number], duration = DURATION): Promise<number> {
  const result = await autocannon({ url: `http://127.0.0.1:${port}/items/1`, method: r.method as 'GET', headers: r.headers, connections: 16, duration });
  return result.requests.average;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

const fmt = (n: number): string => Math.round(n).toString().padStart(6);
const ratio = (a: number, b: number | undefined): string => (b ? `${(a / b).toFixed(2)}x` : '  -  ');
const table: string[] = ['| framework | request | none | floor | peer | corsproof | corsproof/floor | corsproof/peer |', '| --- | --- | --- | --- | --- | --- | --- | --- |'];
for (const framework of FRAMEWORKS) {
  const variants = variantsOf(framework);
  const servers = Object.fromEntries(await Promise.all(variants.map(async (v) => [v, await start(framework, v)] as const)));
  for (const v of variants) for (const r of REQUESTS) await measure(servers[v]!.port, r, 1); // warm-up
  for (const r of REQUESTS) {
    // The floor only answers the allowed actual request the way a CORS middleware must.
    const measured = variants.filter((v) => v !== 'floor' || r.name === 'allowed actual request');
    // Interleave the variants, round after round, so that machine noise hits them all alike.
    const samples: Record<string, number[]> = Object.fromEntries(measured.map((v) => [v, []]));
    for (let round = 0; round < ROUNDS; round++) for (const v of measured) samples[v]!.push(await measure(servers[v]!.port, r));
    const m: Record<string, number> = Object.fromEntries(measured.map((v) => [v, median(samples[v]!)]));
    const cp = m.corsproof as number;
    console.log(
      `${framework.padEnd(8)} ${r.name.padEnd(44)} none ${fmt(m.none as number)}  floor ${m.floor ? fmt(m.floor) : '     -'}  ${(PEERS[framework] ?? '-').padEnd(13)} ${m.peer ? fmt(m.peer) : '     -'}  corsproof ${fmt(cp)} req/s   /floor ${ratio(cp, m.floor)}  /peer ${ratio(cp, m.peer)}  /none ${ratio(cp, m.none)}`,
    );
    table.push(`| ${framework} | ${r.name} | ${fmt(m.none as number).trim()} | ${m.floor ? fmt(m.floor).trim() : '-'} | ${m.peer ? fmt(m.peer).trim() : '-'} | ${fmt(cp).trim()} | ${ratio(cp, m.floor).trim()} | ${ratio(cp, m.peer).trim()} |`);
  }
  for (const s of Object.values(servers)) s.stop();
}
console.log(`\nMedians of ${ROUNDS} interleaved rounds of ${DURATION} s (req/s, autocannon, 16 connections, loopback):\n${table.join('\n')}`);
