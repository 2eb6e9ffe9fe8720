/**
 * `corsproof check` and `scan` through proxies from the environment, as
 * curl reads them, against servers on loopback: a proxy written with
 * node:http that answers CONNECT (tunnels) and absolute-form requests
 * (forwards), counting both; it sends every host to 127.0.0.1, so the
 * targets are named `api.corsproof.test` (a name only the proxy resolves:
 * a direct connection would fail) and the CONNECT authority and the TLS
 * server name are names, as in real use. The targets send
 * Access-Control-Allow-Origin twice with mixed-case names: the raw lines
 * must survive the proxy path.
 */
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import selfsigned from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanJson } from '../../src/cli/scan.js';
import { runCli } from './run-cli.js';

const ORIGIN = ['--origin', 'https://app.example'];
const NAME = 'api.corsproof.test';

/** What a proxy did: tunnels opened, requests forwarded, the authorities and Proxy-Authorization values it saw. */
interface Counts {
  connects: number;
  forwards: number;
  seen: string[];
  auth: Array<string | undefined>;
}

interface TestProxy {
  port: number;
  counts: Counts;
}

const servers: HttpServer[] = [];
const sockets: Socket[] = [];
/** Requests each target answered, with the Host they named. */
const hits: Record<'http' | 'https', string[]> = { http: [], https: [] };
let ports: Record<'http' | 'https' | 'dead', number> = { http: 0, https: 0, dead: 0 };
let open: TestProxy;
let guarded: TestProxy;
let forbidding: TestProxy;
let tlsProxy: TestProxy;
let dir = '';
/** NODE_EXTRA_CA_CERTS for the children: the target's and the https proxy's self-signed certificates. */
let caFile = '';

async function listen(server: HttpServer): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  servers.push(server);
  return (server.address() as AddressInfo).port;
}

/** The target's first header lines, as it writes them. */
const LINES: Array<[string, string]> = [
  ['access-control-ALLOW-origin', 'https://app.example'],
  ['Access-Control-Allow-Origin', 'https://app.example'],
  ['X-Mixed-CASE', 'kept'],
  ['Content-Type', 'text/plain'],
];

/** The target: two Access-Control-Allow-Origin lines, names in mixed case, the Host it was asked for recorded. */
function target(kind: 'http' | 'https') {
  return (req: IncomingMessage, res: ServerResponse): void => {
    hits[kind].push(req.headers.host ?? '');
    res.writeHead(200, LINES);
    res.end('ok');
  };
}

/**
 * A proxy on loopback: CONNECT opens a tunnel to 127.0.0.1 at the asked
 * port, an absolute-form request is forwarded there; `auth`, when given,
 * is the Proxy-Authorization it requires (else 407); `refuse` answers every
 * CONNECT with that status.
 */
function makeProxy(options: { auth?: string; refuse?: number; tls?: { key: string; cert: string } } = {}): HttpServer & { counts: Counts } {
  const counts: Counts = { connects: 0, forwards: 0, seen: [], auth: [] };
  const denied = (header: string | undefined): boolean => options.auth !== undefined && header !== options.auth;
  const forward = (req: IncomingMessage, res: ServerResponse): void => {
    counts.forwards++;
    counts.seen.push(req.url ?? '');
    counts.auth.push(req.headers['proxy-authorization']);
    if (denied(req.headers['proxy-authorization'])) return void res.writeHead(407, { 'Proxy-Authenticate': 'Basic realm="corp"' }).end();
    const url = new URL(req.url ?? '');
    const upstream = connect(Number(url.port), '127.0.0.1', () => {
      // The request as it came, minus the proxy's own header, in origin form: the target answers through the proxy byte for byte.
      const lines = [`${req.method} ${url.pathname}${url.search} HTTP/1.1`];
      for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) if (!['proxy-authorization', 'connection'].includes(req.rawHeaders[i]?.toLowerCase() ?? '')) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(`${lines.join('\r\n')}\r\nConnection: close\r\n\r\n`);
      upstream.pipe(res.socket as Socket);
    });
    upstream.on('error', () => res.destroy());
  };
  const server = (options.tls ? createHttpsServer(options.tls, forward) : createHttpServer(forward)) as HttpServer & { counts: Counts };
  server.counts = counts;
  server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    counts.connects++;
    counts.seen.push(req.url ?? '');
    counts.auth.push(req.headers['proxy-authorization']);
    sockets.push(socket);
    socket.on('error', () => undefined);
    if (denied(req.headers['proxy-authorization'])) return void socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="corp"\r\nContent-Length: 0\r\n\r\n');
    if (options.refuse !== undefined) return void socket.end(`HTTP/1.1 ${options.refuse} Refused\r\nContent-Length: 0\r\n\r\n`);
    const upstream = connect(Number(new URL(`http://${req.url ?? ''}`).port), '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    sockets.push(upstream);
    upstream.on('error', () => socket.destroy());
  });
  return server;
}

async function startProxy(options: Parameters<typeof makeProxy>[0] = {}): Promise<TestProxy> {
  const server = makeProxy(options);
  return { port: await listen(server), counts: server.counts };
}

async function certificate(name: string): Promise<{ key: string; cert: string }> {
  const pems = await Promise.resolve(selfsigned.generate([{ name: 'commonName', value: name }], { notAfterDate: new Date(Date.now() + 86_400_000), keySize: 2048 }));
  return { key: pems.private, cert: pems.cert };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'corsproof-proxy-'));
  const targetPems = await certificate(NAME);
  const proxyPems = await certificate('localhost');
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, `${targetPems.cert}\n${proxyPems.cert}\n`);
  ports = {
    http: await listen(createHttpServer(target('http'))),
    https: await listen(createHttpsServer(targetPems, target('https'))),
    dead: 0,
  };
  const dead = createHttpServer();
  ports.dead = await listen(dead);
  await new Promise<void>((r) => dead.close(() => r()));
  open = await startProxy();
  guarded = await startProxy({ auth: `Basic ${Buffer.from('alice:s3cret:!').toString('base64')}` });
  forbidding = await startProxy({ refuse: 403 });
  tlsProxy = await startProxy({ tls: proxyPems });
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
  rmSync(dir, { recursive: true, force: true });
});

/** The environment of one run: no proxy variable of the outer environment leaks in; `vars` set. */
function env(vars: Record<string, string>): Record<string, string | undefined> {
  const cleared = Object.fromEntries(['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY', 'no_proxy', 'NO_PROXY'].map((n) => [n, undefined]));
  return { NO_COLOR: '1', ...cleared, ...vars };
}

const via = (p: TestProxy, scheme = 'http', credentials = ''): string => `${scheme}://${credentials}${scheme === 'https' ? 'localhost' : '127.0.0.1'}:${p.port}`;
const httpsUrl = (): string => `https://${NAME}:${ports.https}/data`;
const httpUrl = (): string => `http://${NAME}:${ports.http}/data`;

/** A snapshot of a proxy's counters, to compare after a run. */
function before(p: TestProxy): { connects: number; forwards: number } {
  return { connects: p.counts.connects, forwards: p.counts.forwards };
}

async function scanJson(args: string[], vars: Record<string, string>): Promise<{ code: number | null; json: ScanJson; stderr: string }> {
  const r = await runCli(['scan', ...args, '--json'], env(vars));
  return { code: r.code, json: JSON.parse(r.stdout) as ScanJson, stderr: r.stderr };
}

describe('through a proxy from the environment', () => {
  it('check: an https URL goes through a CONNECT tunnel (HTTPS_PROXY), the raw header lines intact', async () => {
    const was = before(open);
    const hitsBefore = hits.https.length;
    const r = await runCli(['check', httpsUrl(), ...ORIGIN, '--insecure'], env({ HTTPS_PROXY: via(open) }));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(open.counts.connects).toBeGreaterThan(was.connects);
    expect(open.counts.seen).toContain(`${NAME}:${ports.https}`);
    expect(hits.https.length).toBeGreaterThan(hitsBefore);
    expect(hits.https.at(-1)).toBe(`${NAME}:${ports.https}`);
    // Both lines, in their case and order: Firefox's and Chromium's verdicts on a header sent twice.
    expect(r.stdout).toContain('< access-control-ALLOW-origin: https://app.example\n  < Access-Control-Allow-Origin: https://app.example\n');
    expect(r.stdout).toContain('MultipleAllowOriginValues');
    const json = await runCli(['check', httpsUrl(), ...ORIGIN, '--insecure', '--json'], env({ HTTPS_PROXY: via(open) }));
    const { exchanges } = JSON.parse(json.stdout) as { exchanges: Array<{ headers: Array<[string, string]> }> };
    expect(exchanges[0]?.headers.slice(0, 4)).toEqual(LINES);
  });

  it('check: the certificate is checked against the server name inside the tunnel (no --insecure)', async () => {
    const trusted = await runCli(['check', httpsUrl(), ...ORIGIN], env({ HTTPS_PROXY: via(open), NODE_EXTRA_CA_CERTS: caFile }));
    expect(trusted.stderr).toBe('');
    expect(trusted.code).toBe(1);
    const other = await runCli(['check', `https://other.corsproof.test:${ports.https}/data`, ...ORIGIN, '--json'], env({ HTTPS_PROXY: via(open), NODE_EXTRA_CA_CERTS: caFile }));
    expect(other.code).toBe(3);
    const { error } = JSON.parse(other.stdout) as { error: { kind: string; message: string } };
    expect(error.kind).toBe('tls');
    expect(error.message).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID.*through the proxy 127\.0\.0\.1:\d+, from HTTPS_PROXY/);
  });

  it('check: an http URL is forwarded in absolute form (http_proxy), the raw header lines intact', async () => {
    const was = before(open);
    const r = await runCli(['check', httpUrl(), ...ORIGIN], env({ http_proxy: via(open) }));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(open.counts.forwards).toBeGreaterThan(was.forwards);
    expect(open.counts.connects).toBe(was.connects);
    expect(open.counts.seen.at(-1)).toMatch(new RegExp(`^http://${NAME.replace(/\./g, '\\.')}:${ports.http}/data$`));
    expect(r.stdout).toContain('< access-control-ALLOW-origin: https://app.example\n  < Access-Control-Allow-Origin: https://app.example');
    const json = await runCli(['check', httpUrl(), ...ORIGIN, '--json'], env({ http_proxy: via(open) }));
    const { exchanges } = JSON.parse(json.stdout) as { exchanges: Array<{ headers: Array<[string, string]> }> };
    expect(exchanges[0]?.headers.slice(0, 4)).toEqual(LINES);
  });

  it('scan: every request goes through the proxy, over kept-alive tunnels, and finds the header sent twice', async () => {
    const was = before(open);
    const hitsBefore = hits.https.length;
    const { code, json, stderr } = await scanJson([httpsUrl(), ...ORIGIN, '--insecure'], { https_proxy: via(open) });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(json.targets[0]?.status).toBe('scanned');
    expect(json.findings.map((f) => f.id)).toContain('multiple-allow-origin');
    const requests = json.targets[0]?.requests ?? 0;
    expect(hits.https.length - hitsBefore).toBe(requests);
    const tunnels = open.counts.connects - was.connects;
    expect(tunnels).toBeGreaterThan(0);
    expect(tunnels).toBeLessThan(requests);
  });

  it('scan: http routes are forwarded (http_proxy)', async () => {
    const was = before(open);
    const hitsBefore = hits.http.length;
    const { json } = await scanJson([httpUrl(), ...ORIGIN], { http_proxy: via(open) });
    expect(json.targets[0]?.status).toBe('scanned');
    expect(json.findings.map((f) => f.id)).toContain('multiple-allow-origin');
    expect(open.counts.forwards - was.forwards).toBe(json.targets[0]?.requests);
    expect(hits.http.length - hitsBefore).toBe(json.targets[0]?.requests);
  });

  it('an https:// proxy: TLS to the proxy, then the tunnel (its certificate checked, --insecure for the server only)', async () => {
    const was = before(tlsProxy);
    const r = await runCli(['check', httpsUrl(), ...ORIGIN, '--insecure'], env({ HTTPS_PROXY: via(tlsProxy, 'https'), NODE_EXTRA_CA_CERTS: caFile }));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(tlsProxy.counts.connects).toBeGreaterThan(was.connects);
    const untrusted = await runCli(['check', httpsUrl(), ...ORIGIN, '--insecure', '--json'], env({ HTTPS_PROXY: via(tlsProxy, 'https') }));
    expect(untrusted.code).toBe(3);
    expect((JSON.parse(untrusted.stdout) as { error: { kind: string; message: string } }).error).toMatchObject({ kind: 'proxy', message: expect.stringContaining(`The TLS connection to the proxy localhost:${tlsProxy.port}`) });
  });
});

describe('what goes directly', () => {
  it('NO_PROXY lists the host: no tunnel, a direct connection (here: a name only the proxy knows)', async () => {
    const was = before(open);
    for (const noProxy of [NAME, '.corsproof.test', 'corsproof.test', `*.corsproof.test`, `example.com, ${NAME}`, '*']) {
      const r = await runCli(['check', httpsUrl(), ...ORIGIN, '--insecure', '--json', '--timeout', '5'], env({ HTTPS_PROXY: via(open), NO_PROXY: noProxy }));
      expect(r.code, noProxy).toBe(3);
      expect((JSON.parse(r.stdout) as { error: { kind: string } }).error.kind, noProxy).toMatch(/^(dns|timeout)$/);
    }
    expect(before(open)).toEqual(was);
  });

  it('loopback goes directly (as in browsers) unless NO_PROXY says <-loopback>; NO_PROXY by IP address or CIDR', async () => {
    const url = `https://127.0.0.1:${ports.https}/data`;
    const was = before(open);
    const direct = await scanJson([url, ...ORIGIN, '--insecure'], { HTTPS_PROXY: via(open) });
    expect(direct.json.targets[0]?.status).toBe('scanned');
    expect(before(open)).toEqual(was);
    for (const noProxy of ['<-loopback>,127.0.0.1', '<-loopback>, 127.0.0.0/8', `<-loopback>,127.0.0.1:${ports.https}`]) {
      const r = await runCli(['check', url, ...ORIGIN, '--insecure'], env({ HTTPS_PROXY: via(open), NO_PROXY: noProxy }));
      expect(r.code, noProxy).toBe(1);
    }
    expect(before(open)).toEqual(was);
    const proxied = await runCli(['check', url, ...ORIGIN, '--insecure'], env({ HTTPS_PROXY: via(open), NO_PROXY: '<-loopback>' }));
    expect(proxied.code).toBe(1);
    expect(open.counts.connects).toBeGreaterThan(was.connects);
  });

  it('HTTP_PROXY in upper case is ignored for http URLs (httpoxy), as curl ignores it; http_proxy is not', async () => {
    const url = `http://127.0.0.1:${ports.http}/data`;
    const was = before(open);
    const upper = await runCli(['check', url, ...ORIGIN], env({ HTTP_PROXY: via(open), NO_PROXY: '<-loopback>' }));
    expect(upper.code).toBe(1);
    expect(before(open)).toEqual(was);
    const lower = await runCli(['check', url, ...ORIGIN], env({ http_proxy: via(open), NO_PROXY: '<-loopback>' }));
    expect(lower.code).toBe(1);
    expect(open.counts.forwards).toBeGreaterThan(was.forwards);
  });
});

describe('a proxy that refuses or is not there', () => {
  it('407 to the CONNECT: exit 3, the proxy named (never the password), credentials from the variable accepted', async () => {
    const r = await runCli(['check', httpsUrl(), ...ORIGIN, '--insecure'], env({ HTTPS_PROXY: via(guarded) }));
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`The proxy 127.0.0.1:${guarded.port} (from HTTPS_PROXY) refused the tunnel to ${NAME}:${ports.https}: it answered 407 Proxy Authentication Required. It wants credentials`);
    const wrong = await runCli(['check', httpsUrl(), ...ORIGIN, '--insecure'], env({ HTTPS_PROXY: via(guarded, 'http', 'alice:wrong-pass@') }));
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toContain('did not accept the user name and password in HTTPS_PROXY');
    expect(wrong.stderr).not.toContain('wrong-pass');
    const right = await runCli(['check', httpsUrl(), ...ORIGIN, '--insecure'], env({ HTTPS_PROXY: via(guarded, 'http', 'alice:s3cret%3A%21@') }));
    expect(right.stderr).toBe('');
    expect(right.code).toBe(1);
  });

  it('407 to a forwarded http request: exit 3 with the proxy named, not a 407 "from the server"', async () => {
    const r = await runCli(['check', httpUrl(), ...ORIGIN, '--json'], env({ http_proxy: via(guarded) }));
    expect(r.code).toBe(3);
    expect((JSON.parse(r.stdout) as { error: { kind: string; message: string } }).error).toMatchObject({ kind: 'proxy', message: expect.stringContaining(`The proxy 127.0.0.1:${guarded.port} (from http_proxy) refused to forward the request`) });
  });

  it('scan: the route fails with kind proxy (407, 403)', async () => {
    const auth = await scanJson([httpsUrl(), ...ORIGIN, '--insecure'], { HTTPS_PROXY: via(guarded) });
    expect(auth.code).toBe(3);
    expect(auth.json.errors.map((e) => e.kind)).toEqual(['proxy']);
    expect(auth.json.errors[0]?.message).toContain('answered 407');
    const forbidden = await scanJson([httpsUrl(), ...ORIGIN, '--insecure'], { HTTPS_PROXY: via(forbidding) });
    expect(forbidden.json.targets[0]?.status).toBe('proxy');
    expect(forbidden.json.errors[0]?.message).toContain('answered 403 Refused. Its policy forbids this destination');
  });

  it('a dead proxy: refused, naming the proxy and the variable (check and scan)', async () => {
    const r = await runCli(['check', httpsUrl(), ...ORIGIN, '--json'], env({ HTTPS_PROXY: `http://u:hunter2@127.0.0.1:${ports.dead}` }));
    expect(r.code).toBe(3);
    const { error } = JSON.parse(r.stdout) as { error: { kind: string; message: string } };
    expect(error.kind).toBe('refused');
    expect(error.message).toContain(`Nothing accepts connections at the proxy 127.0.0.1:${ports.dead} (from HTTPS_PROXY`);
    expect(r.stdout).not.toContain('hunter2');
    const forwarded = await scanJson([httpUrl(), ...ORIGIN], { http_proxy: `127.0.0.1:${ports.dead}` });
    expect(forwarded.json.errors.map((e) => [e.kind, e.message.includes(`the proxy 127.0.0.1:${ports.dead} (from http_proxy)`)])).toEqual([['refused', true]]);
  });

  it('a SOCKS proxy in ALL_PROXY is named, not silently bypassed', async () => {
    const r = await runCli(['check', httpsUrl(), ...ORIGIN], env({ ALL_PROXY: 'socks5h://127.0.0.1:1080' }));
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('ALL_PROXY names a SOCKS proxy (socks5h://)');
  });
});
