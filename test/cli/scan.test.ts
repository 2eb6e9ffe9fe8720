/**
 * `corsproof scan` as users run it (the built binary), against servers on
 * loopback: faults end as per-route errors while the scan goes on, 429s
 * are retried as Retry-After says, hostile answers cost bounded time, and
 * the exit codes and the JSON contract hold. The misconfiguration zoo (one
 * class per server, several stacks) is in test/scan/.
 */
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import selfsigned from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanJson } from '../../src/cli/scan.js';
import { runCli } from './run-cli.js';

const sockets: Socket[] = [];
const servers: Array<Server | HttpServer> = [];
const url: Record<string, string> = {};
let dir = '';

async function listen(name: string, server: Server | HttpServer, scheme = 'http', host = '127.0.0.1'): Promise<void> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  servers.push(server);
  url[name] = `${scheme}://${host}:${(server.address() as AddressInfo).port}/data`;
}

/** A raw TCP server that does `behave` with each connection once the request head arrived. */
function raw(behave: (socket: Socket) => void): Server {
  return createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    socket.once('data', () => behave(socket));
  });
}

/** Reflects any Origin with credentials (Vary: Origin on every answer): one high finding on every scan. */
function reflect(req: IncomingMessage, res: ServerResponse): void {
  const origin = req.headers.origin;
  res.setHeader('Vary', 'Origin');
  if (origin !== undefined) res.setHeader('Access-Control-Allow-Origin', origin).setHeader('Access-Control-Allow-Credentials', 'true');
  res.setHeader('Content-Type', 'application/json').end('{"secret":1}');
}

let throttled = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'corsproof-scan-'));
  await listen('reflect', createHttpServer(reflect));
  await listen('wildcard', createHttpServer((_q, s) => s.setHeader('Access-Control-Allow-Origin', '*').end('{}')));
  // The first two requests are refused with 429 and Retry-After: 1, then it answers as `reflect`.
  await listen(
    'throttled',
    createHttpServer((q, s) => {
      if (throttled++ < 2) s.writeHead(429, { 'Retry-After': '1' }).end();
      else reflect(q, s);
    }),
  );
  await listen('reset', raw((s) => s.destroy()));
  await listen('garbage', raw((s) => s.end('HELLO THERE\r\n\r\n')));
  // Slow loris: a valid status line, then one byte of a header every 300 ms, forever.
  await listen(
    'slow',
    raw((s) => {
      s.write('HTTP/1.1 200 OK\r\nX-Slow: ');
      const timer = setInterval(() => (s.destroyed ? clearInterval(timer) : s.write('a')), 300);
      s.on('close', () => clearInterval(timer));
    }),
  );
  await listen(
    'huge-headers',
    raw((s) => {
      s.write('HTTP/1.1 200 OK\r\n');
      for (let i = 0; i < 1024; i++) s.write(`X-Filler-${i}: ${'x'.repeat(1000)}\r\n`);
      s.end('Content-Length: 0\r\n\r\n');
    }),
  );
  await listen(
    'many-lines',
    raw((s) => {
      s.write('HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: *\r\n');
      for (let i = 0; i < 5000; i++) s.write(`X-${i}: y\r\n`);
      s.end('Content-Length: 0\r\nConnection: close\r\n\r\n');
    }),
  );
  const pems = await Promise.resolve(selfsigned.generate([{ name: 'commonName', value: 'localhost' }], { notAfterDate: new Date(Date.now() + 86_400_000), keySize: 2048 }));
  await listen('tls', createHttpsServer({ key: pems.private, cert: pems.cert }, reflect), 'https', 'localhost');
  // Nothing listens here.
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
  url.refused = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/data`;
  await new Promise<void>((r) => closed.close(() => r()));
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  for (const s of servers) {
    if ('closeAllConnections' in s) s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
  rmSync(dir, { recursive: true, force: true });
});

const ORIGIN = ['--origin', 'https://app.example.com'];

async function scanJson(args: string[]): Promise<{ code: number | null; json: ScanJson; stderr: string }> {
  const r = await runCli(['scan', ...args, '--json']);
  return { code: r.code, json: JSON.parse(r.stdout) as ScanJson, stderr: r.stderr };
}

describe('faults end as per-route errors; the scan goes on', () => {
  it('reset, garbage, slow loris, 1 MB of headers, refused, self-signed TLS: each an error of its kind, the good route scanned', async () => {
    const names = ['reset', 'garbage', 'slow', 'huge-headers', 'refused', 'tls', 'reflect'];
    const { code, json, stderr } = await scanJson([...names.map((n) => url[n] as string), ...ORIGIN, '--timeout', '2']);
    expect(stderr).toBe('');
    const status = Object.fromEntries(json.targets.map((t) => [names.find((n) => url[n] === t.url), t.status]));
    expect(status).toEqual({ reset: 'reset', garbage: 'protocol', slow: 'timeout', 'huge-headers': 'protocol', refused: 'refused', tls: 'tls', reflect: 'scanned' });
    expect(json.errors.map((e) => e.kind).sort()).toEqual(['protocol', 'protocol', 'refused', 'reset', 'timeout', 'tls']);
    expect(json.findings.map((f) => [f.url, f.id, f.severity])).toEqual([[url.reflect, 'reflects-any-origin', 'high']]);
    expect(code).toBe(1);
  });

  it('--insecure looks past a self-signed certificate', async () => {
    const { json } = await scanJson([url.tls as string, ...ORIGIN, '--insecure']);
    expect(json.targets[0]?.status).toBe('scanned');
    expect(json.findings.map((f) => f.id)).toEqual(['reflects-any-origin']);
  });

  it('5,000 header lines: read, bounded, judged', async () => {
    const { json } = await scanJson([url['many-lines'] as string, ...ORIGIN]);
    expect(json.targets[0]?.status).toBe('scanned');
    expect(json.findings.map((f) => f.id)).toContain('wildcard');
  });

  it('429 with Retry-After: waits and retries (twice by default), then judges the real answers', async () => {
    const started = Date.now();
    const { json } = await scanJson([url.throttled as string, ...ORIGIN, '--concurrency', '1']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000); // two waits of Retry-After: 1 (not a timing bound: a floor)
    const plain = await scanJson([url.reflect as string, ...ORIGIN, '--concurrency', '1']); // the same plan, never refused
    expect(json.targets[0]?.requests).toBe((plain.json.targets[0]?.requests ?? 0) + 2);
    expect(json.targets[0]?.status).toBe('scanned');
    expect(json.findings.map((f) => [f.id, f.severity])).toEqual([['reflects-any-origin', 'high']]);
  });

  it('no route reachable: exit 3', async () => {
    const r = await runCli(['scan', url.refused as string, ...ORIGIN]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/0 of 1 route scanned/);
  });
});

describe('exit codes and the JSON contract', () => {
  it('--fail-on: info findings fail only at info', async () => {
    expect((await runCli(['scan', url.wildcard as string, ...ORIGIN])).code).toBe(0);
    expect((await runCli(['scan', url.wildcard as string, ...ORIGIN, '--fail-on', 'info'])).code).toBe(1);
  });

  it('every finding carries the contract fields and its evidence', async () => {
    const { json } = await scanJson([url.reflect as string, ...ORIGIN]);
    const f = json.findings[0];
    expect(Object.keys(f ?? {}).sort()).toEqual(['browsers', 'cookies', 'evidence', 'fix', 'id', 'layer', 'message', 'method', 'probe', 'recipe', 'severity', 'source', 'url'].sort());
    expect(f?.cookies).toMatch(/cross-site page: only cookies set with SameSite=None; Secure ride along/);
    expect(f?.browsers).toEqual({ chromium: true, firefox: true, webkit: true });
    expect(f?.evidence[0]?.request.headers).toContainEqual(['Origin', 'https://corsproof-probe.invalid']);
    expect(f?.evidence[0]?.response.headers).toContainEqual(['Access-Control-Allow-Origin', 'https://corsproof-probe.invalid']);
  });

  it.each([
    [[], /nothing to scan/],
    [['http://x.test/', '--fail-on', 'severe'], /--fail-on must be one of high, medium, low, info/],
    [['http://x.test/', '--origin', 'https://app.example.com/'], /did you mean 'https:\/\/app.example.com'/],
    [['http://x.test/', '--concurrency', '0'], /--concurrency must be a whole number/],
    [['ftp://x.test/'], /.+/],
  ])('bad usage %j: exit 2, one line, no stack', async (args, message) => {
    const r = await runCli(['scan', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a URL list: routes by line, a bad line reported in errors, the rest scanned', async () => {
    const list = join(dir, 'routes.txt');
    writeFileSync(list, `# routes\n${url.reflect}\nnot a url\nGET ${url.wildcard}\n`);
    const sarif = join(dir, 'out.sarif');
    const { json } = await scanJson(['--urls', list, ...ORIGIN, '--sarif', sarif]);
    expect(json.targets.map((t) => t.url)).toEqual([url.reflect, url.wildcard]);
    expect(json.errors).toEqual([expect.objectContaining({ url: `${list}:3`, kind: 'input' })]);
    const log = JSON.parse(readFileSync(sarif, 'utf8')) as { runs: Array<{ results: Array<{ ruleId: string; locations: Array<{ physicalLocation: { region: { startLine: number } } }> }> }> };
    const high = log.runs[0]?.results.find((r) => r.ruleId === 'reflects-any-origin');
    expect(high?.locations[0]?.physicalLocation.region.startLine).toBe(2);
    expect((high as unknown as { properties: { browsers: unknown } }).properties.browsers).toEqual({ chromium: true, firefox: true, webkit: true });
  });

  it('the human report says which browsers read a high or medium finding, WebKit among them', async () => {
    const r = await runCli(['scan', url.reflect as string, ...ORIGIN]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/HIGH {3}reflects-any-origin \(readable in Chromium, Firefox and WebKit\)\n/);
  });
});
