import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cors, CorsConfigError } from '../../src/adapters/hono.js';
import { OPTIONS, defineCases } from './http.js';

describe('corsproof/hono against real Hono (on @hono/node-server)', () => {
  let server: Server;
  let port = 0;
  const calls: string[] = [];
  beforeAll(async () => {
    const app = new Hono();
    app.use('*', cors(OPTIONS));
    app.use('*', async (c, next) => {
      calls.push(c.req.path);
      await next();
    });
    app.get('/ok', (c) => c.text('ok', 200, { Vary: 'Accept-Encoding' }));
    app.get('/boom', () => {
      throw new Error('boom');
    });
    app.get('/teapot', (c) => c.text('teapot', 418));
    app.get('/vary-star', (c) => c.text('star', 200, { Vary: '*' }));
    app.options('/options', (c) => c.text('app options'));
    app.onError((_err, c) => c.text('Internal Server Error', 500));
    await new Promise<void>((resolve) => {
      server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
        port = info.port;
        resolve();
      }) as Server;
    });
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  defineCases(it, expect, () => port, calls);

  it('refuses unsafe options when created', () => {
    expect(() => cors({ origin: '*', credentials: true })).toThrow(CorsConfigError);
  });
});

describe('corsproof/hono as hono/cors users expect it', () => {
  it("answers with hono/cors's default methods (QUERY included) and keeps headers earlier middleware set", async () => {
    const app = new Hono();
    app.use('*', async (c, next) => {
      c.header('X-Request-Id', 'r-1');
      await next();
    });
    app.use('*', cors());
    app.all('*', (c) => c.text('ok'));
    const answer = await app.request('/x', { method: 'OPTIONS', headers: { Origin: 'https://a.example', 'Access-Control-Request-Method': 'QUERY' } });
    expect(answer.status).toBe(204);
    expect(answer.headers.get('access-control-allow-methods')).toBe('GET,HEAD,PUT,POST,DELETE,PATCH,QUERY');
    expect(answer.headers.get('x-request-id')).toBe('r-1');
  });
});
