import express from 'express';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import cors, { CorsConfigError } from '../../src/adapters/express.js';
import { APP, OPTIONS, defineCases, listen, send } from './http.js';

describe('corsproof/express against real Express', () => {
  let server: Server;
  let port = 0;
  const calls: string[] = [];
  beforeAll(async () => {
    const app = express();
    app.use(cors(OPTIONS));
    app.use((req, _res, next) => {
      calls.push(req.path);
      next();
    });
    app.get('/ok', (_req, res) => {
      res.setHeader('Vary', 'Accept-Encoding');
      res.send('ok');
    });
    app.get('/boom', () => {
      throw new Error('boom');
    });
    app.get('/teapot', (_req, res) => void res.status(418).send('teapot'));
    app.get('/vary-star', (_req, res) => {
      res.setHeader('Vary', '*');
      res.send('star');
    });
    app.options('/options', (_req, res) => void res.send('app options'));
    server = app.listen(0);
    await new Promise((r) => server.once('listening', r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  defineCases(it, expect, () => port, calls);

  it("refuses origin: '*' with credentials when the middleware is created", () => {
    expect(() => cors({ origin: '*', credentials: true })).toThrow(CorsConfigError);
    expect(() => cors({ origin: '*', credentials: true })).toThrow(/CORSNotSupportingCredentials[\s\S]*WildcardOriginNotAllowed/);
  });
});

describe('corsproof/express keeps a Vary the app set as several values', () => {
  it("merges Origin into Vary: ['Accept', 'Accept-Encoding'] as one list (the vary package's format)", async () => {
    const app = express();
    app.use(cors({ origin: [APP] }));
    app.get('/', (_req, res) => {
      res.setHeader('Vary', ['Accept', 'Accept-Encoding']);
      res.send('ok');
    });
    const server = (await import('node:http')).createServer(app);
    const port = await listen(server);
    try {
      expect((await send(port, 'GET', '/', { Origin: APP })).headers.vary).toBe('Accept, Accept-Encoding, Origin');
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
