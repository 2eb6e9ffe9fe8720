/**
 * corsproof/fastify's per-route options (`config.cors`) in real browsers,
 * with `register` not awaited (as in @fastify/cors's per-route example), in
 * Chromium and Firefox. Routes declared next to the register follow their
 * own options on their requests (`false`: both browsers block); routes
 * declared in a plugin registered after corsproof also get their own
 * preflight answers, which the browsers obey: a request the route's options
 * refuse is never sent, even when the plugin's options would allow it.
 */
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import cors from '../../src/adapters/fastify.js';
import type { CredentialsMode, HeaderList } from '../../src/engine/types.js';
import type { Observation, World } from './harness.js';
import { runCases, startWorld } from './harness.js';
import { requireBrowser } from './require-browser.js';

interface RouteCase {
  id: string;
  /** Where the route is declared: next to the register that is not awaited, or in a plugin registered after corsproof. */
  declared: 'next to register' | 'in a later plugin';
  /** The route's config.cors (undefined: the plugin's options). */
  cors?: false | ((page: string) => Record<string, unknown>);
  method: string;
  headers: HeaderList;
  credentials: CredentialsMode;
  /** Whether script may read the response. */
  intended: boolean;
  /** Whether the request itself reaches the handler (false: its preflight stops it). */
  reachesHandler: boolean;
  why: string;
}

/** The plugin's options: the page, with credentials, GET and PUT. */
const pluginOptions = (page: string): Record<string, unknown> => ({ origin: [page], credentials: true, methods: ['GET', 'PUT'] });

const CASES: RouteCase[] = [
  { id: 'normal', declared: 'next to register', method: 'GET', headers: [], credentials: 'same-origin', intended: true, reachesHandler: true, why: "the plugin's options allow the page" },
  { id: 'normalCred', declared: 'next to register', method: 'GET', headers: [], credentials: 'include', intended: true, reachesHandler: true, why: "the plugin's options allow credentials" },
  { id: 'off', declared: 'next to register', cors: false, method: 'GET', headers: [], credentials: 'same-origin', intended: false, reachesHandler: true, why: 'cors: false: no CORS headers' },
  { id: 'offPut', declared: 'next to register', cors: false, method: 'PUT', headers: [['X-Api-Key', 'k']], credentials: 'same-origin', intended: false, reachesHandler: true, why: 'cors: false: no CORS headers on the response (its preflight got the plugin\'s options)' },
  { id: 'ownStar', declared: 'next to register', cors: () => ({ origin: '*' }), method: 'GET', headers: [], credentials: 'same-origin', intended: true, reachesHandler: true, why: "the route's origin '*'" },
  { id: 'ownStarCred', declared: 'next to register', cors: () => ({ origin: '*' }), method: 'GET', headers: [], credentials: 'include', intended: false, reachesHandler: true, why: "the route's '*' with credentials (the plugin's options would allow it)" },
  {
    id: 'laterDelete',
    declared: 'in a later plugin',
    cors: () => ({ origin: '*', methods: ['DELETE'], allowedHeaders: ['X-Own'] }),
    method: 'DELETE',
    headers: [['X-Own', '1']],
    credentials: 'same-origin',
    intended: true,
    reachesHandler: true,
    why: "the route's preflight answer allows DELETE and X-Own (the plugin's options refuse DELETE)",
  },
  {
    id: 'laterDeleteOther',
    declared: 'in a later plugin',
    cors: () => ({ origin: '*', methods: ['DELETE'], allowedHeaders: ['X-Own'] }),
    method: 'DELETE',
    headers: [['X-Other', '1']],
    credentials: 'same-origin',
    intended: false,
    reachesHandler: false,
    why: "the route's options do not allow X-Other",
  },
  {
    id: 'laterPut',
    declared: 'in a later plugin',
    cors: (page) => ({ origin: [page], methods: ['PATCH'] }),
    method: 'PUT',
    headers: [['X-Api-Key', 'k']],
    credentials: 'same-origin',
    intended: false,
    reachesHandler: false,
    why: "the route's options refuse PUT (the plugin's options allow it)",
  },
  { id: 'laterOffPut', declared: 'in a later plugin', cors: false, method: 'PUT', headers: [['X-Api-Key', 'k']], credentials: 'same-origin', intended: false, reachesHandler: false, why: 'cors: false: its preflight is not answered' },
];

/** The app, with register not awaited; `handled` gets `METHOD /c/<id>/0` for each request that reaches a handler. */
async function startApp(page: string, handled: string[]): Promise<{ app: FastifyInstance; port: number }> {
  const app = Fastify();
  void app.register(cors, pluginOptions(page));
  const add = (target: FastifyInstance, c: RouteCase): void => {
    const config = c.cors === undefined ? {} : { config: { cors: c.cors === false ? false : c.cors(page) } };
    target.route({
      method: c.method,
      url: `/c/${c.id}/0`,
      ...config,
      handler: async (req, reply) => {
        handled.push(`${req.method} ${req.url}`);
        return reply.type('text/plain').send('ok');
      },
    });
  };
  for (const c of CASES) if (c.declared === 'next to register') add(app, c);
  void app.register(async (later) => {
    for (const c of CASES) if (c.declared === 'in a later plugin') add(later, c);
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, port: (app.server.address() as AddressInfo).port };
}

for (const browser of ['chromium', 'firefox'] as const) {
  describe(`corsproof/fastify per-route options in real ${browser}, register not awaited`, () => {
    let world: World | undefined;
    let app: FastifyInstance | undefined;
    const handled: string[] = [];
    let observations: Observation[] = [];

    beforeAll(async () => {
      requireBrowser(browser);
      world = await startWorld();
      const started = await startApp(world.pageOrigin, handled);
      app = started.app;
      const page = world.pageOrigin;
      observations = await runCases(
        browser,
        world,
        CASES.map((c) => ({
          id: c.id,
          scenario: {
            request: { url: `http://localhost:${started.port}/c/${c.id}/0`, origin: page, method: c.method, headers: c.headers, credentials: c.credentials },
            preflight: null,
            response: { status: 200, headers: [['Content-Length', '2']] },
          },
        })),
      );
    });
    afterAll(async () => {
      await app?.close();
      await world?.close();
    });

    it("blocks or passes each request as the route's own options say, preflights included", () => {
      const rows = CASES.map((c) => {
        const o = observations.find((x) => x.id === c.id);
        return {
          case: `${c.id} (${c.declared}): ${c.why}`,
          intended: c.intended,
          browser: o?.ok,
          error: o?.error,
          reachesHandler: c.reachesHandler,
          reached: handled.includes(`${c.method} /c/${c.id}/0`),
        };
      });
      console.log(`[${browser}] corsproof/fastify routes: ${rows.length} cases, ${rows.filter((r) => r.intended).length} meant to pass`);
      expect(rows.filter((r) => r.error !== undefined)).toEqual([]);
      expect(rows.filter((r) => r.browser !== r.intended)).toEqual([]);
      expect(rows.filter((r) => r.reached !== r.reachesHandler)).toEqual([]);
    });
  });
}
