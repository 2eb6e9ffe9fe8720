/**
 * `corsproof test <contract>` against services on loopback: the built CLI in
 * a child process, as CI runs it after a deploy.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import express from 'express';
import peerCors from 'cors';
import cors from '../../src/adapters/express.js';
import { runCli } from './run-cli.js';

const APP = 'https://app.example.com';

/** The service the contract is written for, behind corsproof. */
const good = express();
good.use(cors({ origin: [APP], credentials: true, exposedHeaders: ['X-Total-Count'], maxAge: 600 }));
good.all('/{*path}', (_req, res) => void res.set('X-Total-Count', '3').json([]));
/** The same service after a bad deploy: cors with '*' and credentials, reflecting nothing. */
const broken = express();
broken.use(peerCors({ origin: true, credentials: true }));
broken.all('/{*path}', (_req, res) => void res.json([]));

const servers = await Promise.all(
  [good, broken].map(
    (app) =>
      new Promise<{ url: string; close: () => void }>((resolve) => {
        const server = createServer(app).listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() }));
      }),
  ),
);
const [goodUrl, brokenUrl] = servers.map((s) => s.url) as [string, string];
afterAll(() => servers.forEach((s) => s.close()));

const dir = mkdtempSync(join(tmpdir(), 'corsproof-test-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const CONTRACT = `# The app's CORS contract
cases:
  - name: the app reads its items with cookies
    from: ${APP}
    path: /items
    credentials: include
    expect: { expose: [X-Total-Count] }
  - from: ${APP}
    path: /items/7
    method: PUT
    headers: { Content-Type: application/json }
    body: '{"done": true}'
    credentials: include
    expect: { cachePreflightFor: 600 }
  - from: https://evil.example
    path: /items
    expect: { blocked: CORSMissingAllowOrigin }
attackers:
  allowed: [${APP}]
`;

describe('corsproof test', () => {
  it('exits 0 when every case holds, with a summary', async () => {
    const r = await runCli(['test', file('ok.yaml', CONTRACT), '--url', goodUrl]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('✓ the app reads its items with cookies');
    expect(r.stdout).toContain(`✓ PUT /items/7 from ${APP}`);
    expect(r.stdout).toMatch(/✓ attackers: \d+ origins blocked/);
    expect(r.stdout).toContain('4 of 4 held.');
  });

  it('exits 1 when a case fails, printing the report and writing JUnit', async () => {
    const junit = join(dir, 'junit.xml');
    const r = await runCli(['test', file('broken.yaml', CONTRACT), '--url', brokenUrl, '--junit', junit]);
    expect(r.code).toBe(1);
    // The reflecting service lets evil.example read, and every attacker's origin.
    expect(r.stdout).toContain('✗ GET /items from https://evil.example');
    expect(r.stdout).toContain('to be blocked in Chromium, Firefox and WebKit, but Chromium, Firefox and WebKit let the page read it');
    expect(r.stdout).toContain('reflects-any-origin: https://corsproof-probe.invalid reads GET / with credentials (chromium, firefox, webkit)');
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>/);
    expect(xml.match(/<testcase /g)).toHaveLength(4);
    expect(xml.match(/<failure /g)?.length).toBeGreaterThanOrEqual(2);
    expect(xml).toContain('name="attackers"');
    expect(xml).toContain('<property name="browsers" value="chromium,firefox,webkit"/>');
    // Each report is escaped text inside its <failure>: no markup of its own.
    const reports = [...xml.matchAll(/<failure [^>]*>([\s\S]*?)<\/failure>/g)].map((m) => m[1] as string);
    expect(reports.length).toBeGreaterThanOrEqual(2);
    for (const report of reports) expect(report).not.toContain('<');
    expect(reports.join('')).toContain('&lt;');
  });

  it('prints JSON for machines', async () => {
    const r = await runCli(['test', file('json.yaml', CONTRACT), '--url', goodUrl, '--json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { url: string; browsers: string[]; cases: Array<{ name: string; line: number; held: boolean }>; attackers: { held: boolean; findings: unknown[] }; networkFailures: unknown[] };
    expect(json.browsers).toEqual(['chromium', 'firefox', 'webkit']);
    expect(json.cases.map((c) => [c.line, c.held])).toEqual([
      [3, true],
      [8, true],
      [15, true],
    ]);
    expect(json.attackers).toEqual({ held: true, failure: null, findings: [] });
    expect(json.networkFailures).toEqual([]);
    // The stamp every JSON output of the CLI carries first (test/cli/json-stamp.test.ts checks its values).
    expect(Object.keys(json).slice(0, 2)).toEqual(['corsproofVersion', 'browserVersions']);
  });

  it('exits 2 on a bad contract, naming each line and field', async () => {
    const bad = `url: ${goodUrl}
cases:
  - from: https://app.example.com/
    path: items
    method: PUT GET
    expect: passes
  - from: ${APP}
    path: /x
    expect: { blocked: 1 }
    colour: red
attackers:
  allowed: []
`;
    const r = await runCli(['test', file('bad.yaml', bad)]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    for (const line of [
      'line 3: cases[0].from: a serialized origin',
      'line 4: cases[0].path: the path requested, starting with /',
      'line 5: cases[0].method: an HTTP method',
      'line 6: cases[0].expect: pass, blocked,',
      'line 9: cases[1].expect:',
      'line 10: cases[1].colour: unknown field',
      'line 12: attackers.allowed: the origins the service means to allow',
    ]) {
      expect(r.stderr).toContain(line);
    }
  });

  it('judges the browsers the contract names, WebKit among them, with its reasons', async () => {
    const contract = `url: ${brokenUrl}
browsers: [webkit]
cases:
  - from: https://evil.example
    path: /items
    credentials: include
    expect: pass
  - from: ${APP}
    path: /items
    method: PUT
    headers: { Content-Type: application/json }
    expect: { blocked: origin-not-allowed }
attackers:
  allowed: [${APP}]
`;
    const junit = join(dir, 'webkit.xml');
    const r = await runCli(['test', file('webkit.yaml', contract), '--json', '--junit', junit]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout) as { browsers: string[]; cases: Array<{ held: boolean; failure: string | null }>; attackers: { held: boolean; failure: string; findings: Array<{ id: string; browsers: string[] }> } };
    expect(json.browsers).toEqual(['webkit']);
    // The reflecting service lets evil.example read: that case holds. It allows PUT too, so the second fails in WebKit's words.
    expect(json.cases.map((c) => c.held)).toEqual([true, false]);
    expect(json.cases[1]?.failure).toContain('to be blocked in WebKit, but WebKit lets the page read it');
    expect(json.attackers.held).toBe(false);
    // Every probe class reads it (the JSON lists each readable probe request), in WebKit, the one browser judged.
    expect(new Set(json.attackers.findings.map((f) => f.id)).size).toBe(10);
    for (const f of json.attackers.findings) expect(f.browsers).toEqual(['webkit']);
    expect(readFileSync(junit, 'utf8')).toContain('<property name="browsers" value="webkit"/>');
  });

  it("checks a case's reason before sending anything: one some browser reports, and one the contract's browsers do", async () => {
    const contract = `url: ${goodUrl}
browsers: [webkit]
cases:
  - from: https://evil.example
    path: /items
    expect: { blocked: CORSMissingAllowOrigin }
  - from: https://evil.example
    path: /items
    expect: { blocked: CORSNoSuchReason }
`;
    const r = await runCli(['test', file('reasons.yaml', contract)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('line 6: cases[0].expect.blocked: "CORSMissingAllowOrigin" is reported by firefox only, and the contract\'s browsers are webkit');
    expect(r.stderr).toContain('line 9: cases[1].expect.blocked: <a Firefox reason, Chromium error or WebKit reason, or corsproof\'s reason id>');
    const bad = await runCli(['test', file('browsers.yaml', contract.replace('[webkit]', '[webkit, safari]'))]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('line 2: browsers: a list of chromium, firefox, webkit');
    const one = contract.slice(0, contract.lastIndexOf('  - from:')).replace('CORSMissingAllowOrigin', 'origin-not-allowed');
    const ok = await runCli(['test', file('webkit-ok.yaml', one)]);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toContain('1 of 1 held.');
    expect(ok.code).toBe(0);
  });

  it('exits 2 on YAML that does not parse, and on a missing url', async () => {
    const syntax = await runCli(['test', file('syntax.yaml', 'cases:\n  - from: [unclosed\n')]);
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toMatch(/line \d+: \(syntax\)/);
    const noUrl = await runCli(['test', file('nourl.yaml', `cases:\n  - from: ${APP}\n    path: /\n    expect: pass\n`)]);
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toContain('has no url: and no --url was given');
  });

  it("takes 'null' as a page origin (a sandboxed iframe's), but not as an origin the service means to allow", async () => {
    const contract = `url: ${goodUrl}\ncases:\n  - from: 'null'\n    path: /items\n    expect: { blocked: CORSMissingAllowOrigin }\nattackers:\n  allowed: ['null']\n`;
    const r = await runCli(['test', file('null.yaml', contract)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('a problem:');
    expect(r.stderr).toContain('line 7: attackers.allowed[0]: a serialized origin');
    const ok = await runCli(['test', file('null-ok.yaml', contract.replace("['null']", `[${APP}]`))]);
    expect(ok.code).toBe(0);
  });
  it('reads JSON contracts too', async () => {
    const json = JSON.stringify({ url: goodUrl, cases: [{ from: APP, path: '/items', credentials: 'include', expect: 'pass' }] }, null, 2);
    const r = await runCli(['test', file('contract.json', json)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('1 of 1 held.');
  });

  it('exits 3 when the service cannot be reached', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    const r = await runCli(['test', file('down.yaml', CONTRACT), '--url', `http://127.0.0.1:${closed}`]);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('The request did not complete: Nothing accepts connections');
  });
});
