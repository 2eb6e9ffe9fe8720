import Koa from 'koa';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import cors, { CorsConfigError } from '../../src/adapters/koa.js';
import { OPTIONS, defineCases, send } from './http.js';

describe('corsproof/koa against real Koa', () => {
  let server: Server;
  let port = 0;
  const calls: string[] = [];
  beforeAll(async () => {
    const app = new Koa();
    app.silent = true;
    app.use(cors(OPTIONS));
    app.use(async (ctx) => {
      calls.push(ctx.path);
      if (ctx.path === '/ok') {
        ctx.set('Vary', 'Accept-Encoding');
        ctx.body = 'ok';
      } else if (ctx.path === '/boom') {
        throw new Error('boom');
      } else if (ctx.path === '/teapot') {
        ctx.status = 418;
        ctx.body = 'teapot';
      } else if (ctx.path === '/vary-star') {
        ctx.set('Vary', '*');
        ctx.body = 'star';
      } else if (ctx.path === '/options' && ctx.method === 'OPTIONS') {
        ctx.body = 'app options';
      }
      // Anything else: Koa's own 404.
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  defineCases(it, expect, () => port, calls);

  it('refuses unsafe options when created', () => {
    expect(() => cors({ origin: '*', credentials: true })).toThrow(CorsConfigError);
  });
});

describe('corsproof/koa as @koa/cors users expect it', () => {
  it("answers with @koa/cors's default methods, in its order", async () => {
    const app = new Koa();
    app.use(cors({ origin: 'https://a.example' }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const r = await send((server.address() as { port: number }).port, 'OPTIONS', '/', { Origin: 'https://a.example', 'Access-Control-Request-Method': 'PUT' });
      expect(r.headers['access-control-allow-methods']).toBe('GET,HEAD,PUT,POST,DELETE,PATCH');
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
