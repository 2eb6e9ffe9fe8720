/**
 * The zoo proven, then the scanner against it.
 *
 * First, each zoo server is checked with plain requests from Node (raw
 * header lines, so that two Access-Control-Allow-Origin lines are seen as
 * two): every probe origin the table derives for its legit origin, the
 * legit origin, no Origin, and a preflight asking for an invented method and
 * header. What those answers show, read by the rules below, must be exactly
 * what the server plants, with the severity the scanner's contract gives:
 *
 * - a probe class is found when a probe's GET gets a 2xx with exactly one
 *   Access-Control-Allow-Origin line equal to the probe origin; high (medium
 *   for trusts-http-origin and trusts-any-subdomain) when
 *   Access-Control-Allow-Credentials: true comes with it, else low; classes
 *   another found class explains are dropped (findingsAmong, the probe
 *   table's own rule);
 * - missing-vary-origin: Access-Control-Allow-Origin differs between these
 *   requests and some answer lacks Vary: Origin;
 * - wildcard / wildcard-with-credentials: `*`, without / with credentials;
 * - invalid-allow-origin: one line that is not `*`, `null` or a serialized
 *   origin; multiple-allow-origin: two or more lines (legit origin);
 * - preflight-reflects-methods / -headers: the invented method / header
 *   back in Access-Control-Allow-Methods / -Headers (legit origin);
 * - expose-wildcard-with-credentials: `*` in Access-Control-Expose-Headers
 *   with credentials (legit origin).
 *
 * Then, one test per zoo server, `corsproof scan <url> --origin <legit>
 * --json` (the built CLI) must report exactly the planted findings. Until
 * the CLI has a `scan` command these fail, saying so.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findingsAmong, probesFor } from '../../src/policy/probes.js';
import type { ProbeId } from '../../src/policy/probes.js';
import type { Planted, Zoo, ZooServer } from './zoo.js';
import { SECRET_BODY, ZOO_SERVER_NAMES, startZoo } from './zoo.js';

const root = join(import.meta.dirname, '..', '..');
const CLI = join(root, 'dist', 'cli', 'main.js');

/** The invented method and header the preflight check asks for. */
const INVENTED_METHOD = 'CORSPROOF-PROBE';
const INVENTED_HEADER = 'x-corsproof-probe';

/** The classes a network attacker or a subdomain is needed for: medium with credentials. */
const NETWORK_CLASSES: ReadonlySet<ProbeId> = new Set(['trusts-http-origin', 'trusts-any-subdomain']);

interface Answer {
  status: number;
  /** Raw header lines, names lowercased. */
  lines: Array<[string, string]>;
  body: string;
}

function exchange(url: string, method: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        const lines: Array<[string, string]> = [];
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) lines.push([(res.rawHeaders[i] as string).toLowerCase(), res.rawHeaders[i + 1] as string]);
        resolve({ status: res.statusCode ?? 0, lines, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const all = (a: Answer, name: string): string[] => a.lines.filter(([n]) => n === name).map(([, v]) => v);
const listOf = (a: Answer, name: string): string[] => all(a, name).flatMap((v) => v.split(',').map((t) => t.trim().toLowerCase()));
const ok = (a: Answer): boolean => a.status >= 200 && a.status < 300;
const credentialed = (a: Answer): boolean => all(a, 'access-control-allow-credentials').join() === 'true';
const allowsExactly = (a: Answer, origin: string): boolean => ok(a) && all(a, 'access-control-allow-origin').join('\n') === origin;

function isSerializedOrigin(value: string): boolean {
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}

/** What the answers of one server show, by the rules at the top of this file. */
async function observe(server: ZooServer): Promise<{ findings: Planted[]; legit: Answer }> {
  const get = (origin: string | null): Promise<Answer> => exchange(server.url, 'GET', origin === null ? {} : { Origin: origin });
  const probes = probesFor([server.legitOrigin]);
  const [legit, none, preflight, ...probeAnswers] = await Promise.all([
    get(server.legitOrigin),
    get(null),
    exchange(server.url, 'OPTIONS', { Origin: server.legitOrigin, 'Access-Control-Request-Method': INVENTED_METHOD, 'Access-Control-Request-Headers': INVENTED_HEADER }),
    ...probes.map((p) => get(p.origin)),
  ]);
  const readable = new Map<ProbeId, boolean>();
  probes.forEach((p, i) => {
    const a = probeAnswers[i] as Answer;
    if (allowsExactly(a, p.origin)) readable.set(p.id, (readable.get(p.id) ?? false) || credentialed(a));
  });
  const findings: Planted[] = findingsAmong(readable.keys()).map((id) => ({ id, severity: readable.get(id) === true ? (NETWORK_CLASSES.has(id) ? 'medium' : 'high') : 'low' }));
  const gets = [legit, none, ...probeAnswers];
  const allowOrigins = new Set(gets.map((a) => all(a, 'access-control-allow-origin').join('\n')));
  if (allowOrigins.size > 1 && gets.some((a) => !listOf(a, 'vary').some((v) => v === 'origin' || v === '*'))) findings.push({ id: 'missing-vary-origin', severity: 'low' });
  const star = [legit, none].find((a) => all(a, 'access-control-allow-origin').join() === '*');
  if (star !== undefined) findings.push({ id: credentialed(star) ? 'wildcard-with-credentials' : 'wildcard', severity: 'info' });
  const legitAllow = all(legit, 'access-control-allow-origin');
  if (legitAllow.length === 1 && legitAllow[0] !== '*' && legitAllow[0] !== 'null' && !isSerializedOrigin(legitAllow[0] as string)) findings.push({ id: 'invalid-allow-origin', severity: 'info' });
  if (legitAllow.length > 1) findings.push({ id: 'multiple-allow-origin', severity: 'info' });
  if (listOf(preflight, 'access-control-allow-methods').includes(INVENTED_METHOD.toLowerCase())) findings.push({ id: 'preflight-reflects-methods', severity: 'info' });
  if (listOf(preflight, 'access-control-allow-headers').includes(INVENTED_HEADER)) findings.push({ id: 'preflight-reflects-headers', severity: 'info' });
  if (listOf(legit, 'access-control-expose-headers').includes('*') && credentialed(legit)) findings.push({ id: 'expose-wildcard-with-credentials', severity: 'info' });
  return { findings, legit };
}

/** Findings as sorted `id:severity` strings, for an exact comparison. */
const keyed = (findings: ReadonlyArray<{ id: string; severity: string }>): string[] => findings.map((f) => `${f.id}:${f.severity}`).sort();

let zoo: Zoo;

beforeAll(async () => {
  zoo = await startZoo();
}, 60_000);
afterAll(async () => {
  await zoo?.close();
});

describe('the zoo', () => {
  it('starts within 10 s, plants every finding id in at least two stacks, and has twins (corsproof among them) planting nothing high or medium', async () => {
    const t0 = Date.now();
    const z = await startZoo();
    const elapsed = Date.now() - t0;
    await z.close();
    expect(elapsed).toBeLessThan(10_000);
    const names = zoo.servers.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    const stacksById = new Map<string, Set<string>>();
    for (const s of zoo.servers) for (const p of s.planted) stacksById.set(p.id, (stacksById.get(p.id) ?? new Set()).add(s.stack));
    const ids = ['reflects-any-origin', 'trusts-null', 'prefix-match', 'suffix-match', 'unescaped-dot', 'substring-match', 'special-characters', 'trusts-third-party-host', 'trusts-http-origin', 'trusts-any-subdomain', 'missing-vary-origin', 'wildcard', 'wildcard-with-credentials', 'invalid-allow-origin', 'multiple-allow-origin', 'preflight-reflects-methods', 'preflight-reflects-headers', 'expose-wildcard-with-credentials'];
    expect(ids.filter((id) => (stacksById.get(id)?.size ?? 0) < 2)).toEqual([]);
    const twins = zoo.servers.filter((s) => s.name.startsWith('twin/'));
    expect(twins.map((s) => s.stack)).toEqual(expect.arrayContaining(['corsproof/express', 'corsproof/fastify', 'corsproof/hono', 'nginx']));
    for (const t of twins) expect(t.planted.filter((p) => p.severity === 'high' || p.severity === 'medium')).toEqual([]);
  });

  it('every server answers as planted, to plain requests from Node', async () => {
    const mismatches: string[] = [];
    // One server at a time (each with its requests at once): nginx serves half the zoo from one process.
    for (const s of zoo.servers) {
      await (async () => {
        const { findings, legit } = await observe(s);
        const seen = keyed(findings).join(', ');
        const planted = keyed(s.planted).join(', ');
        if (seen !== planted) mismatches.push(`${s.name}: planted [${planted}], answers show [${seen}]`);
        const legitReads = allowsExactly(legit, s.legitOrigin) && credentialed(legit);
        if (legitReads !== s.legitReadsWithCredentials) mismatches.push(`${s.name}: the legit origin ${legitReads ? 'reads' : 'does not read'} with credentials, the table says otherwise`);
        if (legit.status !== 200 || legit.body !== SECRET_BODY) mismatches.push(`${s.name}: GET /data answered ${legit.status} ${legit.body.slice(0, 80)}`);
        if (all(legit, 'set-cookie').length > 0) mismatches.push(`${s.name}: sets a cookie`);
      })();
    }
    expect(mismatches.sort()).toEqual([]);
  });

  it("the checks above can fail: a twin's answers, read against another class, do not match", async () => {
    const twin = zoo.servers.find((s) => s.name === 'twin/express+cors') as ZooServer;
    const reflecting = zoo.servers.find((s) => s.name === 'reflects-any-origin/express+cors') as ZooServer;
    expect(keyed((await observe(twin)).findings)).toEqual([]);
    expect(keyed((await observe(reflecting)).findings)).toEqual(['reflects-any-origin:high']);
  });
});

interface ScanJson {
  targets: unknown[];
  findings: Array<{ url: string; method: string; id: string; severity: string; probe: string | null; browsers: { chromium: boolean; firefox: boolean; webkit: boolean } }>;
  errors: unknown[];
}

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

// Concurrent: each test is a child process waiting on loopback answers.
describe.concurrent('corsproof scan against the zoo (exactly the planted findings)', () => {
  for (const name of ZOO_SERVER_NAMES) {
    it(name, async ({ expect }) => {
      const server = zoo.servers.find((s) => s.name === name) as ZooServer;
      if (!existsSync(CLI)) throw new Error(`${CLI} is missing: the scan tests run the built CLI. Run 'npm run build' first (npm test does).`);
      const { code, stdout, stderr } = await runCli(['scan', server.url, '--origin', server.legitOrigin, '--json']);
      let report: ScanJson;
      try {
        report = JSON.parse(stdout) as ScanJson;
      } catch {
        throw new Error(`'corsproof scan ${server.url} --origin ${server.legitOrigin} --json' printed no JSON report (exit ${code}); the CLI may have no scan command yet.\nstdout: ${stdout.slice(0, 500)}\nstderr: ${stderr.slice(0, 1000)}`);
      }
      expect(report.errors).toEqual([]);
      expect(report.findings.every((f) => f.url === server.url && f.method === server.method)).toBe(true);
      expect(keyed(report.findings)).toEqual(keyed(server.planted));
      // Each finding says which of the three browsers read it; a high or medium one, at least one of them.
      for (const f of report.findings) {
        expect(Object.keys(f.browsers)).toEqual(['chromium', 'firefox', 'webkit']);
        if (f.severity === 'high' || f.severity === 'medium') expect(Object.values(f.browsers)).toContain(true);
      }
    });
  }
});
