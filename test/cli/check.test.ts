/**
 * `corsproof check` against real servers on loopback: the built CLI in a
 * child process, as a user runs it.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root, runCli } from './run-cli.js';

const run = runCli;
const PAGE = 'https://app.example';

const seen: Array<{ method: string; origin?: string; acrm?: string; acrh?: string; path?: string; cookie?: string }> = [];

function app(req: IncomingMessage, res: ServerResponse): void {
  const path = req.url ?? '/';
  seen.push({ method: req.method ?? '', origin: req.headers.origin, acrm: req.headers['access-control-request-method'] as string | undefined, acrh: req.headers['access-control-request-headers'] as string | undefined });
  sent.push({ method: req.method ?? '', path, origin: req.headers.origin, cookie: req.headers.cookie, authorization: req.headers.authorization, ifNoneMatch: req.headers['if-none-match'] });
  if (path === '/preflight-refused') {
    // A preflight refused by auth; the DELETE behind it must never arrive.
    res.statusCode = req.method === 'OPTIONS' ? 403 : 200;
    res.end();
  } else if (path === '/to-other-origin') {
    res.writeHead(302, { Location: `${other}/reflect`, 'Access-Control-Allow-Origin': PAGE });
    res.end();
  } else if (path === '/reflect-credentials') {
    // Sends back any Origin, with credentials and every method: the classic misconfiguration.
    const origin = req.headers.origin ?? '';
    res.writeHead(req.method === 'OPTIONS' ? 204 : 200, { 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true', 'Access-Control-Allow-Methods': 'GET, PUT' });
    res.end();
  } else if (path === '/reflect') {
    res.writeHead(200, { 'Access-Control-Allow-Origin': req.headers.origin ?? '' });
    res.end('ok');
  } else if (path === '/post-moved') {
    res.writeHead(301, { Location: '/reflect', 'Access-Control-Allow-Origin': PAGE });
    res.end();
  } else if (path === '/needs-cookie') {
    const cors = { 'Access-Control-Allow-Origin': PAGE, 'Access-Control-Allow-Credentials': 'true' };
    if (req.method === 'OPTIONS') res.writeHead(204, { ...cors, 'Access-Control-Allow-Headers': 'x-api-key' });
    else res.writeHead(req.headers.cookie === 'sid=abc' ? 200 : 401, cors);
    res.end();
  } else if (path === '/big-head') {
    res.writeHead(200, { 'Access-Control-Allow-Origin': PAGE, 'Content-Security-Policy': `default-src 'self' ${'x'.repeat(17_000)}` });
    res.end();
  } else if (path === '/moved' || path === '/moved-here') {
    // The preflight to /moved passes; the request is redirected; the preflight to the new URL gets 404.
    res.setHeader('Access-Control-Allow-Origin', PAGE);
    if (req.method === 'OPTIONS') {
      res.statusCode = path === '/moved' ? 204 : 404;
      if (path === '/moved') res.setHeader('Access-Control-Allow-Methods', 'PUT');
      res.end();
    } else if (path === '/moved') {
      res.writeHead(307, { Location: '/moved-here' });
      res.end();
    } else {
      res.end('ok');
    }
  } else if (path === '/wildcard') {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.end('ok');
  } else if (path === '/good') {
    res.setHeader('Access-Control-Allow-Origin', PAGE);
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader('Access-Control-Allow-Methods', 'PUT');
    res.setHeader('Access-Control-Allow-Headers', 'content-type');
    res.statusCode = req.method === 'OPTIONS' ? 204 : 200;
    res.end();
  } else if (path === '/twice') {
    res.writeHead(200, [['Access-Control-Allow-Origin', PAGE], ['Access-Control-Allow-Origin', PAGE]]);
    res.end('ok');
  } else if (path === '/layered') {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { Server: 'nginx/1.24.0', 'Access-Control-Allow-Origin': PAGE, 'Access-Control-Allow-Methods': 'PUT' });
    } else {
      res.writeHead(500, { 'X-Powered-By': 'Express' });
    }
    res.end();
  } else if (path === '/cookie') {
    res.writeHead(200, { 'Access-Control-Allow-Origin': PAGE, 'Access-Control-Allow-Credentials': 'true', 'Set-Cookie': 'sid=1; Path=/' });
    res.end('ok');
  } else if (path === '/auth-first') {
    res.statusCode = 401;
    res.end('login');
  } else if (path === '/star-with-origin' || path === '/star-always') {
    // Chromium's case: '*' only when Origin is present, cacheable, no Vary. An <img> then fetch() of it is blocked.
    res.setHeader('Cache-Control', 'public, max-age=600');
    if (req.headers.origin !== undefined || path === '/star-always') res.setHeader('Access-Control-Allow-Origin', '*');
    if (req.method === 'OPTIONS') res.setHeader('Access-Control-Allow-Headers', 'authorization');
    res.end('ok');
  } else if (path === '/named-cached' || path === '/named-cached-vary') {
    // One allowed origin, named only when asked; the fixed one says Vary: Origin on every answer.
    res.setHeader('Cache-Control', 'max-age=600');
    if (path === '/named-cached-vary' || req.headers.origin !== undefined) res.setHeader('Vary', 'Origin');
    if (req.headers.origin === PAGE) res.setHeader('Access-Control-Allow-Origin', PAGE);
    res.end('ok');
  } else if (path === '/revalidate' || path === '/revalidate-cors-on-304') {
    // Must be revalidated; the 304 drops the CORS headers (like a layer that adds them to 2xx only), or keeps them.
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('ETag', '"v1"');
    const cors = req.headers.origin !== undefined;
    if (req.headers['if-none-match'] === '"v1"') {
      if (cors && path === '/revalidate-cors-on-304') res.setHeader('Access-Control-Allow-Origin', '*');
      res.statusCode = 304;
      res.end();
      return;
    }
    if (cors) res.setHeader('Access-Control-Allow-Origin', '*');
    res.end('ok');
  } else if (path === '/redirect') {
    res.writeHead(302, { Location: '/wildcard', 'Access-Control-Allow-Origin': '*' });
    res.end();
  } else {
    res.statusCode = 404;
    res.end();
  }
}

/** Every request the app received, with its path and cookies. */
const sent: Array<{ method: string; path: string; origin?: string; cookie?: string; authorization?: string; ifNoneMatch?: string }> = [];
let server: Server;
let otherServer: Server;
let silent: NetServer;
let base = '';
/** The same app on another port: another origin. */
let other = '';
let silentPort = 0;
const sockets: Socket[] = [];

beforeAll(async () => {
  server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  otherServer = createServer(app);
  await new Promise<void>((r) => otherServer.listen(0, '127.0.0.1', () => r()));
  other = `http://127.0.0.1:${(otherServer.address() as AddressInfo).port}`;
  silent = createNetServer((socket) => {
    socket.on('error', () => undefined); // the client gives up after --timeout
    sockets.push(socket); // accepts, never answers
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  silentPort = (silent.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  otherServer.closeAllConnections();
  await new Promise<void>((r) => otherServer.close(() => r()));
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((r) => silent.close(() => r()));
});

describe('corsproof check', () => {
  it("finds '*' with credentials: exit 1, both browsers' errors, the fix", async () => {
    const r = await run(['check', `${base}/wildcard`, '--origin', PAGE, '--credentials', 'include']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('WildcardOriginNotAllowed');
    expect(r.stdout).toContain('CORSNotSupportingCredentials');
    expect(r.stdout).toContain(`Access-Control-Allow-Origin: ${PAGE}`);
  });
  it('sends the preflight the browser would send, then the request: exit 0 when allowed', async () => {
    seen.length = 0;
    const r = await run(['check', `${base}/good`, '--origin', PAGE, '--method', 'put', '-H', 'Content-Type: application/json', '--credentials', 'include', '--json']);
    expect(r.code).toBe(0);
    expect(seen[0]).toEqual({ method: 'OPTIONS', origin: PAGE, acrm: 'PUT', acrh: 'content-type' });
    expect(seen[1]).toMatchObject({ method: 'PUT', origin: PAGE });
    const out = JSON.parse(r.stdout);
    expect(out.verdict.ok).toBe(true);
    expect(out.exchanges).toHaveLength(2);
  });
  it('keeps repeated header lines: two Access-Control-Allow-Origin lines', async () => {
    const r = await run(['check', `${base}/twice`, '--origin', PAGE, '--json']);
    expect(r.code).toBe(1);
    const v = JSON.parse(r.stdout).verdict;
    expect(v.firefox.reason).toBe('CORSMultipleAllowOriginNotAllowed');
    expect(v.chromium.corsError).toBe('MultipleAllowOriginValues');
  });
  it('a preflight answered 401 by auth that runs before CORS', async () => {
    const r = await run(['check', `${base}/auth-first`, '--origin', PAGE, '--method', 'DELETE', '--json']);
    expect(r.code).toBe(1);
    const v = JSON.parse(r.stdout).verdict;
    expect(v.failedAt).toBe('preflight');
    expect(v.chromium.corsError).toBe('PreflightMissingAllowOriginHeader');
    expect(v.firefox.message).toContain('Status code: 401.');
  });
  it('names the layers that answered and flags a preflight and a response from different layers', async () => {
    const r = await run(['check', `${base}/layered`, '--origin', PAGE, '--method', 'PUT']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('answered by: nginx');
    expect(r.stdout).toContain('answered by: Express');
    expect(r.stdout).toContain('preflight: nginx; response: Express');
    expect(r.stdout).toContain('MissingAllowOriginHeader');
  });
  it('says when CORS passes but the cookie will not be sent', async () => {
    const r = await run(['check', `${base}/cookie`, '--origin', PAGE, '--credentials', 'include']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Allowed');
    expect(r.stdout).toContain('even though CORS passes');
  });
  it('prints the fix for the detected stack, or the one --stack names', async () => {
    const detected = await run(['check', `${base}/layered`, '--origin', PAGE, '--method', 'PUT']);
    expect(detected.stdout).toMatch(/Fix for .*(corsproof\/express|cors)/);
    expect(detected.stdout).toContain(`'${PAGE}'`);
    const all = JSON.parse((await run(['check', `${base}/layered`, '--origin', PAGE, '--method', 'PUT', '--json'])).stdout).recipes;
    expect(all.map((r: { id: string }) => r.id)).toEqual(['corsproof-express', 'express-cors', 'nginx']);
    const chosen = await run(['check', `${base}/wildcard`, '--origin', PAGE, '--credentials', 'include', '--stack', 'django', '--json']);
    const recipes = JSON.parse(chosen.stdout).recipes;
    expect(recipes[0].id).toBe('django');
    expect(recipes[0].snippet).toContain('CORS_ALLOW_CREDENTIALS = True');
    expect(recipes[0].snippet).toContain(PAGE);
    expect((await run(['check', `${base}/wildcard`, '--origin', PAGE, '--stack', 'cobol'])).code).toBe(2);
  });
  it('follows redirects hop by hop', async () => {
    const r = await run(['check', `${base}/redirect`, '--origin', PAGE, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).exchanges).toHaveLength(2);
  });
  it("sends each redirect target's own preflight, as the browser does", async () => {
    seen.length = 0;
    const r = await run(['check', `${base}/moved`, '--origin', PAGE, '--method', 'PUT', '--json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { exchanges: Array<{ request: { method: string; url: string }; status: number }>; verdict: { failedAt: string; chromium: { corsError: string } } };
    expect(out.exchanges.map((e) => `${e.request.method} ${new URL(e.request.url).pathname} ${e.status}`)).toEqual([
      'OPTIONS /moved 204',
      'PUT /moved 307',
      'OPTIONS /moved-here 404',
    ]); // the PUT to /moved-here is not sent: its preflight failed, so the browser never sends it
    expect([out.verdict.failedAt, out.verdict.chromium.corsError]).toEqual(['preflight', 'PreflightInvalidStatus']);
  });
  it('never sends what the browser would not: no DELETE after its preflight failed', async () => {
    sent.length = 0;
    const r = await run(['check', `${base}/preflight-refused`, '--origin', PAGE, '--method', 'DELETE', '--json']);
    expect(r.code).toBe(1);
    expect(sent.map((x) => `${x.method} ${x.path}`)).toEqual(['OPTIONS /preflight-refused']);
    expect(JSON.parse(r.stdout).verdict.failedAt).toBe('preflight');
  });
  it("sends Origin: null after a redirect to another origin, and the POST a 301 turns into a GET, as the browser does", async () => {
    sent.length = 0;
    const tainted = await run(['check', `${base}/to-other-origin`, '--origin', PAGE, '--json', '--no-probe']);
    expect(sent.map((x) => `${x.method} ${x.path} ${x.origin}`)).toEqual([`GET /to-other-origin ${PAGE}`, 'GET /reflect null']);
    expect([tainted.code, JSON.parse(tainted.stdout).verdict.ok]).toEqual([0, true]);
    sent.length = 0;
    await run(['check', `${base}/post-moved`, '--origin', PAGE, '--method', 'POST', '-H', 'Content-Type: text/plain', '--json', '--no-probe']);
    expect(sent.map((x) => `${x.method} ${x.path}`)).toEqual(['POST /post-moved', 'GET /reflect']);
  });
  it('--curl: sends the copied Cookie with the request (not the preflight)', async () => {
    sent.length = 0;
    const curl = `curl '${base}/needs-cookie' -H 'Origin: ${PAGE}' -H 'Cookie: sid=abc' -H 'X-Api-Key: k'`;
    const r = await run(['check', '--curl', curl, '--json']);
    expect(r.code).toBe(0);
    // The preflight, the request with the cookie, the probe from a foreign origin (a preflight, no cookie), then the GET without Origin (no cookie).
    expect(sent.map((x) => `${x.method} ${x.cookie} ${x.origin}`)).toEqual([`OPTIONS undefined ${PAGE}`, `GET sid=abc ${PAGE}`, 'OPTIONS undefined https://corsproof-probe.invalid', 'GET undefined undefined']);
    expect(JSON.parse(r.stdout).remarks.join(' ')).toContain('never with a preflight');
  });
  it('probes once from a foreign origin, without side effects, and says when the server allows any origin', async () => {
    sent.length = 0;
    const reflected = await run(['check', `${base}/reflect-credentials`, '--origin', PAGE, '--credentials', 'include', '--json']);
    const out = JSON.parse(reflected.stdout) as { verdict: { ok: boolean }; exposure: Array<{ id: string; severity: string }>; probe: { request: { method: string } } };
    expect([reflected.code, out.verdict.ok]).toEqual([0, true]);
    // The answer without Origin (Access-Control-Allow-Origin empty, no Cache-Control) is reusable only by a CDN with a default TTL: a warning.
    expect(out.exposure.map((f) => `${f.id} ${f.severity}`)).toEqual(['reflects-any-origin error', 'missing-vary-origin warning', 'missing-vary-origin warning']);
    // The same ids and security severities as corsproof scan (src/policy/findings.ts).
    expect((out.exposure as Array<{ security?: string }>).map((f) => f.security)).toEqual(['high', 'low', 'low']);
    expect(sent.map((x) => `${x.method} ${x.origin} ${x.cookie}`)).toEqual([`GET ${PAGE} undefined`, 'GET https://corsproof-probe.invalid undefined', 'GET undefined undefined']);
    // A PUT is probed with a preflight only; --no-probe sends nothing more.
    sent.length = 0;
    await run(['check', `${base}/reflect-credentials`, '--origin', PAGE, '--method', 'PUT']);
    expect(sent.map((x) => `${x.method} ${x.origin}`)).toEqual([`OPTIONS ${PAGE}`, `PUT ${PAGE}`, 'OPTIONS https://corsproof-probe.invalid']);
    sent.length = 0;
    const quiet = await run(['check', `${base}/reflect-credentials`, '--origin', PAGE, '--no-probe', '--json']);
    expect(sent).toHaveLength(1);
    expect(JSON.parse(quiet.stdout).probe).toBeNull();
    // An allow-list: nothing to say (no cache stores the answer to a PUT, so no Vary is needed).
    const listed = await run(['check', `${base}/good`, '--origin', PAGE, '--credentials', 'include', '--method', 'PUT', '-H', 'Content-Type: application/json', '--json']);
    expect(JSON.parse(listed.stdout).exposure).toEqual([]);
  });
  it('the answer to a GET naming the page without Vary: Origin: a cache may store it', async () => {
    const get = await run(['check', `${base}/good`, '--origin', PAGE, '--credentials', 'include', '--json', '--no-probe']);
    expect(JSON.parse(get.stdout).exposure).toEqual([
      { id: 'missing-vary-origin', severity: 'warning', security: 'low', cause: 'cors-response', fixHeaders: [['Vary', 'Origin']], message: expect.stringContaining('Vary: Origin') },
    ]);
  });
  it("flags an answer without Origin that a cache can hand to the page's request (Chromium: <img>, then fetch() blocked)", async () => {
    sent.length = 0;
    const r = await run(['check', `${base}/star-with-origin`, '--origin', PAGE, '--json']);
    expect(r.code).toBe(0); // the page's own request passes
    // The request, the probe, then the same GET without Origin or cookies.
    expect(sent.map((x) => `${x.method} ${x.origin} ${x.cookie}`)).toEqual([`GET ${PAGE} undefined`, 'GET https://corsproof-probe.invalid undefined', 'GET undefined undefined']);
    const out = JSON.parse(r.stdout) as { exposure: unknown[]; noOrigin: { request: { headers: string[][] }; status: number; headers: string[][] }; revalidation: unknown };
    expect(out.exposure).toEqual([
      {
        id: 'missing-vary-origin',
        severity: 'error',
        security: 'low',
        cause: 'no-origin-response',
        caches: { browser: 'fresh', shared: 'fresh' },
        fixHeaders: [['Access-Control-Allow-Origin', '*']],
        message: expect.stringContaining('Send `Access-Control-Allow-Origin: *` on every response'),
      },
    ]);
    expect([out.noOrigin.status, out.noOrigin.request.headers, out.revalidation]).toEqual([200, [['Accept', '*/*']], null]);
    const text = await run(['check', `${base}/star-with-origin`, '--origin', PAGE]);
    expect(text.stdout).toContain(`Exposure: GET ${base}/star-with-origin without Origin`);
    expect(text.stdout).toContain('got 200 with Cache-Control: public, max-age=600, no Access-Control-Allow-Origin and no Vary: Origin');
    expect(text.stdout).toContain('The response has no Access-Control-Allow-Origin header.');
    // Fixed: '*' on every response.
    const fixed = JSON.parse((await run(['check', `${base}/star-always`, '--origin', PAGE, '--json'])).stdout) as { exposure: unknown[]; noOrigin: { status: number } };
    expect([fixed.exposure, fixed.noOrigin.status]).toEqual([[], 200]);
  });
  it("leaves script's headers off the request without Origin (an <img> cannot send them); --no-probe sends none", async () => {
    sent.length = 0;
    const preflighted = await run(['check', `${base}/star-with-origin`, '--origin', PAGE, '-H', 'Authorization: Bearer x', '--json']);
    expect(JSON.parse(preflighted.stdout).exposure.map((f: { severity: string }) => f.severity)).toEqual(['error']);
    expect(sent.map((x) => `${x.method} ${x.origin} ${x.authorization}`).slice(-1)).toEqual(['GET undefined undefined']);
    sent.length = 0;
    await run(['check', `${base}/star-with-origin`, '--origin', PAGE, '--no-probe']);
    expect(sent.map((x) => `${x.method} ${x.origin}`)).toEqual([`GET ${PAGE}`]);
  });
  it('the same for an origin named only when asked; Vary: Origin on every answer fixes it; a PUT is never sent again', async () => {
    const named = JSON.parse((await run(['check', `${base}/named-cached`, '--origin', PAGE, '--json'])).stdout) as { exposure: Array<{ severity: string; fixHeaders: string[][]; message: string }> };
    expect(named.exposure.map((f) => [f.severity, f.fixHeaders])).toEqual([['error', [['Vary', 'Origin']]]]);
    expect(named.exposure[0]?.message).toContain('Send `Vary: Origin` on every response');
    const vary = JSON.parse((await run(['check', `${base}/named-cached-vary`, '--origin', PAGE, '--json'])).stdout) as { exposure: unknown[] };
    expect(vary.exposure).toEqual([]);
    sent.length = 0;
    const put = JSON.parse((await run(['check', `${base}/good`, '--origin', PAGE, '--method', 'PUT', '--json'])).stdout) as { noOrigin: unknown };
    expect(put.noOrigin).toBeNull();
    expect(sent.filter((x) => x.origin === undefined)).toEqual([]);
  });
  it('an answer without Origin that must be revalidated: sends the revalidation the browser sends and reads its 304', async () => {
    sent.length = 0;
    const r = await run(['check', `${base}/revalidate`, '--origin', PAGE, '--json']);
    expect(r.code).toBe(0);
    expect(sent.map((x) => `${x.method} ${x.origin} ${x.ifNoneMatch}`)).toEqual([`GET ${PAGE} undefined`, 'GET https://corsproof-probe.invalid undefined', 'GET undefined undefined', `GET ${PAGE} "v1"`]);
    const out = JSON.parse(r.stdout) as { exposure: Array<{ severity: string; caches: unknown; message: string }>; revalidation: { status: number } };
    expect(out.revalidation.status).toBe(304);
    expect(out.exposure.map((f) => [f.severity, f.caches])).toEqual([['error', { browser: 'revalidate', shared: 'revalidate' }]]);
    expect(out.exposure[0]?.message).toContain('on 304 answers too');
    // The 304 carries Access-Control-Allow-Origin: the browser updates the stored answer with it, and the page passes.
    const fine = JSON.parse((await run(['check', `${base}/revalidate-cors-on-304`, '--origin', PAGE, '--json'])).stdout) as { exposure: unknown[]; revalidation: { status: number } };
    expect([fine.exposure, fine.revalidation.status]).toEqual([[], 304]);
  });
  it('reads response heads up to 256 KB, as Chromium does (Node alone stops at 16 KB)', async () => {
    const r = await run(['check', `${base}/big-head`, '--origin', PAGE]);
    expect(r.code).toBe(0);
  });
  it('--origin given as a page URL, with a trailing slash or capitals: uses the origin and says so', async () => {
    sent.length = 0;
    const r = await run(['check', `${base}/reflect`, '--origin', 'HTTPS://App.Example/dashboard?tab=1', '--json', '--no-probe']);
    expect(r.code).toBe(0);
    expect(sent.map((x) => x.origin)).toEqual([PAGE]);
    expect(JSON.parse(r.stdout).remarks.join(' ')).toContain(`the page's origin is ${PAGE}`);
  });
  it('refuses what fetch() itself refuses, and absurd timeouts, with exit 2', async () => {
    const userinfo = await run(['check', `http://me:pw@127.0.0.1:1/x`, '--origin', PAGE]);
    expect([userinfo.code, userinfo.stderr.includes('fetch() throws a TypeError')]).toEqual([2, true]);
    const timeout = await run(['check', `${base}/wildcard`, '--origin', PAGE, '--timeout', '1e10']);
    expect([timeout.code, timeout.stderr.includes('from 0 to 3600')]).toEqual([2, true]);
  });
  it('colours only a terminal: piped output has no escape codes, even in CI; FORCE_COLOR colours it', async () => {
    const args = ['check', `${base}/wildcard`, '--origin', PAGE, '--credentials', 'include'];
    const piped = await runCli(args, { NO_COLOR: undefined, FORCE_COLOR: undefined, CI: 'true' });
    expect(piped.stdout).toContain('Blocked');
    expect(piped.stdout).not.toMatch(/\u001b\[/);
    const forced = await runCli(args, { NO_COLOR: undefined, FORCE_COLOR: '1' });
    expect(forced.stdout).toMatch(/\u001b\[31m✗ Blocked/);
  });
  it('a refused connection: exit 3 with a diagnosis, no stack trace', async () => {
    const r = await run(['check', 'http://127.0.0.1:9/x', '--origin', PAGE]); // nothing listens on the discard port
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/connection refused|did not complete/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
  it('a server that never answers: exit 3 after --timeout', async () => {
    const r = await run(['check', `http://127.0.0.1:${silentPort}/x`, '--origin', PAGE, '--timeout', '1']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('within 1 s');
  });
  it('--curl: reads a Copy as cURL command, Origin and cookies included', async () => {
    seen.length = 0;
    const curl = `curl '${base}/good' -X PUT -H 'content-type: application/json' -H 'origin: ${PAGE}' -b 'sid=1' -H 'user-agent: Mozilla/5.0' -H 'sec-fetch-mode: cors' --data-raw '{}'`;
    const r = await run(['check', '--curl', curl, '--json']);
    expect(r.code).toBe(0);
    expect(seen[0]).toEqual({ method: 'OPTIONS', origin: PAGE, acrm: 'PUT', acrh: 'content-type' });
    expect(JSON.parse(r.stdout).scenario.request.credentials).toBe('include');
  });
  it("says what credentials would change when nothing says whether the page sends them", async () => {
    const r = await run(['check', `${base}/wildcard`, '--origin', PAGE, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { verdict: { ok: boolean }; ifCredentialed: { chromium: { corsError: string } } | null };
    expect(out.ifCredentialed?.chromium.corsError).toBe('WildcardOriginNotAllowed');
    const text = await run(['check', `${base}/wildcard`, '--origin', PAGE]);
    expect(text.stdout).toContain('With credentials');
    // Said explicitly: no alternative.
    const said = await run(['check', `${base}/wildcard`, '--origin', PAGE, '--credentials', 'same-origin', '--json']);
    expect(JSON.parse(said.stdout).ifCredentialed).toBeNull();
  });
  it('--curl of a preflight row (or provisional headers without Origin): the request it stands for, the origin from Referer', async () => {
    seen.length = 0;
    const curl = `curl --url '${base}/good' -X 'OPTIONS' -H 'Access-Control-Request-Method: PUT' -H 'Access-Control-Request-Headers: content-type' -H 'Origin: ${PAGE}'`;
    const r = await run(['check', '--curl', curl, '--credentials', 'include', '--json']);
    expect(r.code).toBe(0);
    expect(seen[0]).toEqual({ method: 'OPTIONS', origin: PAGE, acrm: 'PUT', acrh: 'content-type' });
    expect(JSON.parse(r.stdout).remarks.join(' ')).toContain('preflight');
    const provisional = await run(['check', '--curl', `curl --url '${base}/wildcard' -H 'Referer: ${PAGE}/page'`]);
    expect(provisional.code).toBe(0);
    expect(provisional.stdout).toContain('taken from Referer');
  });
  it('--curl without Origin or Referer needs --origin', async () => {
    const r = await run(['check', '--curl', `curl '${base}/wildcard'`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--origin');
  });
  it('--har: diagnoses a HAR export offline', async () => {
    const file = join(tmpdir(), `corsproof-${process.pid}.har`); // removed at the end (a failure leaves it, to look at)
    writeFileSync(
      file,
      JSON.stringify({
        log: {
          entries: [
            {
              request: { method: 'GET', url: 'https://api.example/me', headers: [{ name: 'Origin', value: PAGE }, { name: 'Cookie', value: 'a=b' }] },
              response: { status: 200, headers: [{ name: 'Access-Control-Allow-Origin', value: '*' }] },
            },
          ],
        },
      }),
    );
    const r = await run(['check', '--har', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('entry 0');
    expect(r.stdout).toContain('WildcardOriginNotAllowed');
    // Files exported by real browsers (src/doctor/fixtures/): every demo request but the fixed one is blocked.
    const chromium = await run(['check', '--har', join(root, 'src/doctor/fixtures/chromium.har'), '--json']);
    expect(chromium.code).toBe(1);
    const rows = JSON.parse(chromium.stdout) as Array<{ verdict: { ok: boolean } | null }>;
    expect(rows.map((x) => x.verdict?.ok)).toEqual([...Array(12).fill(false), true]);
    // Each blocked entry names the layers that answered it and carries its fix recipes; --stack picks one.
    const twice = rows.find((x) => (x as { layers?: { notes: string[] } }).layers?.notes.some((n) => n.includes('sent 2 times'))) as unknown as { recipes: Array<{ id: string }> } | undefined;
    expect(twice?.recipes.map((x) => x.id)).toEqual(expect.arrayContaining(['corsproof-express', 'express-cors']));
    const nginx = await run(['check', '--har', join(root, 'src/doctor/fixtures/firefox.har'), '--stack', 'nginx']);
    expect(nginx.stdout).toContain('Fix for nginx');
    const unknown = await run(['check', '--har', join(root, 'src/doctor/fixtures/firefox.har'), '--stack', 'nope']);
    expect([unknown.code, unknown.stderr.includes('not a known stack')]).toEqual([2, true]);
    // Each entry's verdict covers the three browsers, or those --browsers names.
    expect(rows.every((x) => (x.verdict as { covers?: string[] } | null)?.covers?.length === 3)).toBe(true);
    const narrowed = JSON.parse((await run(['check', '--har', file, '--json', '--browsers', 'firefox'])).stdout) as Array<{ verdict: { covers: string[]; webkit: { reason: string } } }>;
    expect([narrowed[0]?.verdict.covers, narrowed[0]?.verdict.webkit.reason]).toEqual([['firefox'], 'wildcard-with-credentials']);
    const bad = await run(['check', '--har', file, '--entry', 'x']);
    expect(bad.code).toBe(2);
    // A byte order mark before the JSON (Windows tools write one) is fine.
    writeFileSync(file, `\uFEFF${JSON.stringify({ log: { entries: [] } })}`);
    const bom = await run(['check', '--har', file]);
    expect([bom.code, bom.stdout]).toEqual([0, 'No cross-origin request in this HAR (none carries an Origin other than its own).\n']);
    writeFileSync(file, '{"log": {}}');
    const notHar = await run(['check', '--har', file]);
    expect(notHar.code).toBe(2);
    expect(notHar.stderr).toContain('no log.entries');
    rmSync(file);
  });
  it('demo (what npm start runs): every failing API fails, the corsproof one passes', async () => {
    const r = await run(['demo', '--json']);
    expect(r.code).toBe(0);
    const demos = JSON.parse(r.stdout) as Array<{ id: string; verdict: { ok: boolean; covers: string[]; webkit: { reason: string } | null } }>;
    expect(demos.length).toBeGreaterThanOrEqual(12);
    expect(demos.filter((d) => d.verdict.ok).map((d) => d.id)).toEqual(['fixed-with-corsproof']);
    // Judged in all three browsers; WebKit blocks every failing one too.
    expect(demos.filter((d) => d.verdict.covers.join() !== 'chromium,firefox,webkit')).toEqual([]);
    expect(demos.filter((d) => !d.verdict.ok && d.verdict.webkit === null).map((d) => d.id)).toEqual([]);
  });
  it("demo's text (what a fresh clone prints): the seed case, '*' with credentials, in Chromium, Firefox and WebKit (Safari)", async () => {
    const r = await run(['demo']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('corsproof demo: one local API per common CORS failure, checked the way Chromium, Firefox and WebKit (Safari) check it');
    const first = r.stdout.split('\n\n2. ')[0] as string;
    expect(first).toContain("1. Access-Control-Allow-Origin: * with credentials: 'include'");
    const api = /GET (http:\/\/127\.0\.0\.1:\d+\/api\/items)/.exec(first)?.[1];
    expect(api).toBeDefined();
    const wildcard = 'Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is true.';
    for (const block of [
      `  Chromium  WildcardOriginNotAllowed\n    Access to fetch at '${api}' from origin 'http://localhost:5173' has been blocked by CORS policy: The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'.\n`,
      `  Firefox   CORSNotSupportingCredentials  https://developer.mozilla.org/docs/Web/HTTP/Guides/CORS/Errors/CORSNotSupportingCredentials\n    Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at ‘${api}’. (Reason: Credential is not supported if the CORS header ‘Access-Control-Allow-Origin’ is ‘*’).\n`,
      `  WebKit (Safari)  wildcard-with-credentials\n    ${wildcard}\n    Fetch API cannot load ${api} due to access control checks.\n    Failed to load resource: ${wildcard}\n`,
    ]) {
      expect(first).toContain(block);
    }
  });
  it('--json: the verdict has webkit, covers and requests (each browser\'s, Origin null after a redirect to another origin)', async () => {
    const r = await run(['check', `${base}/to-other-origin`, '--origin', PAGE, '--json', '--no-probe']);
    const v = JSON.parse(r.stdout).verdict;
    expect([r.code, v.ok, v.covers, v.webkit]).toEqual([0, true, ['chromium', 'firefox', 'webkit'], null]);
    const sent = [
      { url: `${base}/to-other-origin`, method: 'GET', headers: [['Origin', PAGE]] },
      { url: `${other}/reflect`, method: 'GET', headers: [['Origin', 'null']] },
    ];
    expect(v.requests).toEqual({ chromium: sent, firefox: sent, webkit: sent });
    const blocked = JSON.parse((await run(['check', `${base}/twice`, '--origin', PAGE, '--json', '--no-probe'])).stdout).verdict;
    expect(blocked.webkit).toEqual({
      reason: 'multiple-origins',
      message: 'Access-Control-Allow-Origin cannot contain more than one origin.',
      messages: ['Access-Control-Allow-Origin cannot contain more than one origin.', `Fetch API cannot load ${base}/twice due to access control checks.`, 'Failed to load resource: Access-Control-Allow-Origin cannot contain more than one origin.'],
    });
  });
  it('a header only some browsers preflight (DPR): the preflight Firefox and WebKit send is sent, and the three are judged', async () => {
    seen.length = 0;
    const r = await run(['check', `${base}/wildcard`, '--origin', PAGE, '-H', 'DPR: 2', '--no-probe']);
    expect(r.code).toBe(1);
    // Firefox's and WebKit's preflight, then the GET Chromium sends without one.
    expect(seen.map((x) => [x.method, x.acrh])).toEqual([['OPTIONS', 'dpr'], ['GET', undefined]]);
    expect(r.stdout).toContain('✗ Blocked in Firefox and WebKit (Chromium allows it) at the preflight: The preflight response does not allow one of the request headers.');
    expect(r.stdout).toContain('  Chromium  allows this request.');
    expect(r.stdout).toContain('  WebKit (Safari)  header-not-allowed\n    Request header field dpr is not allowed by Access-Control-Allow-Headers.');
  });
  it('--browsers: the verdict, the report and the exit code cover the browsers named', async () => {
    const chromium = await run(['check', `${base}/wildcard`, '--origin', PAGE, '-H', 'DPR: 2', '--no-probe', '--browsers', 'chromium']);
    expect(chromium.code).toBe(0);
    expect(chromium.stdout).toContain(`✓ Allowed in Chromium  GET ${base}/wildcard`);
    expect(chromium.stdout).toContain('Judged for Chromium only; Firefox and WebKit are not judged.');
    expect(chromium.stdout).toContain('  WebKit (Safari)  header-not-allowed  (not judged)');
    const json = await run(['check', `${base}/wildcard`, '--origin', PAGE, '-H', 'DPR: 2', '--no-probe', '--browsers', 'webkit,chromium', '--json']);
    const v = JSON.parse(json.stdout).verdict;
    expect([json.code, v.ok, v.covers, v.failedAt, v.firefox?.reason]).toEqual([1, false, ['chromium', 'webkit'], 'preflight', 'CORSMissingAllowHeaderFromPreflight']);
    // The credentialed alternative covers the same browsers.
    expect(JSON.parse(json.stdout).ifCredentialed.covers).toEqual(['chromium', 'webkit']);
  });
  it("--mode no-cors: what the no-cors fetch() sends (no preflight, Origin on a POST, script's headers dropped), opaque, then the same request in mode cors: exit 1 when that is blocked", async () => {
    sent.length = 0;
    seen.length = 0;
    const args = ['check', `${base}/good`, '--origin', PAGE, '--method', 'POST', '-H', 'Content-Type: application/json', '-H', 'Authorization: Bearer t', '--no-probe'];
    const r = await run([...args, '--mode', 'no-cors']);
    expect(r.code).toBe(1);
    // The no-cors POST first (no preflight, no Authorization), then mode cors: its preflight, refused (authorization), and no second POST.
    expect(sent.map((s) => [s.method, s.origin, s.authorization])).toEqual([
      ['POST', PAGE, undefined],
      ['OPTIONS', PAGE, undefined],
    ]);
    expect(seen[1]).toMatchObject({ method: 'OPTIONS', acrm: 'POST', acrh: 'authorization,content-type' });
    const opaque = r.stdout.indexOf('⚠ Opaque  POST');
    const cors = r.stdout.indexOf("mode 'cors' (the same request without mode: 'no-cors', sent too");
    expect(opaque).toBeGreaterThan(-1);
    expect(cors).toBeGreaterThan(opaque);
    expect(r.stdout).toContain('Not sent: Content-Type, Authorization');
    expect(r.stdout).toContain("mode 'no-cors' does not solve a CORS error");
    // The opaque part's "in mode 'cors'" line is the live answer to the cors request, which the full report follows.
    expect(r.stdout).toContain("In mode 'cors' (what reading it needs) the same answer is blocked at the preflight: The preflight response does not allow one of the request headers.");
    expect(r.stdout.slice(cors)).toContain('✗ Blocked at the preflight');
    expect(r.stdout.slice(cors)).toContain('HeaderDisallowedByPreflightResponse');
    // The same request in mode cors alone gives the same exit code and the same report.
    const plain = await run(args);
    expect(plain.code).toBe(1);
    expect(r.stdout).toContain(plain.stdout.trimEnd());
  });
  it('--mode no-cors --json: the opaque report, its cors part the full mode cors report; exit 0 when mode cors passes', async () => {
    sent.length = 0;
    const r = await run(['check', `${base}/reflect`, '--origin', PAGE, '--mode', 'no-cors', '--json', '--no-probe']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect([out.verdict.ok, out.verdict.opaque, out.verdict.exposedHeaders, out.recipes, out.ifCredentialed]).toEqual([true, true, [], [], null]);
    expect(out.scenario.request.mode).toBe('no-cors');
    expect(out.exchanges).toHaveLength(1);
    expect(out.exchanges[0].request.headers.map(([n]: [string]) => n.toLowerCase())).not.toContain('origin'); // a no-cors GET carries no Origin
    expect(out.cors.scenario.request.mode).toBeUndefined();
    expect([out.cors.verdict.ok, out.cors.verdict.opaque]).toEqual([true, undefined]);
    expect(out.cors.exchanges[0].request.headers).toContainEqual(['Origin', PAGE]);
    expect(out.cors.ifCredentialed.ok).toBe(false); // nothing said whether credentials go: the cors part says what they change
    expect(Object.keys(out.cors)).toEqual(['verdict', 'exchanges', 'layers', 'cookies', 'exposure', 'probe', 'noOrigin', 'revalidation', 'recipes', 'scenario', 'remarks', 'ifCredentialed']);
    expect(sent.map((s) => [s.method, s.origin])).toEqual([
      ['GET', undefined],
      ['GET', PAGE],
    ]);
    // Without --mode (or --mode cors) the report has no cors part.
    const plain = JSON.parse((await run(['check', `${base}/reflect`, '--origin', PAGE, '--mode', 'cors', '--json', '--no-probe'])).stdout);
    expect(plain.cors).toBeUndefined();
    expect(plain.verdict.opaque).toBeUndefined();
  });
  it('--curl with --mode no-cors: the copied request as a no-cors fetch() sends it', async () => {
    sent.length = 0;
    const curl = `curl '${base}/wildcard' -X POST -H 'Origin: ${PAGE}' -H 'Content-Type: application/json' --data-raw '{}'`;
    const r = await run(['check', '--curl', curl, '--mode', 'no-cors', '--json', '--no-probe']);
    expect(r.code).toBe(1); // '*' passes, but application/json needs a preflight that gets no Access-Control-Allow-Headers
    const out = JSON.parse(r.stdout);
    expect(out.verdict.opaque).toBe(true);
    expect(out.exchanges[0].request.headers).toContainEqual(['Origin', PAGE]);
    expect(out.exchanges[0].request.headers.map(([n]: [string]) => n.toLowerCase())).not.toContain('content-type');
    expect(out.cors.verdict.browsers.chromium.reasonId).toBe('header-not-allowed');
    expect(sent.map((s) => s.method)).toEqual(['POST', 'OPTIONS']);
  });
  it('--mode: anything but cors or no-cors, no-cors with a method fetch() refuses in that mode, with xhr or with --har: exit 2, nothing sent', async () => {
    sent.length = 0;
    const put = await run(['check', `${base}/good`, '--origin', PAGE, '--method', 'PUT', '--mode', 'no-cors']);
    expect(put.code).toBe(2);
    expect(put.stderr).toContain("request.method: PUT cannot be sent with mode 'no-cors' (only GET, HEAD and POST)");
    expect(put.stderr).toContain("'PUT' is unsupported in no-cors mode.");
    expect(put.stderr).not.toContain('    at ');
    const bad = await run(['check', `${base}/good`, '--origin', PAGE, '--mode', 'same-origin']);
    expect([bad.code, bad.stderr.trim()]).toEqual([2, "corsproof: --mode must be cors or no-cors, not 'same-origin'"]);
    const xhr = await run(['check', `${base}/good`, '--origin', PAGE, '--initiator', 'xhr', '--mode', 'no-cors']);
    expect(xhr.code).toBe(2);
    expect(xhr.stderr).toContain('request.mode: XMLHttpRequest has no mode');
    const har = await run(['check', '--har', 'x.har', '--mode', 'no-cors']);
    expect(har.code).toBe(2);
    expect(har.stderr).toContain('--mode applies to a URL or --curl, not to --har');
    expect(sent).toEqual([]);
  });
  it('--local-network-access: a public page reaching 127.0.0.1 is refused by Chromium and Firefox until the user allows it; granted: the CORS answer', async () => {
    const url = `${base}/reflect`;
    const prompt = await run(['check', url, '--origin', PAGE, '--local-network-access', 'prompt', '--no-probe']);
    expect(prompt.code).toBe(1);
    expect(prompt.stdout).toContain('LocalNetworkAccessPermissionDenied');
    expect(prompt.stdout).toContain('Permission was denied for this request to access the `loopback` address space.');
    expect(prompt.stdout).toContain(`The user must allow local network access for ${PAGE}`);
    expect(prompt.stdout).toContain("is on the user's own machine (loopback) (Local Network Access): Chromium and Firefox send nothing there until the user allows local network access (prompt here: refused");
    const denied = JSON.parse((await run(['check', url, '--origin', PAGE, '--local-network-access', 'denied', '--no-probe', '--json'])).stdout);
    expect(denied.scenario.request).toMatchObject({ addressSpace: { page: 'public', target: 'loopback' }, localNetworkAccess: 'denied' });
    expect([denied.verdict.ok, denied.verdict.browsers.chromium.reasonId, denied.verdict.browsers.firefox.reasonId, denied.verdict.browsers.webkit.ok]).toEqual([false, 'local-network-permission-denied', 'local-network-permission-denied', true]);
    const granted = await run(['check', url, '--origin', PAGE, '--local-network-access', 'granted', '--no-probe', '--json']);
    expect(granted.code).toBe(0);
    expect(JSON.parse(granted.stdout).remarks[0]).toContain('(granted here)');
    // A plain-http public page: Chromium refuses whatever the permission.
    const insecure = JSON.parse((await run(['check', url, '--origin', 'http://app.example', '--local-network-access', 'granted', '--no-probe', '--json'])).stdout);
    expect(insecure.verdict.browsers.chromium.reasonId).toBe('insecure-local-network');
  });
  it('--local-network-access not given: judged as before (the CORS answer), with a note in the text; a page on loopback is not gated', async () => {
    const url = `${base}/reflect`;
    const text = await run(['check', url, '--origin', PAGE, '--no-probe']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`Chromium and Firefox send nothing there until the user allows local network access for ${PAGE}; judged here as allowed`);
    const json = JSON.parse((await run(['check', url, '--origin', PAGE, '--no-probe', '--json'])).stdout);
    expect([json.scenario.request.addressSpace, json.remarks]).toEqual([undefined, []]);
    const local = await run(['check', url, '--origin', 'http://localhost:5173', '--local-network-access', 'denied', '--no-probe']);
    expect(local.code).toBe(0);
    expect(local.stdout).toContain('--local-network-access denied: not a local network request');
    const bad = await run(['check', url, '--origin', PAGE, '--local-network-access', 'yes']);
    expect([bad.code, bad.stderr.trim()]).toEqual([2, "corsproof: --local-network-access must be granted, denied or prompt, not 'yes'"]);
  });
  it('bad input: exit 2 naming the option or field', async () => {
    expect((await run(['check', `${base}/good`])).code).toBe(2); // --origin missing
    const bad = await run(['check', `${base}/good`, '--origin', 'app.example']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("request.origin: 'app.example'");
    expect(bad.stderr).not.toContain('    at '); // no stack trace
    expect((await run(['check', `${base}/good`, '--origin', PAGE, '-H', 'nocolon'])).code).toBe(2);
    expect((await run(['check', `${base}/good`, '--origin', PAGE, '--credentials', 'yes'])).code).toBe(2);
  });
});
