/**
 * `npm run bench` (second part): requests per second through each framework
 * with no CORS middleware, with its usual peer (cors, @fastify/cors,
 * @koa/cors, hono/cors) and with corsproof, side by side in one run, for an
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
const FRAMEWORKS = ['express', 'fastify', 'koa', 'hono'] as const;
const VARIANTS = ['none', 'peer', 'corsproof'] as const;
const PEERS: Record<string, string> = { express: 'cors', fastify: '@fastify/cors', koa: '@koa/cors', hono: 'hono/cors' };
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

const rows: Array<{ framework: string; request: string; none: number; peer: number; corsproof: number }> = [];
for (const framework of FRAMEWORKS) {
  const servers = Object.fromEntries(await Promise.all(VARIANTS.map(async (v) => [v, await start(framework, v)] as const)));
  for (const v of VARIANTS) for (const r of REQUESTS) await measure(servers[v]!.port, r, 1); // warm-up
  for (const r of REQUESTS) {
    const row = { framework, request: r.name, none: 0, peer: 0, corsproof: 0 };
    // Interleave the variants, round after round, so that machine noise hits all three alike.
    const samples: Record<string, number[]> = { none: [], peer: [], corsproof: [] };
    for (let round = 0; round < ROUNDS; round++) for (const v of VARIANTS) samples[v]!.push(await measure(servers[v]!.port, r));
    for (const v of VARIANTS) row[v] = median(samples[v]!);
    rows.push(row);
    console.log(
      `${framework.padEnd(8)} ${r.name.padEnd(44)} none ${Math.round(row.none).toString().padStart(6)}  ${PEERS[framework]!.padEnd(13)} ${Math.round(row.peer).toString().padStart(6)}  corsproof ${Math.round(row.corsproof).toString().padStart(6)} req/s   corsproof/peer ${(row.corsproof / row.peer).toFixed(2)}x   corsproof/none ${(row.corsproof / row.none).toFixed(2)}x`,
    );
  }
  for (const s of Object.values(servers)) s.stop();
}
