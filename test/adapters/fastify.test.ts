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

/** A log line of Fastify's logger (pino JSON). */
interface LogLine {
  level: number;
  msg: string;
  err?: { type?: string; message?: string };
  route?: string;
}
const WARN = 40;
const ERROR = 50;

/** Build an app with `build` (which may leave `register` not awaited), start it on loopback, run `test`, close it. */
async function withApp(build: (app: FastifyInstance) => void | Promise<void>, test: (port: number, logs: LogLine[], app: FastifyInstance) => Promise<void>): Promise<void> {
  const logs: LogLine[] = [];
  const app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) } } });
  try {
    await build(app);
    await app.listen({ port: 0, host: '127.0.0.1' });
    await test((app.server.address() as { port: number }).port, logs, app);
  } finally {
    await app.close();
  }
}

const preflight = (method: string, origin = APP, headers: Record<string, string> = {}): Record<string, string> => ({
  Origin: origin,
  'Access-Control-Request-Method': method,
  ...headers,
});

describe('corsproof/fastify: config.cors whatever the registration order (issue 8, item 4)', () => {
  it("a route declared next to a register that is not awaited follows its own config.cors ('false' and options)", async () => {
    const handled: string[] = [];
    await withApp(
      (app) => {
        void app.register(cors, OPTIONS); // not awaited, as in @fastify/cors's per-route example
        app.get('/off', { config: { cors: false } }, async () => (handled.push('/off'), 'off'));
        app.get('/normal', async () => 'normal');
        app.get('/own', { config: { cors: { origin: '*' } } }, async () => 'own');
      },
      async (port, logs) => {
        const off = await send(port, 'GET', '/off', { Origin: APP });
        expect([off.status, off.body, off.headers['access-control-allow-origin']]).toEqual([200, 'off', undefined]);
        expect(handled).toEqual(['/off']);
        const normal = await send(port, 'GET', '/normal', { Origin: APP });
        expect([normal.headers['access-control-allow-origin'], normal.headers['access-control-allow-credentials']]).toEqual([APP, 'true']);
        for (let i = 0; i < 2; i++) {
          const own = await send(port, 'GET', '/own', { Origin: EVIL });
          expect([own.headers['access-control-allow-origin'], own.headers['access-control-allow-credentials']]).toEqual(['*', undefined]);
        }
        // Fastify showed the plugin neither route: the first request to each says that its preflights get the plugin's options, once.
        const warnings = logs.filter((l) => l.level === WARN && l.msg.includes('declared before corsproof/fastify loaded'));
        expect(warnings.map((l) => l.route).sort()).toEqual(['/off', '/own']);
      },
    );
  });

  it("invalid options on a route the plugin only sees at request time: 500 and an error log, never a silent allow", async () => {
    const handled: string[] = [];
    await withApp(
      (app) => {
        void app.register(cors, OPTIONS);
        app.get('/bad', { config: { cors: { origin: '*', credentials: true } } }, async () => (handled.push('/bad'), 'bad'));
        app.get('/fine', async () => 'fine');
      },
      async (port, logs) => {
        for (const headers of [{ Origin: APP }, { Origin: EVIL }, {}] as Array<Record<string, string>>) {
          const r = await send(port, 'GET', '/bad', headers);
          expect(r.status).toBe(500);
          expect(r.headers['access-control-allow-origin']).toBeUndefined();
          expect(r.body).not.toContain('credentials'); // the options stay in the log, not in the answer
        }
        const p = await send(port, 'OPTIONS', '/bad', preflight('GET'));
        expect(p.headers['access-control-allow-origin']).toBe(APP); // the catch-all's own (the plugin's) options
        expect(handled).toEqual([]);
        const errors = logs.filter((l) => l.level === ERROR && l.err?.type === 'CorsConfigError');
        expect(errors.length).toBeGreaterThanOrEqual(3);
        expect(errors[0]?.err?.message).toContain("origin '*' with credentials");
        expect((await send(port, 'GET', '/fine', { Origin: APP })).status).toBe(200);
      },
    );
  });

  it('invalid route options that the plugin sees being added (a plugin registered after it, register not awaited) make app.ready() fail', async () => {
    const app = Fastify();
    void app.register(cors, OPTIONS);
    void app.register(async (routes) => {
      routes.get('/bad', { config: { cors: { origin: '*', credentials: true } } }, async () => 'bad');
    });
    await expect(app.ready()).rejects.toThrow(CorsConfigError);
    await app.close().catch(() => undefined);
  });

  it("a route the plugin sees (declared in a plugin registered after it, not awaited): its preflights follow its own options", async () => {
    await withApp(
      (app) => {
        void app.register(cors, OPTIONS);
        void app.register(async (routes) => {
          routes.put('/own', { config: { cors: { origin: '*', methods: ['PUT'] } } }, async () => 'own');
        });
      },
      async (port) => {
        const p = await send(port, 'OPTIONS', '/own', preflight('PUT', EVIL, { 'Access-Control-Request-Headers': 'x-a' }));
        expect([p.status, p.headers['access-control-allow-origin'], p.headers['access-control-allow-methods']]).toEqual([204, '*', 'PUT']);
      },
    );
  });

  it('a preflight follows the options of the route its Access-Control-Request-Method reaches, on a path with several', async () => {
    await withApp(
      async (app) => {
        await app.register(cors, OPTIONS);
        app.get('/multi', { config: { cors: { origin: '*' } } }, async () => 'get');
        app.delete('/multi', async () => 'delete'); // the plugin's options
        app.put('/multi', { config: { cors: false } }, async () => 'put');
        app.patch('/off', { config: { cors: false } }, async () => 'patch');
      },
      async (port) => {
        const get = await send(port, 'OPTIONS', '/multi', preflight('GET', EVIL, { 'Access-Control-Request-Headers': 'x-a' }));
        expect([get.status, get.headers['access-control-allow-origin']]).toEqual([204, '*']);
        // Regression: the first route's options (origin '*', no credentials) answered every preflight of the path.
        const del = await send(port, 'OPTIONS', '/multi', preflight('DELETE'));
        expect([del.status, del.headers['access-control-allow-origin'], del.headers['access-control-allow-credentials']]).toEqual([204, APP, 'true']);
        // Regression: a route with cors: false had its preflights allowed by the plugin's options (so the browser sent the request).
        for (const [method, path] of [['PUT', '/multi'], ['PATCH', '/off']] as const) {
          const off = await send(port, 'OPTIONS', path, preflight(method));
          expect([off.status, off.headers['access-control-allow-origin']]).toEqual([404, undefined]);
        }
      },
    );
  });

  it('the preflight route of a route with its own options gets the right path when the plugin is registered under a prefix', async () => {
    await withApp(
      (app) => {
        void app.register(
          async (api) => {
            await api.register(cors, OPTIONS);
            api.get('/own', { config: { cors: { origin: '*' } } }, async () => 'own');
          },
          { prefix: '/api' },
        );
      },
      async (port, _logs, app) => {
        // Regression: it was added at /api/api/own, so the prefix's catch-all answered with the plugin's options (403 for EVIL).
        const p = await send(port, 'OPTIONS', '/api/own', preflight('GET', EVIL, { 'Access-Control-Request-Headers': 'x-a' }));
        expect([p.status, p.headers['access-control-allow-origin']]).toEqual([204, '*']);
        expect(app.printRoutes({ commonPrefix: false })).not.toContain('/api/api');
      },
    );
  });

  it("the app's own OPTIONS route with config.cors, declared before the other routes of its path: no clash", async () => {
    await withApp(
      async (app) => {
        await app.register(cors, OPTIONS);
        app.options('/both', { config: { cors: { origin: '*', methods: ['OPTIONS'] } } }, async () => 'app options');
        app.get('/both', async () => 'get');
      },
      async (port) => {
        const p = await send(port, 'OPTIONS', '/both', preflight('OPTIONS', EVIL));
        expect([p.status, p.headers['access-control-allow-origin']]).toEqual([204, '*']);
        const g = await send(port, 'OPTIONS', '/both', preflight('GET'));
        expect([g.status, g.headers['access-control-allow-origin']]).toEqual([204, APP]);
        expect((await send(port, 'OPTIONS', '/both', { Origin: EVIL })).body).toBe('app options');
      },
    );
  });
});

describe("corsproof/fastify: the plugin's OPTIONS routes (issue 8, item 5)", () => {
  it('preflightContinue: a preflight for a route without an OPTIONS handler gets the success status and no body', async () => {
    for (const optionsSuccessStatus of [204, 200]) {
      await withApp(
        async (app) => {
          await app.register(cors, { ...OPTIONS, preflightContinue: true, optionsSuccessStatus });
          app.put('/x', async () => 'x');
          app.options('/has-options', async () => 'app options');
        },
        async (port) => {
          // Regression: 404 (browsers refuse the preflight).
          const r = await send(port, 'OPTIONS', '/x', preflight('PUT'));
          expect([r.status, r.body, r.headers['access-control-allow-origin']]).toEqual([optionsSuccessStatus, '', APP]);
          expect(String(r.headers['access-control-allow-methods']).split(/, ?/)).toContain('PUT');
          const own = await send(port, 'OPTIONS', '/has-options', preflight('PUT'));
          expect([own.body, own.headers['access-control-allow-origin']]).toEqual(['app options', APP]);
          const refused = await send(port, 'OPTIONS', '/x', preflight('PUT', EVIL));
          expect(refused.status).toBe(403);
        },
      );
    }
  });

  it("what the plugin does not answer goes to the app's not-found handler (origin: false, OPTIONS that are not preflights)", async () => {
    for (const options of [{ origin: false as const }, OPTIONS]) {
      await withApp(
        async (app) => {
          await app.register(cors, options);
          app.setNotFoundHandler(async (_req, reply) => reply.code(404).send({ notFound: 'the app' }));
          app.get('/x', async () => 'x');
        },
        async (port) => {
          // Regression: the plugin's own plain-text 404, bypassing the app's handler.
          const plain = await send(port, 'OPTIONS', '/x', { Origin: APP });
          expect([plain.status, plain.body]).toEqual([404, '{"notFound":"the app"}']);
          if (options === OPTIONS) expect(plain.headers['access-control-allow-origin']).toBe(APP);
          else {
            const p = await send(port, 'OPTIONS', '/x', preflight('GET'));
            expect([p.status, p.body, p.headers['access-control-allow-origin']]).toEqual([404, '{"notFound":"the app"}', undefined]);
          }
        },
      );
    }
  });

  it('@fastify/swagger lists none of the plugin\'s OPTIONS routes (hideOptionsRoute: false shows them)', async () => {
    const swagger = (await import('@fastify/swagger')).default;
    const optionPaths = async (extra: { hideOptionsRoute?: boolean }): Promise<{ options: string[]; all: string[] }> => {
      const app = Fastify();
      await app.register(swagger, { openapi: { info: { title: 'api', version: '1.0.0' } } });
      await app.register(cors, { ...OPTIONS, ...extra });
      app.get('/x', async () => 'x');
      app.get('/own', { config: { cors: { origin: '*' } } }, async () => 'own');
      await app.ready();
      const paths = (app.swagger() as { paths?: Record<string, Record<string, unknown>> }).paths ?? {};
      await app.close();
      return { options: Object.keys(paths).filter((p) => 'options' in (paths[p] ?? {})), all: Object.keys(paths).sort() };
    };
    const hidden = await optionPaths({});
    expect(hidden).toEqual({ options: [], all: ['/own', '/x'] });
    // The control: the same app shows them when asked to, so the check above can fail.
    expect((await optionPaths({ hideOptionsRoute: false })).options.sort()).toEqual(['/own', '{*}']);
  });
});

describe("corsproof/fastify: @fastify/cors's own options", () => {
  it('preflight: false answers no preflight and adds no OPTIONS route: allowed preflights get the headers and go on', async () => {
    await withApp(
      async (app) => {
        await app.register(cors, { ...OPTIONS, preflight: false });
        app.setNotFoundHandler(async (_req, reply) => reply.code(404).send('app 404'));
        app.put('/x', async () => 'x');
        app.put('/own', { config: { cors: { origin: '*' } } }, async () => 'own');
        app.options('/has-options', async () => 'app options');
      },
      async (port, _logs, app) => {
        // The app's own OPTIONS route is the only one.
        expect(app.printRoutes({ commonPrefix: false }).match(/OPTIONS/g)).toEqual(['OPTIONS']);
        const r = await send(port, 'OPTIONS', '/x', preflight('PUT'));
        expect([r.status, r.body, r.headers['access-control-allow-origin']]).toEqual([404, 'app 404', APP]);
        expect(String(r.headers['access-control-allow-methods']).split(/, ?/)).toContain('PUT');
        const own = await send(port, 'OPTIONS', '/has-options', preflight('PUT'));
        expect([own.status, own.body, own.headers['access-control-allow-origin']]).toEqual([200, 'app options', APP]);
      },
    );
    await expect(Fastify().register(cors, { ...OPTIONS, preflight: false, preflightContinue: false }).ready()).rejects.toThrow(/preflightContinue/);
  });

  it('accepts the options that cost nothing: hideOptionsRoute, strictPreflight: true, hook: onRequest, logLevel (on the plugin\'s OPTIONS routes)', async () => {
    await withApp(
      async (app) => {
        await app.register(cors, { ...OPTIONS, hideOptionsRoute: true, strictPreflight: true, hook: 'onRequest', logLevel: 'error' });
        app.get('/x', async () => 'x');
      },
      async (port, _logs, app) => {
        expect(app.printRoutes({ commonPrefix: false, includeMeta: ['logLevel'] })).toMatch(/\* \(OPTIONS\) \{"corsproofPreflight":"preflight"\}\n\s*• \(logLevel\) "error"/);
        expect((await send(port, 'OPTIONS', '/x', preflight('GET'))).status).toBe(204);
      },
    );
  });

  it('refuses the others with the corsproof way to the same effect, together with the policy problems', async () => {
    const refused = async (options: Record<string, unknown>): Promise<CorsConfigError> => {
      const error: unknown = await Fastify()
        .register(cors, options as never)
        .ready()
        .then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(CorsConfigError);
      return error as CorsConfigError;
    };
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ hook: 'preHandler' }, 'hook', /onRequest.*origin function.*createPolicy/s],
      [{ strictPreflight: false }, 'strictPreflight', /only real CORS preflights.*OPTIONS route/s],
      [{ cacheControl: 300 }, 'cacheControl', /maxAge: 300.*onSend/s],
      [{ cacheControl: 'public, max-age=100000' }, 'cacheControl', /maxAge: 86400\./],
      [{ delegator: () => ({ origin: '*' }) }, 'delegator', /origin function.*config: \{ cors/s],
      [{ preflight: 'no' }, 'preflight', /true or false/],
      [{ hideOptionsRoute: 1 }, 'hideOptionsRoute', /true or false/],
    ];
    for (const [options, path, message] of cases) {
      const e = await refused(options);
      expect(e.problems.map((p) => p.path)).toEqual([path]);
      expect(e.problems[0]?.message).toMatch(message);
    }
    const both = await refused({ cacheControl: 60, origin: '*', credentials: true });
    expect(both.problems.map((p) => p.path)).toEqual(['cacheControl', 'origin']);
  });

  it("refuses the plugin's route options (preflight, hideOptionsRoute, logLevel) in a route's config.cors, and config.cors that is not options or false", async () => {
    const app = Fastify();
    await app.register(cors, OPTIONS);
    expect(() => app.get('/a', { config: { cors: { preflight: false } } }, async () => 'a')).toThrow(/app\.register\(cors, \{ preflight: false \}\)/);
    expect(() => app.get('/b', { config: { cors: true } }, async () => 'b')).toThrow(/config\.cors: expected an options object, or false/);
    expect(() => app.get('/c', { config: { cors: { strictPreflight: true, hook: 'onRequest', origin: '*' } } }, async () => 'c')).not.toThrow();
    await app.close();
  });
});

describe("corsproof/fastify next to the app's own catch-all routes", () => {
  it.each([
    [
      "app.all('/*')",
      (app: FastifyInstance): void => {
        app.all('/*', async (req): Promise<string> => `app ${req.method}`);
      },
    ],
    [
      "app.options('*')",
      (app: FastifyInstance): void => {
        app.options('*', async (req): Promise<string> => `app ${req.method}`);
        app.get('/*', async (req): Promise<string> => `app ${req.method}`);
      },
    ],
  ] as const)('%s: the app starts, preflights are answered, every other OPTIONS reaches the app', async (_name, declare) => {
    const app = Fastify();
    await app.register(cors, { origin: [APP], credentials: true, methods: ['GET', 'PUT'] });
    declare(app);
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const port = (app.server.address() as { port: number }).port;
      const preflight = await send(port, 'OPTIONS', '/items/7', { Origin: APP, 'Access-Control-Request-Method': 'PUT' });
      expect(preflight.status).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe(APP);
      expect(preflight.body).toBe('');
      const refused = await send(port, 'OPTIONS', '/items/7', { Origin: EVIL, 'Access-Control-Request-Method': 'PUT' });
      expect(refused.status).toBe(403);
      const own = await send(port, 'OPTIONS', '/items/7', { Origin: APP });
      expect(own.body).toBe('app OPTIONS');
      const get = await send(port, 'GET', '/items/7', { Origin: APP });
      expect(get.body).toBe('app GET');
      expect(get.headers['access-control-allow-origin']).toBe(APP);
    } finally {
      await app.close();
    }
  });
});

describe('corsproof/fastify keeps a Vary the route set as several values', () => {
  it("merges Origin into Vary: ['Accept', 'Accept-Encoding'] as one list", async () => {
    const app = Fastify();
    await app.register(cors, { origin: [APP] });
    app.get('/', async (_req, reply) => reply.header('Vary', ['Accept', 'Accept-Encoding']).send('ok'));
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const port = (app.server.address() as { port: number }).port;
      expect((await send(port, 'GET', '/', { Origin: APP })).headers.vary).toBe('Accept, Accept-Encoding, Origin');
    } finally {
      await app.close();
    }
  });
});
