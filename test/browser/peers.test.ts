/**
 * Why the middleware validates: the usual CORS middlewares, configured with
 * `origin: '*', credentials: true`, start without a word and then fail every
 * credentialed request in real browsers (Firefox CORSNotSupportingCredentials,
 * Chromium WildcardOriginNotAllowed), and @koa/cors with `credentials: true`
 * silently lets every origin read credentialed responses. corsproof refuses
 * both configurations when the middleware is created.
 */
import { serve } from '@hono/node-server';
import koaCorsPeer from '@koa/cors';
import corsPeer from 'cors';
import express from 'express';
import Fastify from 'fastify';
import fastifyCorsPeer from '@fastify/cors';
import { Hono } from 'hono';
import { cors as honoCorsPeer } from 'hono/cors';
import Koa from 'koa';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import expressCors from '../../src/adapters/express.js';
import fastifyCors from '../../src/adapters/fastify.js';
import { cors as honoCors } from '../../src/adapters/hono.js';
import koaCors from '../../src/adapters/koa.js';
import { CorsConfigError } from '../../src/policy/errors.js';
import type { Observation, World } from './harness.js';
import { runCases, startWorld } from './harness.js';
import { requireBrowser } from './require-browser.js';

const WILDCARD_WITH_CREDENTIALS = { origin: '*', credentials: true } as const;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as AddressInfo).port;
}

async function startPeers(): Promise<{ ports: Record<string, number>; close: () => Promise<void> }> {
  const servers: Server[] = [];
  const ports: Record<string, number> = {};
  const e = express();
  e.use(corsPeer(WILDCARD_WITH_CREDENTIALS));
  e.get('/{*p}', (_req, res) => void res.send('ok'));
  servers.push(createServer(e));
  ports.cors = await listen(servers.at(-1) as Server);
  const f = Fastify();
  await f.register(fastifyCorsPeer, WILDCARD_WITH_CREDENTIALS);
  f.get('/*', async () => 'ok');
  await f.ready();
  servers.push(f.server);
  ports['@fastify/cors'] = await listen(f.server);
  const h = new Hono();
  h.use('*', honoCorsPeer(WILDCARD_WITH_CREDENTIALS));
  h.get('*', (c) => c.text('ok'));
  const hs = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: h.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server)) as Server;
  });
  servers.push(hs);
  ports['hono/cors'] = (hs.address() as AddressInfo).port;
  const k = new Koa();
  k.use(koaCorsPeer({ credentials: true }));
  k.use((ctx) => void (ctx.body = 'ok'));
  servers.push(createServer(k.callback()));
  ports['@koa/cors'] = await listen(servers.at(-1) as Server);
  return {
    ports,
    close: () => Promise.all(servers.map((s) => new Promise<void>((r) => { s.closeAllConnections(); s.close(() => r()); }))).then(() => undefined),
  };
}

describe('corsproof refuses the configurations the peers accept silently', () => {
  it.each([
    ['corsproof/express', () => expressCors(WILDCARD_WITH_CREDENTIALS)],
    ['corsproof/hono', () => honoCors(WILDCARD_WITH_CREDENTIALS)],
    ['corsproof/koa', () => koaCors(WILDCARD_WITH_CREDENTIALS)],
    ['corsproof/koa, credentials only', () => koaCors({ credentials: true })],
  ])('%s', (_name, make) => {
    expect(make).toThrow(CorsConfigError);
  });
  it('corsproof/fastify', async () => {
    await expect(Fastify().register(fastifyCors, WILDCARD_WITH_CREDENTIALS).ready()).rejects.toThrow(CorsConfigError);
  });
});

for (const browser of ['chromium', 'firefox'] as const) {
  describe(`the peers in real ${browser}`, () => {
    let world: World | undefined;
    let peers: Awaited<ReturnType<typeof startPeers>> | undefined;
    let observations: Observation[] = [];
    const names = ['cors', '@fastify/cors', 'hono/cors', '@koa/cors'];
    beforeAll(async () => {
      requireBrowser(browser);
      world = await startWorld();
      peers = await startPeers();
      const w = world;
      observations = await runCases(
        browser,
        w,
        names.map((name, i) => ({
          id: `peer${i}`,
          scenario: {
            request: { url: `http://localhost:${peers?.ports[name]}/c/peer${i}/0`, origin: w.pageOrigin, method: 'GET', headers: [], credentials: 'include' as const },
            preflight: null,
            response: { status: 200, headers: [['Content-Length', '2']] },
          },
        })),
      );
    });
    afterAll(async () => {
      await peers?.close();
      await world?.close();
    });

    it.each([0, 1, 2])("%#: origin '*' with credentials fails every credentialed request with the classic error", (i) => {
      const o = observations[i] as Observation;
      expect(o.ok).toBe(false);
      if (browser === 'chromium') expect(o.chromium?.corsError).toBe('WildcardOriginNotAllowed');
      else expect(o.firefox?.messages[0]).toContain('Credential is not supported if the CORS header ‘Access-Control-Allow-Origin’ is ‘*’');
    });
    it('@koa/cors with credentials lets any origin read credentialed responses', () => {
      expect((observations[3] as Observation).ok).toBe(true);
    });
  });
}
