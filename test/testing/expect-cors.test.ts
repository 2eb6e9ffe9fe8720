/**
 * corsproof/testing against real apps in this process: every shape
 * expectCors recognises (Express, Koa, Fastify, Hono, a node:http listener, a
 * fetch handler, a Next.js route module, a base URL), the same contract on
 * each, and the failures it must report (the peers' misconfigurations,
 * header lines the wire carries twice, a preflight nobody answers).
 */
import { AssertionError } from 'node:assert';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import express from 'express';
import Koa from 'koa';
import Fastify from 'fastify';
import { Hono } from 'hono';
import peerCors from 'cors';
import corsproofExpress from '../../src/adapters/express.js';
import corsproofKoa from '../../src/adapters/koa.js';
import corsproofFastify from '../../src/adapters/fastify.js';
import { cors as corsproofHono } from '../../src/adapters/hono.js';
import { withCors as nodeWithCors } from '../../src/adapters/node.js';
import { withCors as fetchWithCors } from '../../src/adapters/fetch.js';
import type { BrowserName } from '../../src/engine/types.js';
import type { CorsExpectation } from '../../src/testing/index.js';
import { expectCors } from '../../src/testing/index.js';

const APP = 'https://app.example.com';
const EVIL = 'https://evil.example';
const POLICY = { origin: [APP], credentials: true, exposedHeaders: ['X-Total-Count'], maxAge: 600 };

/** What every app does behind its CORS middleware: 200 JSON with X-Total-Count. */
const BODY = JSON.stringify({ items: [] });

function expressApp() {
  const app = express();
  app.use(corsproofExpress(POLICY));
  app.all('/{*path}', (_req, res) => void res.set('X-Total-Count', '0').type('json').send(BODY));
  return app;
}
function koaApp() {
  const app = new Koa();
  app.use(corsproofKoa(POLICY));
  app.use((ctx) => {
    ctx.set('X-Total-Count', '0');
    ctx.type = 'json';
    ctx.body = BODY;
  });
  return app;
}
function fastifyApp() {
  const app = Fastify();
  void app.register(corsproofFastify, POLICY);
  app.route({ method: ['GET', 'PUT', 'POST', 'DELETE'], url: '/*', handler: async (_req, reply) => reply.header('X-Total-Count', '0').type('application/json').send(BODY) });
  return app;
}
function honoApp() {
  const app = new Hono();
  app.use('*', corsproofHono(POLICY));
  app.all('*', (c) => c.body(BODY, 200, { 'X-Total-Count': '0', 'Content-Type': 'application/json' }));
  return app;
}
const nodeListener = nodeWithCors(POLICY, (_req, res) => void res.writeHead(200, { 'X-Total-Count': '0', 'Content-Type': 'application/json' }).end(BODY));
const fetchHandler = fetchWithCors(POLICY, () => new Response(BODY, { headers: { 'X-Total-Count': '0', 'Content-Type': 'application/json' } }));
const routeModule = {
  GET: fetchHandler,
  PUT: fetchHandler,
  OPTIONS: fetchHandler,
};

/** A deployed service: the node listener on a real port. */
const live = createServer(nodeListener);
const livePort = await new Promise<number>((resolve) => live.listen(0, '127.0.0.1', () => resolve((live.address() as AddressInfo).port)));
afterAll(() => void live.close());

const TARGETS: Array<[string, () => CorsExpectation]> = [
  ['Express', () => expectCors(expressApp())],
  ['Koa', () => expectCors(koaApp())],
  ['Fastify', () => expectCors(fastifyApp())],
  ['Hono', () => expectCors(honoApp())],
  ['node:http listener', () => expectCors.node(nodeListener)],
  ['fetch handler', () => expectCors.fetch(fetchHandler)],
  ['Next.js route module', () => expectCors.fetch(routeModule)],
  ['base URL', () => expectCors(`http://127.0.0.1:${livePort}`)],
];

describe.each(TARGETS)('expectCors: %s behind corsproof', (_name, target) => {
  const page = () => target().from(APP);

  it('passes a credentialed GET from the allowed origin, and shows X-Total-Count', async () => {
    const verdict = await page().fetch('/items', { credentials: 'include' }).toExpose(['X-Total-Count']);
    expect(verdict.ok).toBe(true);
    expect(verdict.preflight.required).toBe(false);
  });
  it('passes a credentialed PUT with a JSON body after a preflight, cached 600 s', async () => {
    const request = page().fetch('/items/7', { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{"a":1}', credentials: 'include' });
    const verdict = await request.toCachePreflightFor(600);
    expect(verdict.preflight.request?.headers).toContainEqual(['Access-Control-Request-Headers', 'content-type']);
    const { exchanges } = await request.run();
    expect(exchanges.map((e) => e.request.method)).toEqual(['OPTIONS', 'PUT']);
  });
  it('blocks a GET from another origin, in each browser\'s words', async () => {
    const request = target().from(EVIL).fetch('/items');
    await request.toBeBlocked('CORSMissingAllowOrigin');
    await request.toBeBlocked('MissingAllowOriginHeader');
    await request.toBeBlocked('missing-allow-origin');
    await request.toBeBlocked('origin-not-allowed');
    await expect(request.toPass()).rejects.toThrow(AssertionError);
  });
  it('blocks a DELETE from another origin at its preflight, and never sends the DELETE', async () => {
    const request = target().from(EVIL).fetch('/items/7', { method: 'DELETE' });
    const verdict = await request.toBeBlocked('PreflightMissingAllowOriginHeader');
    expect(verdict.failedAt).toBe('preflight');
    expect((await request.run()).exchanges.map((e) => e.request.method)).toEqual(['OPTIONS']);
  });
  it('fails toCachePreflightFor beyond what the browsers keep', async () => {
    const request = page().fetch('/items/7', { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    await expect(request.toCachePreflightFor(3600)).rejects.toThrow(/at least 3600 s, but Chromium 600 s, Firefox 600 s, WebKit 600 s \(/);
  });
});

describe('expectCors: what it reports', () => {
  it("fails toPass on cors({ origin: '*', credentials: true }) with the three browsers' console lines and the fix", async () => {
    const app = express();
    app.use(peerCors({ origin: '*', credentials: true }));
    app.get('/me', (_req, res) => void res.json({ me: 1 }));
    const request = expectCors(app).from(APP).fetch('/me', { credentials: 'include' });
    const error = await request.toPass().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AssertionError);
    const message = (error as AssertionError).message;
    expect(message).toContain(`expected GET https://api.example.test/me from ${APP} to pass in Chromium, Firefox and WebKit, but Chromium, Firefox and WebKit block it.\n`);
    expect(message).toContain("must not be the wildcard '*' when the request's credentials mode is 'include'");
    expect(message).toContain('(Reason: Credential is not supported if the CORS header ‘Access-Control-Allow-Origin’ is ‘*’)');
    // Every line WebKit logs, each once, under its heading and before the fix.
    const webkit = [
      'Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is true.',
      'Fetch API cannot load https://api.example.test/me due to access control checks.',
      'Failed to load resource: Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is true.',
    ];
    const lines = message.split('\n');
    const heading = lines.findIndex((l) => /^ {2}WebKit\b/.test(l));
    expect(heading).toBeGreaterThan(lines.findIndex((l) => l.startsWith('  Firefox ')));
    for (const line of webkit) expect(lines.filter((l) => l === `    ${line}`)).toHaveLength(1);
    expect(lines.findIndex((l) => l === `    ${webkit[2]}`)).toBeLessThan(lines.indexOf('  Fix'));
    expect(lines.slice(heading + 1, lines.indexOf('  Fix') - 1).map((l) => l.trim()).filter((l) => webkit.includes(l))).toEqual(webkit);
    expect(message).toContain('< Access-Control-Allow-Origin: *');
    expect(message).toContain('answered by: Express');
    expect(message).toContain('Fix for corsproof/express');
    await request.toBeBlocked('CORSNotSupportingCredentials');
    await request.toBeBlocked('WildcardOriginNotAllowed');
    const verdict = await request.toBeBlocked('wildcard-with-credentials');
    expect(verdict.webkit?.reason).toBe('wildcard-with-credentials');
  });
  it('keeps two header lines apart from one comma-joined line (different errors in Firefox)', async () => {
    const twoLines = expectCors.node((_req, res) => void res.writeHead(200, [['Access-Control-Allow-Origin', APP], ['Access-Control-Allow-Origin', APP]]).end());
    const oneLine = expectCors.node((_req, res) => void res.writeHead(200, { 'Access-Control-Allow-Origin': `${APP}, ${APP}` }).end());
    await twoLines.from(APP).fetch('/').toBeBlocked('CORSMultipleAllowOriginNotAllowed');
    await oneLine.from(APP).fetch('/').toBeBlocked('CORSAllowOriginNotMatchingOrigin');
    await oneLine.from(APP).fetch('/').toBeBlocked('MultipleAllowOriginValues');
    // WebKit says "more than one origin" of both.
    await twoLines.from(APP).fetch('/').toBeBlocked('multiple-origins');
    await oneLine.from(APP).fetch('/').toBeBlocked('multiple-origins');
  });
  it('gives a body the Content-Type fetch() gives it: a string is text/plain (no preflight), JSON by header is preflighted', async () => {
    const simpleOnly = expectCors.fetch(() => new Response('ok', { headers: { 'Access-Control-Allow-Origin': APP } }));
    const plain = await simpleOnly.from(APP).fetch('/', { method: 'POST', body: '{"a":1}' }).toPass();
    expect(plain.preflight.required).toBe(false);
    const json = await simpleOnly.from(APP).fetch('/', { method: 'POST', body: '{"a":1}', headers: { 'Content-Type': 'application/json' } }).toBeBlocked();
    expect(json.failedAt).toBe('preflight');
    const form = await simpleOnly.from(APP).fetch('/', { method: 'POST', body: new URLSearchParams({ a: '1' }) }).toPass();
    expect(form.preflight.required).toBe(false);
  });
  it('sends the body to the app with the actual request', async () => {
    let seen = '';
    const app = expectCors.fetch(async (request) => {
      if (request.method === 'POST') seen = await request.text();
      return new Response('ok', { headers: { 'Access-Control-Allow-Origin': APP } });
    });
    await app.from(APP).fetch('/', { method: 'POST', body: 'hello' }).toPass();
    expect(seen).toBe('hello');
  });
  it('answers a preflight to a Next.js route module without OPTIONS as Next.js does (204, no CORS headers): blocked', async () => {
    const route = expectCors.fetch({ PUT: () => new Response('ok', { headers: { 'Access-Control-Allow-Origin': APP } }) });
    const request = route.from(APP).fetch('/', { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    const verdict = await request.toBeBlocked('CORSMissingAllowOrigin');
    expect(verdict.failedAt).toBe('preflight');
    // The report shows who answered: Allow, as Next.js sends it with its automatic OPTIONS.
    await expect(request.toPass()).rejects.toThrow(/< 204\n\s+< allow: OPTIONS, PUT/);
  });
  it("hands a dynamic route's handlers their params", async () => {
    let seen: unknown;
    const route = expectCors.fetch(
      {
        GET: async (_request: Request, context: { params: Promise<Record<string, string>> }) => {
          seen = await context.params;
          return new Response('ok', { headers: { 'Access-Control-Allow-Origin': '*' } });
        },
      } as never,
      { params: { id: '7' } },
    );
    await route.from(APP).fetch('/items/7').toPass();
    expect(seen).toEqual({ id: '7' });
  });
  it('judges XMLHttpRequest and EventSource with their own messages', async () => {
    const app = expectCors.fetch(() => new Response('ok', { headers: { 'Access-Control-Allow-Origin': '*' } }));
    const xhr = await app.from(APP).xhr('/', { withCredentials: true }).toBeBlocked('WildcardOriginNotAllowed');
    expect(xhr.chromium?.message).toContain('XMLHttpRequest');
    expect(xhr.chromium?.message).toContain('withCredentials');
    expect(xhr.webkit?.messages).toContain('XMLHttpRequest cannot load https://api.example.test/ due to access control checks.');
    await app.from(APP).eventSource('/').toPass();
  });
  it('narrows to the browsers asked for', async () => {
    // One comma-joined Access-Control-Allow-Origin: a mismatch in Firefox, several values in Chromium.
    const app = expectCors.node((_req, res) => void res.writeHead(200, { 'Access-Control-Allow-Origin': `${APP}, ${APP}` }).end(), { browsers: ['firefox'] });
    await app.from(APP).fetch('/').toBeBlocked('CORSAllowOriginNotMatchingOrigin');
    await expect(app.from(APP).fetch('/').toBeBlocked('MultipleAllowOriginValues')).rejects.toThrow(/the selected browsers \(Firefox\) do not report it/);
    await expect(app.from(APP).fetch('/').toBeBlocked('multiple-origins')).rejects.toThrow(/'multiple-origins' is a WebKit reason; the selected browsers \(Firefox\) do not report it/);
  });
  it('judges WebKit by default, and narrows to it or away from it', async () => {
    // One comma-joined Access-Control-Allow-Origin: WebKit says "more than one origin".
    const joined = (browsers?: BrowserName[]) => expectCors.node((_req, res) => void res.writeHead(200, { 'Access-Control-Allow-Origin': `${APP}, ${APP}` }).end(), browsers ? { browsers } : {});
    const all = await joined().from(APP).fetch('/').toBeBlocked();
    expect([all.covers, all.webkit?.reason, all.webkit?.messages.length]).toEqual([['chromium', 'firefox', 'webkit'], 'multiple-origins', 3]);
    const webkit = await joined(['webkit']).from(APP).fetch('/').toBeBlocked('multiple-origins');
    expect([webkit.ok, webkit.covers, webkit.failedAt]).toEqual([false, ['webkit'], 'response']);
    await expect(joined(['webkit']).from(APP).fetch('/').toBeBlocked('MultipleAllowOriginValues')).rejects.toThrow(/'MultipleAllowOriginValues' is a Chromium error; the selected browsers \(WebKit\) do not report it/);
    // WebKit keeps a preflight 600 s at most; Chromium and Firefox longer.
    const longCache = (browsers?: BrowserName[]) =>
      expectCors
        .fetch(() => new Response('ok', { headers: { 'Access-Control-Allow-Origin': APP, 'Access-Control-Allow-Methods': 'PUT', 'Access-Control-Max-Age': '3600' } }), browsers ? { browsers } : {})
        .from(APP)
        .fetch('/', { method: 'PUT' });
    await expect(longCache().toCachePreflightFor(3600)).rejects.toThrow(/at least 3600 s, but WebKit 600 s \(/);
    const two = await longCache(['chromium', 'firefox']).toCachePreflightFor(3600);
    expect([two.covers, two.browsers.webkit.preflightMaxAge]).toEqual([['chromium', 'firefox'], 600]);
  });
  it('says what it cannot tell apart, and what it does not know', async () => {
    expect(() => expectCors((() => new Response()) as never)).toThrow(/expectCors.node\(listener\) or expectCors.fetch\(handler\)/);
    expect(() => expectCors({ nothing: true } as never)).toThrow(/cannot tell what an object with keys nothing is/);
    expect(() => expectCors.fetch(fetchHandler, { browsers: ['safari' as never] })).toThrow(/browsers must name some of chromium, firefox, webkit; got \["safari"\]/);
    await expect(expectCors.fetch(fetchHandler).from(APP).fetch('/').toBeBlocked('CORSNoSuchReason')).rejects.toThrow(/not a reason a browser reports/);
    await expect(expectCors.fetch(fetchHandler).from(APP).fetch('/', { body: 'x' }).toPass()).rejects.toThrow(/A GET request cannot have a body/);
    await expect(expectCors.fetch(fetchHandler).from('app.example.com').fetch('/').toPass()).rejects.toThrow(/request\.origin/);
  });
  it('stops at a redirect that leaves the app in this process, saying so', async () => {
    const app = expectCors.fetch(() => new Response(null, { status: 302, headers: { Location: 'https://elsewhere.example/x', 'Access-Control-Allow-Origin': '*' } }));
    await expect(app.from(APP).fetch('/').toPass()).rejects.toThrow(/redirected to https:\/\/elsewhere\.example\/x, outside https:\/\/api\.example\.test/);
  });
});

describe('expectCors: one server per app', () => {
  it('serves each Koa and Fastify app once, however many expectations test it', async () => {
    const ports = { koa: new Set<number>(), fastify: new Set<number>() };
    const koa = new Koa();
    koa.use((ctx) => {
      ports.koa.add(ctx.req.socket.localPort ?? 0);
      ctx.set('Access-Control-Allow-Origin', '*');
      ctx.body = 'ok';
    });
    const fastify = Fastify();
    fastify.get('/', async (request, reply) => {
      ports.fastify.add(request.raw.socket.localPort ?? 0);
      return reply.header('Access-Control-Allow-Origin', '*').send('ok');
    });
    for (let i = 0; i < 4; i++) {
      await expectCors(koa).from(APP).fetch('/').toPass();
      await expectCors(fastify).from(APP).fetch('/').toPass();
    }
    expect(ports.koa.size).toBe(1);
    expect(ports.fastify.size).toBe(1);
  });
});
