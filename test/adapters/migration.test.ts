/**
 * Migration from `cors`: every configuration example of the cors package's
 * README (current and past versions) either works unchanged with
 * corsproof/express, or fails when the middleware is created with a message
 * that says what to write instead.
 */
import express from 'express';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import cors, { CorsConfigError } from '../../src/adapters/express.js';
import type { CorsOptions } from '../../src/adapters/express.js';
import { send } from './http.js';

type Callback = (error: unknown, allow?: unknown) => void;
const whitelist = ['http://example1.com', 'http://example2.com'];

/** [README usage, options, expected: 'works' or a RegExp the error message must match]. */
const corpus: Array<[string, unknown, 'works' | RegExp]> = [
  ['app.use(cors())', undefined, 'works'],
  ["{ origin: 'http://example.com', optionsSuccessStatus: 200 }", { origin: 'http://example.com', optionsSuccessStatus: 200 }, 'works'],
  ['dynamic origin loaded from a database (callback gets an array)', { origin: (_o: string, cb: Callback) => setTimeout(() => cb(null, whitelist), 1) }, 'works'],
  ["whitelist function calling back new Error('Not allowed by CORS')", { origin: (o: string, cb: Callback) => (whitelist.includes(o) ? cb(null, true) : cb(new Error('Not allowed by CORS'))) }, 'works'],
  ['whitelist function that also allows requests without Origin', { origin: (o: string, cb: Callback) => (whitelist.includes(o) || !o ? cb(null, true) : cb(new Error('Not allowed by CORS'))) }, 'works'],
  ['boolean callback', { origin: (o: string, cb: Callback) => cb(null, whitelist.includes(o)) }, 'works'],
  ["string as the error: callback('Bad Request', false)", { origin: (o: string, cb: Callback) => cb(whitelist.includes(o) ? null : 'Bad Request', whitelist.includes(o)) }, 'works'],
  ['origin: true', { origin: true }, 'works'],
  ['origin: false', { origin: false }, 'works'],
  ["origin: '*'", { origin: '*' }, 'works'],
  ['origin: /example\\.com$/', { origin: /example\.com$/ }, /'https:\/\/example\.com', 'https:\/\/\*\.example\.com'/],
  ["origin: ['http://example1.com', /\\.example2\\.com$/]", { origin: ['http://example1.com', /\.example2\.com$/] }, /not anchored[\s\S]*Write the patterns instead: 'https:\/\/\*\.example2\.com'\./],
  ["methods: 'GET,PUT,POST'", { methods: 'GET,PUT,POST' }, 'works'],
  ["methods: ['GET', 'PUT', 'POST']", { methods: ['GET', 'PUT', 'POST'] }, 'works'],
  ["allowedHeaders: 'Content-Type,Authorization'", { allowedHeaders: 'Content-Type,Authorization' }, 'works'],
  ["exposedHeaders: ['Content-Range', 'X-Content-Range']", { exposedHeaders: ['Content-Range', 'X-Content-Range'] }, 'works'],
  ['credentials: true (origin left at its default *)', { credentials: true }, /CORSNotSupportingCredentials[\s\S]*origin: \['https:\/\/app\.example\.com'\]/],
  ['maxAge: 600', { maxAge: 600 }, 'works'],
  ['preflightContinue: true', { preflightContinue: true }, 'works'],
  ['the documented default configuration', { origin: '*', methods: 'GET,HEAD,PUT,PATCH,POST,DELETE', preflightContinue: false, optionsSuccessStatus: 204 }, 'works'],
  ["per-request delegate cors(function (req, callback) { ... })", (_req: unknown, cb: Callback) => cb(null, { origin: '*' }), /per request[\s\S]*origin: \(origin, callback, req\) => callback\(null, allowed\)/],
  ['{ origin: true, methods: [POST], credentials: true, maxAge: 3600 } (from the cors tests)', { origin: true, methods: ['POST'], credentials: true, maxAge: 3600 }, /reflects every Origin[\s\S]*List the allowed origins/],
  ["{ origin: 'http://mydomain.com', credentials: true } (per-request example)", { origin: 'http://mydomain.com', credentials: true }, /plain http[\s\S]*'https:\/\/mydomain\.com'/],
];

describe('migration from the cors package README', () => {
  it.each(corpus)('%s', (_usage, options, expected) => {
    if (expected === 'works') {
      expect(() => cors(options as CorsOptions)).not.toThrow();
    } else {
      let error: unknown;
      try {
        cors(options as CorsOptions);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(CorsConfigError);
      expect((error as Error).message).toMatch(expected);
    }
  });

  describe('the dynamic examples behave as their README promises, on a real server', () => {
    let server: Server;
    let port = 0;
    beforeAll(async () => {
      const app = express();
      app.get('/db', cors(corpus[2]?.[1] as CorsOptions), (_req, res) => void res.send('db'));
      app.get('/error', cors(corpus[3]?.[1] as CorsOptions), (_req, res) => void res.send('error'));
      app.options('/products/:id', cors());
      app.delete('/products/:id', cors(), (_req, res) => void res.send('deleted'));
      server = app.listen(0);
      await new Promise((r) => server.once('listening', r));
      port = (server.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it('a database callback with an array allows the listed origins only', async () => {
      expect((await send(port, 'GET', '/db', { Origin: 'http://example2.com' })).headers['access-control-allow-origin']).toBe('http://example2.com');
      expect((await send(port, 'GET', '/db', { Origin: 'http://evil.com' })).headers['access-control-allow-origin']).toBeUndefined();
    });
    it("an origin refused with new Error('Not allowed by CORS') gets no CORS headers instead of a 500", async () => {
      const r = await send(port, 'GET', '/error', { Origin: 'http://evil.com' });
      expect(r.status).toBe(200);
      expect(r.headers['access-control-allow-origin']).toBeUndefined();
    });
    it('app.options(route, cors()) answers the preflight for a DELETE route', async () => {
      const r = await send(port, 'OPTIONS', '/products/7', { Origin: 'https://shop.example', 'Access-Control-Request-Method': 'DELETE' });
      expect(r.status).toBe(204);
      expect(r.headers['access-control-allow-origin']).toBe('*');
      expect(r.headers['access-control-allow-methods']).toBe('GET,HEAD,PUT,PATCH,POST,DELETE'); // as cors sends it
    });
  });
});
