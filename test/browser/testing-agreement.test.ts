/**
 * corsproof/testing against real browsers: for each app (corsproof's
 * adapters, the peers misconfigured as users misconfigure them, the demo
 * APIs) and each request shape, the verdict expectCors reaches in-process
 * (the app object itself, no socket of the browser's) must be what real
 * Chromium, Firefox and WebKit do against the same app served on loopback:
 * pass or fail, Chromium's CorsError and console line, Firefox's console
 * line, every console line WebKit logs (WebKitGTK's MiniBrowser, all cases
 * in one launch: test/browser/webkit.ts).
 */
import { serve } from '@hono/node-server';
import koaCorsPeer from '@koa/cors';
import fastifyCorsPeer from '@fastify/cors';
import corsPeer from 'cors';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { cors as honoCorsPeer } from 'hono/cors';
import Koa from 'koa';
import { createServer } from 'node:http';
import type { RequestListener, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import expressCors from '../../src/adapters/express.js';
import fastifyCors from '../../src/adapters/fastify.js';
import { withCors as fetchWithCors } from '../../src/adapters/fetch.js';
import { cors as honoCors } from '../../src/adapters/hono.js';
import koaCors from '../../src/adapters/koa.js';
import { withCors as nodeWithCors } from '../../src/adapters/node.js';
import type { RunningDemo } from '../../src/demo/servers.js';
import { startDemos, stopDemos } from '../../src/demo/servers.js';
import type { Verdict } from '../../src/engine/types.js';
import type { CorsExpectation, FetchInit } from '../../src/testing/index.js';
import { expectCors } from '../../src/testing/index.js';
import type { Observation, World } from './harness.js';
import { runCases, startWorld } from './harness.js';
import { requireBrowser } from './require-browser.js';
import { SHAPES, predicted, seenBy } from './shapes.js';
import type { WebKitObservation } from './webkit.js';
import { runWebKitCases } from './webkit.js';

type Compared = { ok: boolean; code: string | null; message: string | null } | { ok: boolean; messages: string[] };

/** WebKit's line for any answer with an error status that script reads (as Chromium's "Failed to load resource" for a 4xx): no CORS line. */
const ERROR_STATUS = /^Failed to load resource: the server responded with a status of \d+/;

/** What WebKit did: pass or fail, and every CORS console line it logged for the case, in order. */
function seenByWebKit(o: Observation): Compared {
  return { ok: o.ok, messages: (o as WebKitObservation).webkit.messages.filter((m) => !ERROR_STATUS.test(m)) };
}

/** What the verdict says WebKit does: pass or fail, and its console lines (verdict.webkit.messages). */
function predictedForWebKit(v: Verdict): Compared {
  return { ok: v.browsers.webkit.ok, messages: v.webkit?.messages ?? [] };
}

/** An app under test: served on loopback for the browser, and the target expectCors takes in-process. */
interface App {
  name: string;
  port: number;
  target: (url: string) => CorsExpectation;
  close: () => Promise<void>;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return (server.address() as AddressInfo).port;
}
const closer = (server: Server) => () =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

/** Every app: corsproof's six adapters with one policy, the four peers as users misconfigure them. */
async function startApps(page: string): Promise<App[]> {
  const policy = { origin: [page], credentials: true, methods: ['GET', 'PUT', 'DELETE'], allowedHeaders: ['Content-Type', 'X-Api-Key'] };
  const wildcard = { origin: '*', credentials: true } as const;
  const apps: App[] = [];
  const nodeApp = async (name: string, listener: RequestListener, target: (url: string) => CorsExpectation) => {
    const server = createServer(listener);
    apps.push({ name, port: await listen(server), target, close: closer(server) });
  };
  const honoApp = async (name: string, fetch: (r: Request) => Response | Promise<Response>, target: (url: string) => CorsExpectation) => {
    const server = await new Promise<Server>((resolve) => {
      const s = serve({ fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server));
    });
    apps.push({ name, port: (server.address() as AddressInfo).port, target, close: closer(server) });
  };
  const ex = (middleware: express.RequestHandler) => express().use(middleware).all('/{*p}', (_req, res) => void res.type('text/plain').send('ok'));
  const e1 = ex(expressCors(policy));
  await nodeApp('corsproof/express', e1 as unknown as RequestListener, (url) => expectCors(e1, { url }));
  const k1 = new Koa().use(koaCors(policy)).use((ctx) => void (ctx.body = 'ok'));
  await nodeApp('corsproof/koa', k1.callback() as RequestListener, (url) => expectCors(k1, { url }));
  const f1 = Fastify();
  await f1.register(fastifyCors, policy);
  f1.route({ method: ['GET', 'PUT', 'DELETE', 'PATCH', 'POST'], url: '/*', handler: async () => 'ok' });
  await f1.listen({ port: 0, host: '127.0.0.1' });
  apps.push({ name: 'corsproof/fastify', port: (f1.server.address() as AddressInfo).port, target: (url) => expectCors(f1, { url }), close: () => f1.close() });
  const h1 = new Hono().use('*', honoCors(policy)).all('*', (c) => c.text('ok'));
  await honoApp('corsproof/hono', h1.fetch, (url) => expectCors(h1, { url }));
  const n1 = nodeWithCors(policy, (_req, res) => void res.end('ok'));
  await nodeApp('corsproof/node', n1, (url) => expectCors.node(n1, { url }));
  const w1 = fetchWithCors(policy, () => new Response('ok'));
  await honoApp('corsproof/fetch', w1, (url) => expectCors.fetch(w1, { url }));
  const e2 = ex(corsPeer(wildcard));
  await nodeApp('cors (*, credentials)', e2 as unknown as RequestListener, (url) => expectCors(e2, { url }));
  const f2 = Fastify();
  await f2.register(fastifyCorsPeer, wildcard);
  f2.route({ method: ['GET', 'PUT', 'DELETE', 'PATCH'], url: '/*', handler: async () => 'ok' });
  await f2.listen({ port: 0, host: '127.0.0.1' });
  apps.push({ name: '@fastify/cors (*, credentials)', port: (f2.server.address() as AddressInfo).port, target: (url) => expectCors(f2, { url }), close: () => f2.close() });
  const h2 = new Hono().use('*', honoCorsPeer(wildcard)).all('*', (c) => c.text('ok'));
  await honoApp('hono/cors (*, credentials)', h2.fetch, (url) => expectCors(h2, { url }));
  const k2 = new Koa().use(koaCorsPeer({ credentials: true })).use((ctx) => void (ctx.body = 'ok'));
  await nodeApp('@koa/cors (credentials: reflects)', k2.callback() as RequestListener, (url) => expectCors(k2, { url }));
  return apps;
}

interface Case {
  id: string;
  label: string;
  url: string;
  target: CorsExpectation;
  init: FetchInit;
  origin: string;
}

for (const browser of ['chromium', 'firefox', 'webkit'] as const) {
  describe(`corsproof/testing in-process vs real ${browser}`, () => {
    let world: World | undefined;
    let apps: App[] = [];
    let demos: RunningDemo[] = [];
    const cases: Case[] = [];
    const verdicts = new Map<string, Verdict>();
    let observations: Observation[] = [];

    beforeAll(async () => {
      if (browser !== 'webkit') requireBrowser(browser);
      world = await startWorld();
      const page = world.pageOrigin;
      apps = await startApps(page);
      apps.forEach((app, a) =>
        SHAPES.forEach((shape, s) => {
          const id = `t${a}x${s}`;
          const base = `http://localhost:${app.port}`;
          cases.push({ id, label: `${app.name}: ${shape.name}`, url: `${base}/c/${id}/0`, target: app.target(base), origin: page, init: { method: shape.method, headers: shape.headers, credentials: shape.credentials } });
        }),
      );
      // The demo APIs, each with its own request: a base URL (a deployed service).
      demos = await startDemos(page);
      demos.forEach((d, i) => {
        const id = `d${i}`;
        const base = new URL(d.url).origin;
        cases.push({ id, label: `demo: ${d.demo.id}`, url: `${base}/c/${id}/0`, target: expectCors(base), origin: page, init: { method: d.demo.method, headers: d.demo.headers, credentials: d.demo.credentials } });
      });
      for (const c of cases) verdicts.set(c.id, (await c.target.from(c.origin).fetch(new URL(c.url).pathname, c.init).run()).verdict);
      const scenarios = cases.map((c) => ({
        id: c.id,
        scenario: { request: { url: c.url, origin: c.origin, method: c.init.method ?? 'GET', headers: [...((c.init.headers as Array<[string, string]>) ?? [])], credentials: c.init.credentials ?? 'same-origin' }, preflight: null, response: { status: 200, headers: [] } },
      }));
      observations = browser === 'webkit' ? await runWebKitCases(world, scenarios) : await runCases(browser, world, scenarios);
    }, 10 * 60 * 1000);
    afterAll(async () => {
      await Promise.all(apps.map((a) => a.close()));
      await stopDemos(demos);
      await world?.close();
    });

    it('reaches the browser\'s verdict, error name and console line for every app and request shape', () => {
      expect(observations.filter((o) => o.error !== undefined)).toEqual([]);
      const seen = (o: Observation): Compared => (browser === 'webkit' ? seenByWebKit(o) : seenBy(browser, o));
      const said = (v: Verdict): Compared => (browser === 'webkit' ? predictedForWebKit(v) : predicted(browser, v));
      const rows = observations.map((o, i) => ({ case: cases[i]?.label, seen: seen(o), predicted: said(verdicts.get(o.id) as Verdict) }));
      expect(rows.filter((r) => JSON.stringify(r.seen) !== JSON.stringify(r.predicted))).toEqual([]);
      // Not a vacuous agreement: both outcomes occur, among them the seed's error and @koa/cors's silent reflection.
      expect(rows.filter((r) => r.seen.ok).length).toBeGreaterThan(10);
      expect(rows.filter((r) => !r.seen.ok).length).toBeGreaterThan(10);
      expect(rows.find((r) => r.case === 'cors (*, credentials): GET with credentials')?.seen.ok).toBe(false);
      expect(rows.find((r) => r.case === '@koa/cors (credentials: reflects): PUT JSON with credentials')?.seen.ok).toBe(true);
    });
  });
}
