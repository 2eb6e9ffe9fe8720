/**
 * The middleware in real browsers: policies × request shapes, through every
 * adapter's real server on loopback, in Chromium and Firefox. Each browser
 * must let script read the response exactly when the policy means to allow
 * the request (origin, credentials, method, headers).
 *
 * The page's origin is the harness's (http://127.0.0.1:P); refused origins
 * come from policies that do not list it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scenario } from '../../src/engine/types.js';
import type { CorsOptions } from '../../src/policy/options.js';
import type { AdapterName, Running } from '../adapters/servers.js';
import { ADAPTERS, startAdapter } from '../adapters/servers.js';
import type { Observation, World } from './harness.js';
import { runCases, startWorld } from './harness.js';
import { requireBrowser } from './require-browser.js';
import type { Shape } from './shapes.js';
import { SHAPES } from './shapes.js';

interface PolicyCase {
  name: string;
  /** The options for an adapter (origin functions are called each framework's way: Koa passes its context). */
  options: (page: string, adapter: AdapterName) => CorsOptions;
  /** The policy's intent for a shape from the page's origin. */
  intends: (shape: Shape) => boolean;
}

const needsPreflight = (s: Shape): boolean => !['GET', 'HEAD', 'POST'].includes(s.method) || s.headers.length > 0;

const POLICIES: PolicyCase[] = [
  {
    name: 'the page origin, credentials, GET/PUT/DELETE, content-type and x-api-key',
    options: (page) => ({ origin: [page], credentials: true, methods: ['GET', 'PUT', 'DELETE'], allowedHeaders: ['Content-Type', 'X-Api-Key'] }),
    intends: (s) => !needsPreflight(s) || (['GET', 'PUT', 'DELETE', 'POST'].includes(s.method) && s.headers.every(([n]) => ['content-type', 'x-api-key'].includes(n.toLowerCase()))),
  },
  {
    name: "'*' without credentials",
    options: () => ({ origin: '*' }),
    intends: (s) => s.credentials !== 'include',
  },
  {
    name: 'a loopback port pattern with credentials',
    options: () => ({ origin: 'http://127.0.0.1:*', credentials: true, maxAge: 600 }),
    intends: () => true,
  },
  {
    name: 'an origin function allowing the page',
    options: (page, adapter) => ({
      origin: adapter === 'koa' ? (((ctx: { get(name: string): string }) => ctx.get('Origin') === page) as never) : (o: string) => o === page,
      methods: 'GET,DELETE,PATCH',
    }),
    intends: (s) => s.credentials !== 'include' && (!needsPreflight(s) || ['GET', 'DELETE', 'PATCH', 'POST'].includes(s.method)),
  },
  {
    name: 'other origins only',
    options: () => ({ origin: ['https://app.example.com', 'https://*.example.org'], credentials: true }),
    intends: () => false,
  },
];

interface MatrixCase {
  id: string;
  label: string;
  intended: boolean;
  scenario: Scenario;
}

for (const browser of ['chromium', 'firefox'] as const) {
  describe(`middleware in real ${browser}: every adapter, policy and request shape`, () => {
    let world: World | undefined;
    const servers: Running[] = [];
    const matrix: MatrixCase[] = [];
    let observations: Observation[] = [];

    beforeAll(async () => {
      requireBrowser(browser);
      world = await startWorld();
      let i = 0;
      for (const adapter of ADAPTERS as readonly AdapterName[]) {
        for (const policy of POLICIES) {
          const server = await startAdapter(adapter, policy.options(world.pageOrigin, adapter));
          servers.push(server);
          for (const shape of SHAPES) {
            const id = `m${i++}`;
            matrix.push({
              id,
              label: `${adapter} | ${policy.name} | ${shape.name}`,
              intended: policy.intends(shape),
              scenario: {
                request: { url: `http://localhost:${server.port}/c/${id}/0`, origin: world.pageOrigin, method: shape.method, headers: shape.headers, credentials: shape.credentials },
                preflight: null,
                response: { status: 200, headers: [['Content-Length', '2']] },
              },
            });
          }
        }
      }
      observations = await runCases(browser, world, matrix);
    });
    afterAll(async () => {
      await Promise.all(servers.map((s) => s.close()));
      await world?.close();
    });

    it("lets script read the response exactly when the policy means to allow it", () => {
      const rows = matrix.map((m) => {
        const o = observations.find((x) => x.id === m.id);
        return { case: m.label, intended: m.intended, browser: o?.ok, error: o?.error };
      });
      const allowed = rows.filter((r) => r.intended).length;
      console.log(`[${browser}] middleware matrix: ${rows.length} cases (${ADAPTERS.length} adapters × ${POLICIES.length} policies × ${SHAPES.length} shapes), ${allowed} meant to pass, ${rows.length - allowed} to be blocked`);
      expect(rows.filter((r) => r.error !== undefined)).toEqual([]);
      expect(rows.filter((r) => r.browser !== r.intended)).toEqual([]);
    });
  });
}
