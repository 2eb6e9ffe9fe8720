import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import cors, { CorsConfigError } from '../../src/adapters/fastify.js';
import { APP, EVIL, OPTIONS, defineCases, send } from './http.js';

describe('corsproof/fastify against real Fastify', () => {
  let app: FastifyInstance;
  let port = 0;
  const calls: string[] = [];
  beforeAll(async () => {
    app = Fastify();
    await app.register(cors, OPTIONS);
    app.addHook('preHandler', async (req) => {
      calls.push(req.url.split('?')[0] as string);
    });
    app.get('/ok', async (_req, reply) => reply.header('Vary', 'Accept-Encoding').send('ok'));
    app.get('/boom', async () => {
      throw new Error('boom');
    });
    app.get('/teapot', async (_req, reply) => reply.code(418).send('teapot'));
    app.get('/vary-star', async (_req, reply) => reply.header('Vary', '*').send('star'));
    app.options('/options', async (_req, reply) => reply.send('app options'));
    app.get('/public', { config: { cors: { origin: '*' } } }, async () => 'public');
    app.put('/internal', { config: { cors: false } }, async () => 'internal');
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as { port: number }).port;
  });
  afterAll(() => app.close());

  defineCases(it, expect, () => port, calls);

  it("a route's own options apply to its requests and its preflights", async () => {
    const get = await send(port, 'GET', '/public', { Origin: EVIL });
    expect(get.headers['access-control-allow-origin']).toBe('*');
    const preflight = await send(port, 'OPTIONS', '/public', { Origin: EVIL, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'x-a' });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('*');
  });
  it("an OPTIONS route of the app's own on a route with its own options: no clash, preflights still get the route's policy", async () => {
    // Regression: the plugin's OPTIONS route for /public made Fastify refuse the app's own OPTIONS /public (duplicated route).
    const f = Fastify();
    await f.register(cors, OPTIONS);
    f.get('/public', { config: { cors: { origin: '*' } } }, async () => 'public');
    f.options('/public', async () => 'app options');
    await f.listen({ port: 0, host: '127.0.0.1' });
    try {
      const p = (f.server.address() as { port: number }).port;
      const preflight = await send(p, 'OPTIONS', '/public', { Origin: EVIL, 'Access-Control-Request-Method': 'GET' });
      expect([preflight.status, preflight.headers['access-control-allow-origin']]).toEqual([204, '*']);
      const plain = await send(p, 'OPTIONS', '/public', {});
      expect(plain.body).toBe('app options');
    } finally {
      await f.close();
    }
  });
  it('config.cors: false turns CORS off for a route', async () => {
    const r = await send(port, 'PUT', '/internal', { Origin: APP });
    expect(r.body).toBe('internal');
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
  });
  it('refuses unsafe options at registration, and in a route config', async () => {
    await expect(Fastify().register(cors, { origin: '*', credentials: true }).ready()).rejects.toThrow(CorsConfigError);
    const f = Fastify();
    await f.register(cors, OPTIONS);
    expect(() => f.get('/x', { config: { cors: { origin: '*', credentials: true } } }, async () => 'x')).toThrow(CorsConfigError);
  });
});
