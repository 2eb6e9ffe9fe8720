/**
 * `corsproof scan --resume` as users run it (the built binary): a scan of
 * 200 routes on a loopback server, interrupted with Ctrl-C (SIGINT) once the
 * server has seen a given number of requests, then resumed. Requests are
 * counted at the server per route: each route is scanned exactly once over
 * both runs, and the final report (JSON, SARIF, text) is a one-shot scan's.
 * Then the torn last line and the refusal of another scan's state file.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanJson } from '../../src/cli/scan.js';
import type { CliRun } from './run-cli.js';
import { runCli, startCli } from './run-cli.js';

const ROUTES = 200;
const APP = 'https://app.example.com';
/** Requests per route (the request without Origin, the legit origin's, the probes', the invented preflight), as the one-shot scan counted them. */
let perRoute = new Map<string, number>();
/** Some thirty requests a route: where to interrupt. */
const ABOUT_A_ROUTE = 30;

/** Requests seen per path, and a hook called on each (to interrupt a scan partway). */
let seen = new Map<string, number>();
let onRequest: (total: number) => void = () => undefined;
let total = 0;
let server: Server;
let dir = '';
let list = '';
let refusedUrl = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'corsproof-resume-'));
  // /r/<n>: one in ten reflects any Origin with credentials, one in ten '*', the rest allow APP only. No Date header: answers are byte-identical run to run.
  server = createServer((req, res) => {
    res.sendDate = false;
    const path = req.url ?? '';
    seen.set(path, (seen.get(path) ?? 0) + 1);
    onRequest(++total);
    const n = Number(/^\/r\/(\d+)$/.exec(path)?.[1] ?? -1);
    const origin = req.headers.origin;
    if (n % 10 === 1) res.setHeader('Access-Control-Allow-Origin', '*');
    else {
      res.setHeader('Vary', 'Origin');
      if (origin !== undefined && (n % 10 === 0 || origin === APP)) res.setHeader('Access-Control-Allow-Origin', origin).setHeader('Access-Control-Allow-Credentials', 'true');
    }
    res.setHeader('Content-Type', 'application/json').end(`{"route":${n}}`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  // A route nothing answers: its error is stored and replayed like a finding.
  const closed = createNetServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
  refusedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/gone`;
  await new Promise<void>((r) => closed.close(() => r()));
  list = join(dir, 'routes.txt');
  writeFileSync(list, `${Array.from({ length: ROUTES }, (_, i) => `http://127.0.0.1:${port}/r/${i}`).join('\n')}\n${refusedUrl}\n`);
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

function resetCounts(): void {
  seen = new Map();
  total = 0;
  onRequest = () => undefined;
}

/** Run the CLI; Ctrl-C (SIGINT) once the server has seen `interruptAt` requests. */
async function runInterrupted(args: string[], interruptAt: number): Promise<CliRun> {
  const { child, done } = startCli(args);
  onRequest = (n) => {
    if (n === interruptAt) child.kill('SIGINT');
  };
  const run = await done;
  onRequest = () => undefined;
  return run;
}

const scanArgs = (...more: string[]): string[] => ['scan', '--urls', list, '--origin', APP, '--timeout', '5', ...more];

/** A report with its order (completion order) taken out. */
function normalized(json: ScanJson): unknown {
  const sorted = <T>(xs: T[]): string[] => xs.map((x) => JSON.stringify(x)).sort();
  return { findings: sorted(json.findings), targets: sorted(json.targets), errors: sorted(json.errors) };
}

function normalizedSarif(file: string): unknown {
  const log = JSON.parse(readFileSync(file, 'utf8')) as { runs: Array<{ results: unknown[]; invocations?: unknown }> };
  const run = log.runs[0];
  return { results: (run?.results ?? []).map((r) => JSON.stringify(r)).sort(), invocations: run?.invocations };
}

const stateLines = (file: string): string[] => readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');

let oneShot: ScanJson;
let oneShotSarif: unknown;
let oneShotText = '';
let completeState = '';

describe('corsproof scan --resume', () => {
  it('a one-shot scan (the reference): each route sent its plan once', { timeout: 120_000 }, async () => {
    resetCounts();
    const sarif = join(dir, 'one-shot.sarif');
    const r = await runCli([...scanArgs('--json', '--sarif', sarif)]);
    expect(r.code).toBe(1);
    oneShot = JSON.parse(r.stdout) as ScanJson;
    oneShotSarif = normalizedSarif(sarif);
    expect(oneShot.targets).toHaveLength(ROUTES + 1);
    expect(oneShot.findings.length).toBeGreaterThan(0);
    expect(seen.size).toBe(ROUTES);
    expect([...seen.values()].every((n) => n >= 20 && n === seen.get('/r/2'))).toBe(true); // the same plan for each route
    perRoute = new Map(seen);
    resetCounts();
    oneShotText = (await runCli(scanArgs())).stdout;
  });

  it('Ctrl-C partway, then resumed: each route scanned exactly once in all; JSON and SARIF equal the one-shot scan’s', { timeout: 120_000 }, async () => {
    resetCounts();
    const state = join(dir, 'scan.state');
    const sarif = join(dir, 'resumed.sarif');
    const first = await runInterrupted(scanArgs('--json', '--sarif', sarif, '--resume', state, '--concurrency', '8'), 40 * ABOUT_A_ROUTE);
    expect(first.code).toBe(130);
    expect(first.stderr).toMatch(/stopping: the routes in flight finish/);
    expect(first.stderr).toMatch(new RegExp(`interrupted: \\d+ routes done, saved in ${state.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\. Run the same command again`));
    // What was printed parses, and covers what the state file holds; no SARIF (it would look complete).
    const partial = JSON.parse(first.stdout) as ScanJson;
    const done = stateLines(state).length - 1;
    expect(partial.targets).toHaveLength(done);
    expect(done).toBeGreaterThanOrEqual(20);
    expect(done).toBeLessThan(ROUTES);
    expect(existsSync(sarif)).toBe(false);
    const firstCounts = new Map(seen);

    seen = new Map();
    const second = await runCli(scanArgs('--json', '--sarif', sarif, '--resume', state, '--concurrency', '8'));
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(`corsproof: resuming from ${state}: ${done} routes done\n`);
    // Each route's plan sent once over both runs: never twice, never skipped.
    for (const [path, n] of perRoute) expect([path, (firstCounts.get(path) ?? 0) + (seen.get(path) ?? 0)]).toEqual([path, n]);
    for (const [path, n] of firstCounts) expect([path, seen.has(path) ? 'scanned again' : n]).toEqual([path, perRoute.get(path)]);
    expect(normalized(JSON.parse(second.stdout) as ScanJson)).toEqual(normalized(oneShot));
    expect(normalizedSarif(sarif)).toEqual(oneShotSarif);
    expect(stateLines(state)).toHaveLength(ROUTES + 2);
    completeState = state;
  });

  it('a complete state file: nothing sent, the text report as a one-shot scan’s (its summary line; each route printed)', { timeout: 60_000 }, async () => {
    resetCounts();
    const copy = join(dir, 'complete.state');
    copyFileSync(completeState, copy);
    const r = await runCli(scanArgs('--resume', copy));
    expect(total).toBe(0);
    expect(r.code).toBe(1);
    const lines = (text: string): string[] => text.split('\n').sort();
    expect(lines(r.stdout)).toEqual(lines(oneShotText));
    const requests = [...perRoute.values()].reduce((a, b) => a + b, 0) + 1; // and one to the refused route
    expect(r.stdout).toMatch(new RegExp(`${ROUTES} of ${ROUTES + 1} routes scanned \\(${requests} requests\\)`));
  });

  it('a torn last line (killed mid-write): dropped, that route alone scanned again, the report complete', { timeout: 60_000 }, async () => {
    resetCounts();
    const torn = join(dir, 'torn.state');
    copyFileSync(completeState, torn);
    const lastLine = stateLines(torn).at(-1) ?? '';
    const key = (JSON.parse(lastLine) as { key: string }).key;
    truncateSync(torn, statSync(torn).size - Math.floor(lastLine.length / 2));
    const r = await runCli(scanArgs('--json', '--resume', torn));
    expect(r.stderr).toBe(`corsproof: resuming from ${torn}: ${ROUTES} routes done (a torn last line dropped: that route is scanned again)\n`);
    const path = new URL(key.split(' ')[1] ?? '').pathname;
    expect([...seen.entries()]).toEqual(key.includes('/gone') ? [] : [[path, perRoute.get(path)]]);
    expect(normalized(JSON.parse(r.stdout) as ScanJson)).toEqual(normalized(oneShot));
    expect(stateLines(torn).map((l) => JSON.parse(l) as unknown)).toHaveLength(ROUTES + 2); // whole lines again
  });

  it.each([
    [['--origin', 'https://other.example.com'], /--origin \(there https:\/\/app\.example\.com; here https:\/\/app\.example\.com, https:\/\/other\.example\.com\)/],
    [['--cookie', 'session=abc'], /--cookie, --bearer or -H \(other values\)/],
    [['--methods', 'GET,HEAD,POST'], /--methods \(there GET, HEAD; here GET, HEAD, POST\)/],
  ])('another scan’s options (%j): refused, exit 2, nothing sent, the state file untouched', { timeout: 60_000 }, async (more, message) => {
    resetCounts();
    const before = readFileSync(completeState, 'utf8');
    const r = await runCli([...scanArgs('--resume', completeState), ...more]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/Resume with the same options, or delete it \(or give another --resume file\) to start over/);
    expect(r.stderr).not.toMatch(/session=abc|\n\s+at /);
    expect(total).toBe(0);
    expect(readFileSync(completeState, 'utf8')).toBe(before);
  });

  it('--resume naming a file that is not a state file (the URL list): refused, the file untouched', async () => {
    const before = readFileSync(list, 'utf8');
    const r = await runCli(scanArgs('--resume', list));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is not a corsproof scan state file/);
    expect(readFileSync(list, 'utf8')).toBe(before);
  });

  it('Ctrl-C without --resume: the routes in flight finish, the report so far, exit 130, and a word on --resume', { timeout: 60_000 }, async () => {
    resetCounts();
    const r = await runInterrupted(scanArgs('--concurrency', '8'), 20 * ABOUT_A_ROUTE);
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/interrupted: \d+ routes done; nothing was saved \(with --resume <file>, a scan can pick up where it stopped\)/);
    expect(r.stdout).toMatch(/\d+ of \d+ routes scanned/);
    // Every route taken was finished: no route has part of its plan sent.
    expect([...seen.entries()].filter(([path, n]) => n !== perRoute.get(path))).toEqual([]);
  });
});
