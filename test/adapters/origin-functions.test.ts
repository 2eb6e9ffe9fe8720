/**
 * Each adapter calls origin (and credentials) functions the way its
 * framework's own CORS middleware does, on the real framework on loopback:
 * Express and node:http as `cors` (origin, callback), Koa as `@koa/cors`
 * (ctx), Hono as `hono/cors` (origin, c), Web handlers (origin, request).
 * Every answer arrives (no request is left hanging: each test has a timeout
 * far below the policy's 10 s callback limit).
 */
import { serve } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import Koa from 'koa';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import expressCors from '../../src/adapters/express.js';
import fastifyCors from '../../src/adapters/fastify.js';
import { withCors as fetchWithCors } from '../../src/adapters/fetch.js';
import { cors as honoCors } from '../../src/adapters/hono.js';
import type { KoaCorsOptions } from '../../src/adapters/koa.js';
import koaCors, { CorsConfigError } from '../../src/adapters/koa.js';
import { APP, EVIL, listen, send } from './http.js';

const servers: Server[] = [];
afterAll(() => Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r())))));

async function start(server: Server): Promise<number> {
  servers.push(server);
  return listen(server);
}

function koaApp(options: KoaCorsOptions): Promise<number> {
  const app = new Koa();
  app.silent = true;
  app.use(koaCors(options));
  app.use(async (ctx) => {
    ctx.body = 'ok';
  });
  return start(createServer(app.callback()));
}

const acao = (r: { headers: Record<string, unknown> }): unknown => r.headers['access-control-allow-origin'];
const acac = (r: { headers: Record<string, unknown> }): unknown => r.headers['access-control-allow-credentials'];

describe('corsproof/koa calls origin(ctx) and credentials(ctx) as @koa/cors does', () => {
  it("origin: ctx => ctx.get('Origin') allows the request's origin", { timeout: 3000 }, async () => {
    const port = await koaApp({ origin: (ctx) => ctx.get('Origin') });
    expect(acao(await send(port, 'GET', '/', { Origin: APP }))).toBe(APP);
    const pre = await send(port, 'OPTIONS', '/', { Origin: APP, 'Access-Control-Request-Method': 'PUT' });
    expect([pre.status, acao(pre)]).toEqual([204, APP]);
  });
  it('an async function that reads ctx.url to deny /forbin denies it (no fail-open)', { timeout: 3000 }, async () => {
    const port = await koaApp({ origin: async (ctx) => (ctx.url.startsWith('/forbin') ? '' : ctx.get('Origin')) });
    expect(acao(await send(port, 'GET', '/forbin', { Origin: APP }))).toBeUndefined();
    expect((await send(port, 'OPTIONS', '/forbin', { Origin: APP, 'Access-Control-Request-Method': 'PUT' })).status).toBe(403);
    expect(acao(await send(port, 'GET', '/fine', { Origin: APP }))).toBe(APP);
  });
  it('credentials as a function of ctx', { timeout: 3000 }, async () => {
    const port = await koaApp({ origin: [APP], credentials: async (ctx) => ctx.path.startsWith('/account') });
    expect(acac(await send(port, 'GET', '/account', { Origin: APP }))).toBe('true');
    expect(acac(await send(port, 'GET', '/public', { Origin: APP }))).toBeUndefined();
  });
  it("ctx => ctx.get('Origin') with credentials is refused at creation, like origin: true", () => {
    expect(() => koaCors({ origin: (ctx) => ctx.get('Origin'), credentials: true })).toThrow(CorsConfigError);
    expect(() => koaCors({ origin: (ctx) => ctx.get('Origin'), credentials: () => true })).toThrow(/reflects every origin/);
  });
  it('an async reflecting function with credentials answers 500 to every request, never CORS headers', { timeout: 3000 }, async () => {
    const errors: unknown[] = [];
    const port = await koaApp({ origin: async (ctx) => ctx.get('Origin'), credentials: true, onError: (e) => errors.push(e) });
    const r = await send(port, 'GET', '/', { Origin: EVIL });
    expect(r.status).toBe(500);
    expect(acao(r)).toBeUndefined();
    expect(errors[0]).toBeInstanceOf(CorsConfigError);
  });
});

describe('corsproof/hono calls origin(origin, c) as hono/cors does', () => {
  it('a function returning the origin string or null', { timeout: 3000 }, async () => {
    const app = new Hono();
    app.use('*', honoCors({ origin: (origin, c) => (c.req.path === '/forbin' ? null : origin === APP ? origin : undefined) }));
    app.all('*', (c) => c.text('ok'));
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
    servers.push(server);
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as { port: number }).port;
    expect(acao(await send(port, 'GET', '/', { Origin: APP }))).toBe(APP);
    expect(acao(await send(port, 'GET', '/forbin', { Origin: APP }))).toBeUndefined();
    expect(acao(await send(port, 'GET', '/', { Origin: EVIL }))).toBeUndefined();
  });
});

describe('corsproof/fastify calls origin(origin, callback) with this bound to the Fastify instance, as @fastify/cors does', () => {
  it('a function reading a decoration through this', { timeout: 5000 }, async () => {
    const app = Fastify();
    app.decorate('allowedOrigins', new Set([APP]));
    await app.register(fastifyCors, {
      origin: function (this: { allowedOrigins: Set<string> }, origin: string, cb: (e: unknown, v?: boolean) => void) {
        cb(null, this.allowedOrigins.has(origin));
      } as never,
    });
    app.get('/api', async () => 'ok');
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const port = (app.server.address() as { port: number }).port;
      expect(acao(await send(port, 'GET', '/api', { Origin: APP }))).toBe(APP);
      const pre = await send(port, 'OPTIONS', '/api', { Origin: APP, 'Access-Control-Request-Method': 'PUT' });
      expect([pre.status, acao(pre)]).toEqual([204, APP]);
      expect(acao(await send(port, 'GET', '/api', { Origin: EVIL }))).toBeUndefined();
    } finally {
      await app.close();
    }
  });
  it('an async reflecting function with credentials stops register', async () => {
    const app = Fastify();
    await expect(app.register(fastifyCors, { origin: (async (origin: string) => origin) as never, credentials: true })).rejects.toThrow(/reflects every origin/);
    await app.close().catch(() => undefined);
  });
});

describe('corsproof/express calls origin(origin, callback) as cors does, and never hangs', () => {
  const app = express();
  const routes: Array<[string, Parameters<typeof expressCors>[0]]> = [
    ['/string', { origin: (o: string) => (o === APP ? o : undefined) }],
    ['/undefined', { origin: () => undefined }],
    ['/thenable', { origin: (o: string) => ({ then: (ok: (v: unknown) => void) => ok(o === APP) }) }],
    ['/callback-later', { origin: (o: string, cb) => void setTimeout(() => cb(null, o === APP), 5) }],
    ['/callback-array', { origin: (_o: string, cb) => cb(null, [APP]) }],
  ];
  for (const [path, options] of routes) app.use(path, expressCors(options), (_req, res) => void res.send('ok'));
  let port = 0;
  it.each(routes.map(([path]) => path))('%s', { timeout: 3000 }, async (path) => {
    port ||= await start(createServer(app));
    const allowed = await send(port, 'GET', path, { Origin: APP });
    const denied = await send(port, 'GET', path, { Origin: EVIL });
    expect([allowed.status, denied.status]).toEqual([200, 200]);
    expect(acao(allowed)).toBe(path === '/undefined' ? undefined : APP);
    expect(acao(denied)).toBeUndefined();
  });
});

describe('corsproof/fetch calls origin(origin, request)', () => {
  it('reads the Request', { timeout: 3000 }, async () => {
    const handler = fetchWithCors({ origin: (origin, request) => new URL(request.url).pathname !== '/forbin' && origin === APP }, () => new Response('ok'));
    const at = (path: string, origin: string) => handler(new Request(`http://localhost${path}`, { headers: { origin } }));
    expect((await at('/', APP)).headers.get('access-control-allow-origin')).toBe(APP);
    expect((await at('/forbin', APP)).headers.get('access-control-allow-origin')).toBeNull();
    expect((await at('/', EVIL)).headers.get('access-control-allow-origin')).toBeNull();
  });
});
