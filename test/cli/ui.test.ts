/**
 * `corsproof ui`: the built CLI in a child process, as a user runs it. The
 * printed URL, the page's files and headers, every refusal that keeps other
 * websites from using the server as a proxy (Host, Origin, token), the live
 * check against the demo APIs (the same JSON as `check --json`), the address
 * it binds, and Ctrl-C.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { request } from 'node:http';
import { connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningDemo } from '../../src/demo/servers.js';
import { startDemos, stopDemos } from '../../src/demo/servers.js';
import { bin, root, runCli } from './run-cli.js';

interface Ui {
  child: ChildProcessWithoutNullStreams;
  /** The URL as printed. */
  url: string;
  port: number;
  token: string;
  stdout: () => string;
  /** Ctrl-C; resolves with the exit code and everything printed. */
  stop: () => Promise<{ code: number | null; stdout: string }>;
}

/** Start `corsproof ui <args>` and wait for its URL. */
function startUi(args: string[] = []): Promise<Ui> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'ui', ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /http:\/\/127\.0\.0\.1:(\d+)\/#token=([0-9a-f]+)/.exec(stdout);
      if (m === null) return;
      resolve({
        child,
        url: m[0],
        port: Number(m[1]),
        token: m[2] as string,
        stdout: () => stdout,
        stop: async () => {
          child.kill('SIGINT');
          return { code: await exited, stdout };
        },
      });
    });
    void exited.then((code) => reject(new Error(`corsproof ui exited (${code}) before printing its URL:\n${stdout}${stderr}`)));
  });
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request to the server, headers exactly as given (Host included). */
function send(port: number, path: string, init: { method?: string; headers?: Record<string, string>; body?: string; host?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: init.host ?? '127.0.0.1', port, path, method: init.method ?? 'GET', headers: { Host: `127.0.0.1:${port}`, ...init.headers }, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

/** Whether a TCP connection to host:port opens. */
function opens(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

const CORS_HEADER = /^access-control-/i;

/** A report without its Date header lines (two runs of the same check differ only there). */
function undated(value: unknown): unknown {
  if (!Array.isArray(value)) {
    if (typeof value !== 'object' || value === null) return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, undated(v)]));
  }
  return value.filter((e) => !(Array.isArray(e) && e.length === 2 && String(e[0]).toLowerCase() === 'date')).map(undated);
}

describe('corsproof ui', () => {
  let ui: Ui;
  let own: string;
  let auth: Record<string, string>;

  beforeAll(async () => {
    ui = await startUi();
    own = `http://127.0.0.1:${ui.port}`;
    auth = { 'X-Corsproof-Token': ui.token };
  });
  afterAll(async () => {
    await ui?.stop();
  });

  it('prints the page URL on 127.0.0.1 with a per-launch token in the fragment, and opens no browser', async () => {
    expect(ui.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]{64}$/);
    expect(ui.stdout()).toContain('Ctrl-C stops');
    const other = await startUi();
    try {
      expect(other.token).not.toBe(ui.token);
      expect(other.port).not.toBe(ui.port);
    } finally {
      await other.stop();
    }
  });

  it('serves the built page with its CSP (no inline script), nosniff and no framing; assets by their hashed names only', async () => {
    const page = await send(ui.port, '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(Object.keys(page.headers).filter((h) => CORS_HEADER.test(h))).toEqual([]);
    const script = /<script defer src="(main-[A-Z0-9]+\.js)"><\/script>/.exec(page.body)?.[1];
    const style = /<link rel="stylesheet" href="(style-[A-Z0-9]+\.css)">/.exec(page.body)?.[1];
    expect(script).toBeDefined();
    expect(style).toBeDefined();
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const js = await send(ui.port, `/${script}`);
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['x-content-type-options']).toBe('nosniff');
    expect((await send(ui.port, `/${style}`)).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await send(ui.port, '/main.ts')).status).toBe(404);
    expect((await send(ui.port, '/../package.json')).status).toBe(404);
    expect((await send(ui.port, '/%2e%2e/package.json')).status).toBe(404);
    expect((await send(ui.port, '/', { method: 'POST' })).status).toBe(405);
  });

  it('refuses every request whose Host is not 127.0.0.1:PORT or localhost:PORT (DNS rebinding): 421', async () => {
    for (const host of ['evil.example', `evil.example:${ui.port}`, `127.0.0.1:${ui.port + 1}`, '127.0.0.1', `attacker.localhost:${ui.port}`, `0.0.0.0:${ui.port}`]) {
      for (const path of ['/', '/api/health']) {
        const r = await send(ui.port, path, { headers: { Host: host, ...auth } });
        expect(r.status, `${host} ${path}`).toBe(421);
        expect(r.body).toMatch(/^Misdirected Request: this server answers only as 127\.0\.0\.1:\d+ or localhost:\d+/);
        expect(r.body.split('\n').length).toBeLessThanOrEqual(2);
      }
    }
    expect((await send(ui.port, '/', { headers: { Host: `localhost:${ui.port}` } })).status).toBe(200);
    expect((await send(ui.port, '/api/health', { headers: { Host: `LOCALHOST:${ui.port}`, ...auth } })).status).toBe(200);
  });

  it("refuses API calls from any Origin but the server's own, and cross-site fetch metadata: 403", async () => {
    for (const origin of ['http://evil.example', 'null', `http://127.0.0.1:${ui.port + 1}`, `https://127.0.0.1:${ui.port}`, `http://localhost:${ui.port}`]) {
      const r = await send(ui.port, '/api/health', { headers: { Origin: origin, ...auth } });
      expect(r.status, origin).toBe(403);
      expect(r.body).toContain(`Forbidden: the API answers only its own page (${own}), not Origin ${origin}`);
    }
    const crossSite = await send(ui.port, '/api/health', { headers: { 'Sec-Fetch-Site': 'cross-site', ...auth } });
    expect(crossSite.status).toBe(403);
    expect(crossSite.body).toContain('Sec-Fetch-Site: cross-site');
    expect((await send(ui.port, '/api/health', { headers: { 'Sec-Fetch-Site': 'same-site', ...auth } })).status).toBe(403);
    // The page's own calls: Origin (POST), or none with Sec-Fetch-Site: same-origin (GET).
    expect((await send(ui.port, '/api/health', { headers: { Origin: own, ...auth } })).status).toBe(200);
    expect((await send(ui.port, '/api/health', { headers: { 'Sec-Fetch-Site': 'same-origin', ...auth } })).status).toBe(200);
    const viaLocalhost = await send(ui.port, '/api/health', { headers: { Host: `localhost:${ui.port}`, Origin: `http://localhost:${ui.port}`, ...auth } });
    expect(viaLocalhost.status).toBe(200);
  });

  it('requires the token on every API call: 403 without it or with a wrong one', async () => {
    const wrong = ui.token.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    for (const headers of [{}, { 'X-Corsproof-Token': '' }, { 'X-Corsproof-Token': wrong }, { 'X-Corsproof-Token': ui.token.slice(0, 10) }, { Authorization: `Bearer ${ui.token}` }] as Array<Record<string, string>>) {
      for (const [method, path] of [['GET', '/api/health'], ['POST', '/api/check']] as const) {
        const r = await send(ui.port, path, { method, headers: { ...headers, Origin: own, 'Content-Type': 'application/json' }, body: method === 'POST' ? '{}' : undefined });
        expect(r.status, `${method} ${JSON.stringify(headers)}`).toBe(403);
        expect(r.body.trim()).toBe('Forbidden: missing or wrong X-Corsproof-Token (the token is in the URL corsproof ui printed)');
      }
    }
    const ok = await send(ui.port, '/api/health', { headers: auth });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ live: true });
    expect(ok.headers['cache-control']).toBe('no-store');
  });

  it('sends no CORS headers on the API, so no other origin can read an answer (its preflight is refused too)', async () => {
    const preflight = await send(ui.port, '/api/check', {
      method: 'OPTIONS',
      headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,x-corsproof-token' },
    });
    expect(preflight.status).toBe(403);
    const answers = [preflight, await send(ui.port, '/api/health', { headers: auth }), await send(ui.port, '/api/health', { headers: { ...auth, Origin: own } })];
    for (const a of answers) expect(Object.keys(a.headers).filter((h) => CORS_HEADER.test(h))).toEqual([]);
  });

  it('answers bad API calls with a short reason', async () => {
    const post = (body: string, type = 'application/json'): Promise<Answer> =>
      send(ui.port, '/api/check', { method: 'POST', headers: { ...auth, Origin: own, 'Content-Type': type }, body });
    expect((await post('{}', 'text/plain')).status).toBe(415);
    const notJson = await post('{');
    expect(notJson.status).toBe(400);
    expect(JSON.parse(notJson.body)).toEqual({ error: { kind: 'invalid', message: 'the body is not JSON' } });
    const badUrl = await post(JSON.stringify({ url: 'ftp://x.example/', origin: 'https://app.example' }));
    expect(badUrl.status).toBe(400);
    expect(JSON.parse(badUrl.body)).toMatchObject({ error: { kind: 'invalid', field: 'request.url' } });
    expect((await post(JSON.stringify({ url: 'http://a.example/', origin: 'x'.repeat(70_000) }))).status).toBe(413);
    expect((await send(ui.port, '/api/check', { headers: auth })).status).toBe(405);
    expect((await send(ui.port, '/api/nothing', { headers: auth })).status).toBe(404);
  });

  describe('the live check', () => {
    const PAGE = 'https://app.example';
    let demos: RunningDemo[] = [];
    beforeAll(async () => {
      demos = await startDemos(PAGE);
    });
    afterAll(async () => {
      await stopDemos(demos);
    });

    for (const id of ['wildcard-credentials', 'auth-before-cors', 'fixed-with-corsproof']) {
      it(`POST /api/check answers the demo API '${id}' with what check --json prints`, async () => {
        const demo = demos.find((d) => d.demo.id === id);
        if (demo === undefined) throw new Error(`no demo ${id}`);
        const request = { url: demo.url, origin: PAGE, method: demo.demo.method, headers: demo.demo.headers, credentials: demo.demo.credentials, initiator: 'fetch' };
        const r = await send(ui.port, '/api/check', { method: 'POST', headers: { ...auth, Origin: own, 'Content-Type': 'application/json' }, body: JSON.stringify(request) });
        expect(r.status, r.body).toBe(200);
        const live = JSON.parse(r.body) as { verdict: { ok: boolean }; [key: string]: unknown };
        const args = ['check', demo.url, '--origin', PAGE, '--method', demo.demo.method, '--credentials', demo.demo.credentials, '--json'];
        for (const [n, v] of demo.demo.headers) args.push('-H', `${n}: ${v}`);
        const cli = await runCli(args);
        const { corsproofVersion, browserVersions, ...printed } = JSON.parse(cli.stdout) as Record<string, unknown>;
        // The CLI's JSON outputs carry the stamp first; the page's own API does not (the page has its versions).
        expect([typeof corsproofVersion, typeof browserVersions]).toEqual(['string', 'object']);
        expect(Object.keys(live)).toEqual(Object.keys(printed));
        for (const key of ['verdict', 'scenario', 'layers', 'cookies', 'exposure', 'recipes', 'remarks', 'ifCredentialed']) expect(undated(live[key]), key).toEqual(undated(printed[key]));
        expect(live.verdict.ok).toBe(id === 'fixed-with-corsproof');
      });
    }

    it('answers a request that does not complete with 502 and the network failure, as check --json prints it', async () => {
      const closed = createServer();
      await new Promise<void>((res) => closed.listen(0, '127.0.0.1', () => res()));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((res) => closed.close(() => res()));
      const body = JSON.stringify({ url: `http://127.0.0.1:${port}/x`, origin: PAGE, method: 'GET', headers: [], credentials: 'same-origin' });
      const r = await send(ui.port, '/api/check', { method: 'POST', headers: { ...auth, Origin: own, 'Content-Type': 'application/json' }, body });
      expect(r.status).toBe(502);
      expect(JSON.parse(r.body)).toMatchObject({ error: { kind: 'refused', url: `http://127.0.0.1:${port}/x` } });
    });
  });

  it('listens on 127.0.0.1 only', async () => {
    expect(await opens('127.0.0.1', ui.port)).toBe(true);
    // Bound to 0.0.0.0 (or ::), these would connect: the rest of 127/8, IPv6 loopback, the machine's own addresses.
    expect(await opens('127.0.0.2', ui.port)).toBe(false);
    expect(await opens('::1', ui.port)).toBe(false);
    const own = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a !== undefined && !a.internal)
      .map((a) => a!.address);
    for (const address of own) expect(await opens(address, ui.port), address).toBe(false);
  });
});

describe('corsproof ui options and shutdown', () => {
  it('--port listens there; a port in use is a usage error (exit 2)', async () => {
    const probe = createServer();
    await new Promise<void>((res) => probe.listen(0, '127.0.0.1', () => res()));
    const port = (probe.address() as AddressInfo).port;
    const busy = await runCli(['ui', '--port', String(port)]);
    expect(busy.code).toBe(2);
    expect(busy.stderr).toBe(`corsproof: --port ${port}: the port is in use\n`);
    await new Promise<void>((res) => probe.close(() => res()));
    const ui = await startUi(['--port', String(port)]);
    expect(ui.port).toBe(port);
    await ui.stop();
    const bad = await runCli(['ui', '--port', 'eighty']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--port must be a port number (0 to 65535), not 'eighty'");
  });

  it('stops cleanly on Ctrl-C (SIGINT): exit 0, the port closed', async () => {
    const ui = await startUi();
    const { code, stdout } = await ui.stop();
    expect(code).toBe(0);
    expect(stdout).toContain('corsproof ui: stopped.');
    expect(await opens('127.0.0.1', ui.port)).toBe(false);
  });
});
