/**
 * `npm run bench` (scan): `corsproof scan` over 1,000 and 10,000 routes of
 * one loopback API, through the built CLI as users run it (`node
 * dist/cli/main.js scan --urls <file> --origin ... --concurrency 64 --json >
 * /dev/null`). The API is one node:http server in its own child process, so
 * that the scanner's process is measured alone; its routes /r/<n> answer a
 * realistic mix: most with a correct allow-list (the legit origin echoed with
 * credentials, Vary: Origin), one in ten reflecting any Origin with
 * credentials, one in ten `*`. Reported: wall time, routes/s, requests/s and
 * the scanner's peak memory (max RSS, from `/usr/bin/time -v` when present,
 * else `process.resourceUsage().maxRSS` printed at exit by an --import hook),
 * and the ratio of peak memory 10k/1k, which must stay near 1.0: the scanner
 * streams the URL list and holds only the routes in flight (memory that
 * grows with the inventory is a bug). Peak RSS is GC slack more than live
 * data (some 11 MB live, 100-150 MB resident) and varies by 15% run to run on
 * a busy machine, so the bar is 1.5x: what it catches is a scanner holding
 * each route's answers or findings (a few kB a route: +30 MB and more at
 * 10,000). CORSPROOF_BENCH_SCAN_SIZES overrides the sizes (comma-separated).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const SIZES = (process.env.CORSPROOF_BENCH_SCAN_SIZES ?? '1000,10000').split(',').map(Number);
const APP = 'https://app.example.com';
const CONCURRENCY = 64;
const TIME = '/usr/bin/time';

/** The API: /r/<n>; n % 10 === 0 reflects any Origin with credentials, n % 10 === 1 answers `*`, the rest allow APP only. */
const SERVER = `
import { createServer } from 'node:http';
const APP = ${JSON.stringify(APP)};
let requests = 0;
const server = createServer((req, res) => {
  requests++;
  const n = Number(/^\\/r\\/(\\d+)/.exec(req.url ?? '')?.[1] ?? -1);
  const origin = req.headers.origin;
  const kind = n % 10 === 0 ? 'reflect' : n % 10 === 1 ? 'wildcard' : 'allow-list';
  if (kind === 'wildcard') res.setHeader('Access-Control-Allow-Origin', '*');
  else {
    res.setHeader('Vary', 'Origin');
    if (origin !== undefined && (kind === 'reflect' || origin === APP)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
    }
  }
  if (req.method === 'OPTIONS') {
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST');
    res.setHeader('Access-Control-Allow-Headers', 'content-type');
    res.writeHead(204).end();
    return;
  }
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify({ route: n, items: Array.from({ length: 20 }, (_, i) => ({ id: i, name: 'item ' + i })) }));
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
process.on('message', () => process.send({ requests }));
`;

interface Api {
  port: number;
  requests: () => Promise<number>;
  stop: () => void;
}

function startApi(): Promise<Api> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    child.once('error', reject);
    child.stdout?.once('data', (d: Buffer) => {
      const requests = (): Promise<number> =>
        new Promise((answer) => {
          child.once('message', (m) => answer((m as { requests: number }).requests));
          child.send('count');
        });
      resolve({ port: Number(d.toString().trim()), requests, stop: () => child.kill() });
    });
  });
}

interface Run {
  routes: number;
  requests: number;
  wallMs: number;
  maxRssKb: number;
  code: number | null;
}

/** The CLI's max RSS: /usr/bin/time -v's line, else the --import hook's. */
function peakKb(stderr: string): number {
  const time = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
  if (time) return Number(time[1]);
  const hook = /corsproof-bench maxRSS (\d+)/.exec(stderr);
  if (hook) return Number(hook[1]);
  throw new Error(`no peak memory in the scanner's stderr:\n${stderr.slice(-2000)}`);
}

const HOOK = `data:text/javascript,process.on('exit',()=>process.stderr.write('corsproof-bench maxRSS '+process.resourceUsage().maxRSS+'\\n'))`;

async function scanOnce(api: Api, dir: string, routes: number): Promise<Run> {
  const list = join(dir, `routes-${routes}.txt`);
  writeFileSync(list, Array.from({ length: routes }, (_, n) => `http://127.0.0.1:${api.port}/r/${n}\n`).join(''));
  const cli = [join(root, 'dist', 'cli', 'main.js'), 'scan', '--urls', list, '--origin', APP, '--concurrency', String(CONCURRENCY), '--json'];
  const [command, args] = existsSync(TIME) ? [TIME, ['-v', process.execPath, ...cli]] : [process.execPath, ['--import', HOOK, ...cli]];
  const before = await api.requests();
  const devNull = openSync('/dev/null', 'w');
  const started = process.hrtime.bigint();
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', devNull, 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('close', (c) => resolve({ code: c, stderr: err }));
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  closeSync(devNull);
  // Exit 1: the reflecting routes are high findings, as they should be. Anything else is a failed run.
  if (code !== 1) throw new Error(`corsproof scan exited ${code} on ${routes} routes:\n${stderr.slice(-2000)}`);
  return { routes, requests: (await api.requests()) - before, wallMs, maxRssKb: peakKb(stderr), code };
}

const load = (): string => loadavg().map((l) => l.toFixed(2)).join(', ');
const loadBefore = load();
const dir = mkdtempSync(join(tmpdir(), 'corsproof-scan-bench-'));
const api = await startApi();
const runs: Run[] = [];
try {
  await scanOnce(api, dir, 100); // warm-up (page cache, the server's JIT)
  for (const size of SIZES) {
    const run = await scanOnce(api, dir, size);
    runs.push(run);
    console.log(`  ${String(size).padStart(6)} routes: ${(run.wallMs / 1000).toFixed(1)} s, peak ${(run.maxRssKb / 1024).toFixed(1)} MB`);
  }
} finally {
  api.stop();
  rmSync(dir, { recursive: true, force: true });
}

const mb = (kb: number): string => (kb / 1024).toFixed(1);
console.log(`\ncorsproof scan over loopback (--concurrency ${CONCURRENCY}, --json to /dev/null; peak memory: ${existsSync(TIME) ? '/usr/bin/time -v' : 'process.resourceUsage().maxRSS'}; load average ${loadBefore} before, ${load()} after):`);
const table = ['| routes | requests | wall time | routes/s | requests/s | peak memory (max RSS) |', '| --- | --- | --- | --- | --- | --- |'];
for (const r of runs) {
  table.push(`| ${r.routes.toLocaleString('en')} | ${r.requests.toLocaleString('en')} | ${(r.wallMs / 1000).toFixed(1)} s | ${Math.round(r.routes / (r.wallMs / 1000))} | ${Math.round(r.requests / (r.wallMs / 1000))} | ${mb(r.maxRssKb)} MB |`);
}
console.log(table.join('\n'));
const first = runs[0];
const last = runs[runs.length - 1];
if (first !== undefined && last !== undefined && last !== first) {
  const ratio = last.maxRssKb / first.maxRssKb;
  const flat = ratio < 1.5;
  console.log(`\nPeak memory ${last.routes.toLocaleString('en')}/${first.routes.toLocaleString('en')} routes: ${ratio.toFixed(2)}x (bar: < 1.5x, flat within this machine's noise) ${flat ? 'PASS' : 'FAIL'}`);
  if (!flat) process.exitCode = 1;
}
