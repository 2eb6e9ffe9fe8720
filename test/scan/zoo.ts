/**
 * The scanner's zoo: misconfigured CORS servers on loopback, each planting
 * one class of finding (or a correctly configured twin, planting nothing
 * high or medium), each class in at least two stacks: Express with the
 * `cors` package or hand-written middleware, node:http, Fastify with
 * `@fastify/cors`, Hono with `hono/cors` (on @hono/node-server), Debian's
 * nginx (one process, one `server` block per zoo server), and corsproof's
 * own adapters among the twins.
 *
 * Every server answers `GET /data` with a 200 JSON body and no cookie.
 *
 * Legit origins carry a port: `http://app.example.com:<pagePort>` (and
 * `https://app.example.com:<pagePort>` for the http-twin class), so the
 * probe origins the table derives from them (prefix, suffix, unescaped dot,
 * substring, special characters, any subdomain, the http twin) carry that
 * port too, and a page served at any of them exists on loopback: the zoo's
 * page server listens on 127.0.0.1:<pagePort> and answers for any host name
 * (the browser maps the names to 127.0.0.1). The legit host has a real
 * registrable domain (example.com), so the suffix, unescaped-dot and
 * substring probes exist (the public suffix list decides).
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as legacyParse } from 'node:url';
import { serve } from '@hono/node-server';
import fastifyPeerCors from '@fastify/cors';
import peerCors from 'cors';
import express from 'express';
import type { Express } from 'express';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { Hono } from 'hono';
import { cors as honoPeerCors } from 'hono/cors';
import corsproofExpress from '../../src/adapters/express.js';
import corsproofFastify from '../../src/adapters/fastify.js';
import { cors as corsproofHono } from '../../src/adapters/hono.js';
import type { FindingId, Severity } from '../../src/scan/types.js';
import type { Proc } from '../recipes/procs.js';
import { freePort, requireTool, runToEnd, startProcess, waitForPort } from '../recipes/procs.js';

export type { FindingId, Severity };

/** How a zoo server is built. */
export type Stack =
  | 'express+cors'
  | 'express (hand-written)'
  | 'node:http (hand-written)'
  | 'fastify+@fastify/cors'
  | 'hono+hono/cors'
  | 'hono (hand-written)'
  | 'nginx'
  | 'nginx (proxy over express+cors)'
  | 'corsproof/express'
  | 'corsproof/fastify'
  | 'corsproof/hono';

/** A finding the server plants, with the severity the scanner must give it. */
export interface Planted {
  id: FindingId;
  severity: Severity;
}

/** One zoo server, as the scanner is pointed at it. */
export interface ZooServer {
  /** Unique, `<class or twin>/<stack>`. */
  name: string;
  stack: Stack;
  /** `http://127.0.0.1:<port>/data`. */
  url: string;
  method: 'GET';
  /** The origin the site really serves its pages from (what `--origin` says). */
  legitOrigin: string;
  /** Exactly what the scanner must report (empty: a correctly configured twin). */
  planted: Planted[];
  /** Whether a page at the legit origin reads the credentialed response (the positive control: the server works for its own site). */
  legitReadsWithCredentials: boolean;
}

export interface Zoo {
  servers: ZooServer[];
  /** The port of the page server on 127.0.0.1, which every legit and derived probe origin carries. */
  pagePort: number;
  /** `http://app.example.com:<pagePort>`. */
  legit: string;
  /** `https://app.example.com:<pagePort>` (its http twin is {@link legit}). */
  legitHttps: string;
  close(): Promise<void>;
}

/** The body every zoo server answers GET /data with: a page that reads it shows it. */
export const SECRET_BODY = '{"account":"zoo-secret-4711"}';

/** The legit host: a real registrable domain (example.com), so that every derived probe class exists. */
export const LEGIT_HOST = 'app.example.com';

const high = (id: FindingId): Planted => ({ id, severity: 'high' });
const medium = (id: FindingId): Planted => ({ id, severity: 'medium' });
const low = (id: FindingId): Planted => ({ id, severity: 'low' });
const info = (id: FindingId): Planted => ({ id, severity: 'info' });

/** What a server's definition gets to build itself. */
interface Ctx {
  legit: string;
  legitHttps: string;
}

interface Common {
  cls: string;
  /** The legit origin: http (default) or https. */
  https?: boolean;
  planted: Planted[];
  legitReadsWithCredentials?: boolean;
}

/** A Node server in this process: returns the listening server. */
interface NodeDef extends Common {
  stack: Exclude<Stack, 'nginx' | 'nginx (proxy over express+cors)'>;
  start: (ctx: Ctx) => Promise<Server>;
}

/** An nginx `server` block's directives inside `location = /data` (headers, returns), and the maps it needs. */
interface NginxDef extends Common {
  stack: 'nginx' | 'nginx (proxy over express+cors)';
  /** `map` blocks (http level), `$v` standing for this server's own variable name. */
  maps?: (ctx: Ctx, v: string) => string;
  location: (ctx: Ctx, v: string, upstream: string) => string;
}

type Def = NodeDef | NginxDef;

// ---------------------------------------------------------------------------
// Building blocks

function listen(server: Server): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function sendData(res: ServerResponse): void {
  res.setHeader('Content-Type', 'application/json');
  res.end(SECRET_BODY);
}

/** An Express app: `setup` adds the CORS layer, then GET /data. */
function expressApp(setup: (app: Express, ctx: Ctx) => void): (ctx: Ctx) => Promise<Server> {
  return (ctx) => {
    const app = express();
    app.disable('x-powered-by');
    app.disable('etag');
    setup(app, ctx);
    app.get('/data', (_req, res) => sendData(res));
    return listen(createServer(app));
  };
}

/** A Fastify app: `setup` registers the CORS layer, then GET /data. */
function fastifyApp(setup: (app: FastifyInstance, ctx: Ctx) => Promise<void>): (ctx: Ctx) => Promise<Server> {
  return async (ctx) => {
    const app = Fastify();
    await setup(app, ctx);
    app.get('/data', async (_req, reply) => reply.type('application/json').send(SECRET_BODY));
    await app.listen({ port: 0, host: '127.0.0.1' });
    return app.server;
  };
}

/** A Hono app on @hono/node-server: `setup` adds the CORS middleware, then GET /data. */
function honoApp(setup: (app: Hono, ctx: Ctx) => void): (ctx: Ctx) => Promise<Server> {
  return (ctx) => {
    const app = new Hono();
    setup(app, ctx);
    app.get('/data', (c) => c.body(SECRET_BODY, 200, { 'Content-Type': 'application/json' }));
    return new Promise((resolve) => {
      const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(server as Server));
    });
  };
}

/** A node:http server: `cors` sets headers (and may end the response), then GET /data. */
function nodeApp(cors: (req: IncomingMessage, res: ServerResponse, ctx: Ctx) => boolean): (ctx: Ctx) => Promise<Server> {
  return (ctx) =>
    listen(
      createServer((req, res) => {
        if (cors(req, res, ctx)) return;
        if (req.method === 'GET' && req.url === '/data') sendData(res);
        else res.writeHead(404).end();
      }),
    );
}

const originOf = (req: IncomingMessage): string | undefined => req.headers.origin;

/** Hand-written: the origin back with credentials when `allowed` says so, Vary: Origin always. */
function handReflect(allowed: (origin: string, ctx: Ctx) => boolean, vary = true) {
  return (req: IncomingMessage, res: ServerResponse, ctx: Ctx): void => {
    const origin = originOf(req);
    if (vary) res.setHeader('Vary', 'Origin');
    if (origin !== undefined && allowed(origin, ctx)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
    }
  };
}

/** The hosts a substring-match server "allows" (one string, searched with includes). */
const SUBSTRING_HOSTS = 'app.example.com admin.example.com';

function hostOf(origin: string): string | null {
  try {
    return new URL(origin).hostname;
  } catch {
    return null;
  }
}

/** Corben Leo's pattern: after the domain, anything but a host character (meant for ':port' and '/'). */
const SPECIAL_RE = /^https?:\/\/app\.example\.com([^.a-zA-Z0-9-].*)?$/;
const ALLOWED_HEADERS = ['Content-Type'];

// ---------------------------------------------------------------------------
// nginx building blocks

const DATA_RETURN = `default_type application/json;\n        return 200 '${SECRET_BODY}';`;

/** nginx: a map of Origin to the allowed origin, `entries` being map lines. */
const nginxMap = (v: string, entries: string): string => `map $http_origin $${v} {\n    default "";\n${entries}\n}`;

/** nginx: the usual credentialed answer for an allow-map variable. */
const nginxAllow = (v: string, { vary = true, credentials = true } = {}): string =>
  [`add_header Access-Control-Allow-Origin $${v} always;`, credentials ? 'add_header Access-Control-Allow-Credentials true always;' : '', vary ? 'add_header Vary Origin always;' : '']
    .filter((l) => l !== '')
    .join('\n        ');

const exactLegit = (ctx: Ctx): string => `    "${ctx.legit}" $http_origin;`;

// ---------------------------------------------------------------------------
// The zoo's definitions: class (or twin) by class

const DEFS: Def[] = [
  // reflects-any-origin
  { cls: 'reflects-any-origin', stack: 'express+cors', planted: [high('reflects-any-origin')], start: expressApp((app) => app.use(peerCors({ origin: true, credentials: true, allowedHeaders: ALLOWED_HEADERS }))) },
  {
    cls: 'reflects-any-origin',
    stack: 'nginx',
    planted: [high('reflects-any-origin')],
    location: () => `add_header Access-Control-Allow-Origin $http_origin always;\n        add_header Access-Control-Allow-Credentials true always;\n        add_header Vary Origin always;\n        ${DATA_RETURN}`,
  },
  { cls: 'reflects-any-origin-without-credentials', stack: 'express+cors', legitReadsWithCredentials: false, planted: [low('reflects-any-origin')], start: expressApp((app) => app.use(peerCors({ origin: true, allowedHeaders: ALLOWED_HEADERS }))) },
  {
    cls: 'reflects-any-origin-without-credentials',
    stack: 'hono+hono/cors',
    legitReadsWithCredentials: false,
    planted: [low('reflects-any-origin')],
    start: honoApp((app) => app.use('*', honoPeerCors({ origin: (origin) => origin, allowHeaders: ALLOWED_HEADERS }))),
  },
  // trusts-null
  {
    cls: 'trusts-null',
    stack: 'fastify+@fastify/cors',
    planted: [high('trusts-null')],
    start: fastifyApp(async (app, ctx) => {
      await app.register(fastifyPeerCors, { origin: [ctx.legit, 'null'], credentials: true, allowedHeaders: ALLOWED_HEADERS });
    }),
  },
  { cls: 'trusts-null', stack: 'node:http (hand-written)', planted: [high('trusts-null')], start: nodeApp((req, res, ctx) => (handReflect((o) => o === ctx.legit || o === 'null')(req, res, ctx), false)) },
  // prefix-match
  // The cors package calls next() without any header (no Vary: Origin either) when an origin function says no, so a
  // cache may keep the refusal and hand it to the legit page: missing-vary-origin comes with every such function.
  {
    cls: 'prefix-match',
    stack: 'express+cors',
    planted: [high('prefix-match'), low('missing-vary-origin')],
    start: expressApp((app) =>
      app.use(peerCors({ origin: (origin, cb) => cb(null, origin !== undefined && origin.startsWith('http://app.example.com')), credentials: true, allowedHeaders: ALLOWED_HEADERS })),
    ),
  },
  {
    cls: 'prefix-match',
    stack: 'hono+hono/cors',
    planted: [high('prefix-match')],
    start: honoApp((app) => app.use('*', honoPeerCors({ origin: (origin) => (origin.startsWith('http://app.example.com') ? origin : null), credentials: true, allowHeaders: ALLOWED_HEADERS }))),
  },
  {
    cls: 'prefix-match-without-credentials',
    stack: 'nginx',
    legitReadsWithCredentials: false,
    planted: [low('prefix-match')],
    maps: (_ctx, v) => nginxMap(v, '    "~^http://app\\.example\\.com" $http_origin;'),
    location: (_ctx, v) => `${nginxAllow(v, { credentials: false })}\n        ${DATA_RETURN}`,
  },
  // suffix-match: a check on the end of the origin also lets every subdomain in (unescaped-dot's probe too, which suffix-match explains)
  {
    cls: 'suffix-match',
    stack: 'fastify+@fastify/cors',
    planted: [high('suffix-match'), medium('trusts-any-subdomain')],
    start: fastifyApp(async (app) => {
      await app.register(fastifyPeerCors, { origin: /example\.com(:\d+)?$/, credentials: true, allowedHeaders: ALLOWED_HEADERS });
    }),
  },
  {
    cls: 'suffix-match',
    stack: 'nginx',
    planted: [high('suffix-match'), medium('trusts-any-subdomain')],
    maps: (_ctx, v) => nginxMap(v, '    "~example\\.com(:[0-9]+)?$" $http_origin;'),
    location: (_ctx, v) => `${nginxAllow(v)}\n        ${DATA_RETURN}`,
  },
  // unescaped-dot
  { cls: 'unescaped-dot', stack: 'express+cors', planted: [high('unescaped-dot')], start: expressApp((app) => app.use(peerCors({ origin: /^http:\/\/app.example.com:\d+$/, credentials: true, allowedHeaders: ALLOWED_HEADERS }))) },
  {
    cls: 'unescaped-dot',
    stack: 'hono+hono/cors',
    planted: [high('unescaped-dot')],
    start: honoApp((app) => app.use('*', honoPeerCors({ origin: (origin) => (/^http:\/\/app.example.com(:\d+)?$/.test(origin) ? origin : null), credentials: true, allowHeaders: ALLOWED_HEADERS }))),
  },
  // substring-match
  {
    cls: 'substring-match',
    stack: 'express (hand-written)',
    planted: [high('substring-match')],
    start: expressApp((app, ctx) =>
      app.use((req, res, next) => {
        handReflect((o) => {
          const host = hostOf(o);
          return host !== null && SUBSTRING_HOSTS.includes(host);
        })(req, res, ctx);
        next();
      }),
    ),
  },
  {
    cls: 'substring-match',
    stack: 'fastify+@fastify/cors',
    planted: [high('substring-match')],
    start: fastifyApp(async (app, ctx) => {
      const allowedHosts = [new URL(ctx.legit).hostname];
      await app.register(fastifyPeerCors, {
        origin: (origin, cb) => {
          const host = origin === undefined ? null : hostOf(origin);
          cb(null, host !== null && allowedHosts.some((allowed) => allowed.includes(host)));
        },
        credentials: true,
        allowedHeaders: ALLOWED_HEADERS,
      });
    }),
  },
  // special-characters: Node's legacy url.parse cuts the host at '{' and '`'; the regex after Corben Leo's accepts any non-host character after the domain
  {
    cls: 'special-characters',
    stack: 'node:http (hand-written)',
    planted: [high('special-characters')],
    start: nodeApp((req, res, ctx) => (handReflect((o) => legacyParse(o).hostname === LEGIT_HOST)(req, res, ctx), false)),
  },
  {
    cls: 'special-characters',
    stack: 'fastify+@fastify/cors',
    planted: [high('special-characters')],
    start: fastifyApp(async (app) => {
      await app.register(fastifyPeerCors, { origin: SPECIAL_RE, credentials: true, allowedHeaders: ALLOWED_HEADERS });
    }),
  },
  {
    cls: 'special-characters',
    stack: 'nginx',
    planted: [high('special-characters')],
    maps: (_ctx, v) => nginxMap(v, `    "~${SPECIAL_RE.source.replaceAll('\\/', '/')}" $http_origin;`),
    location: (_ctx, v) => `${nginxAllow(v)}\n        ${DATA_RETURN}`,
  },
  // trusts-third-party-host (preview deployments on Vercel, a GitHub Pages site)
  {
    cls: 'trusts-third-party-host',
    stack: 'express+cors',
    planted: [high('trusts-third-party-host')],
    start: expressApp((app, ctx) => app.use(peerCors({ origin: [ctx.legit, /^https:\/\/[a-z0-9-]+\.vercel\.app$/], credentials: true, allowedHeaders: ALLOWED_HEADERS }))),
  },
  {
    cls: 'trusts-third-party-host',
    stack: 'nginx',
    planted: [high('trusts-third-party-host')],
    maps: (ctx, v) => nginxMap(v, `${exactLegit(ctx)}\n    "~^https://[a-z0-9-]+\\.github\\.io$" $http_origin;`),
    location: (_ctx, v) => `${nginxAllow(v)}\n        ${DATA_RETURN}`,
  },
  // trusts-http-origin (legit origin https)
  {
    cls: 'trusts-http-origin',
    stack: 'express+cors',
    https: true,
    planted: [medium('trusts-http-origin')],
    start: expressApp((app) => app.use(peerCors({ origin: /^https?:\/\/app\.example\.com(:\d+)?$/, credentials: true, allowedHeaders: ALLOWED_HEADERS }))),
  },
  {
    cls: 'trusts-http-origin',
    stack: 'fastify+@fastify/cors',
    https: true,
    planted: [medium('trusts-http-origin')],
    start: fastifyApp(async (app, ctx) => {
      await app.register(fastifyPeerCors, { origin: [ctx.legitHttps, ctx.legit], credentials: true, allowedHeaders: ALLOWED_HEADERS });
    }),
  },
  // trusts-any-subdomain
  {
    cls: 'trusts-any-subdomain',
    stack: 'hono+hono/cors',
    planted: [medium('trusts-any-subdomain')],
    start: honoApp((app) =>
      app.use('*', honoPeerCors({ origin: (origin) => (/^http:\/\/([a-z0-9-]+\.)*example\.com(:\d+)?$/.test(origin) ? origin : null), credentials: true, allowHeaders: ALLOWED_HEADERS })),
    ),
  },
  {
    cls: 'trusts-any-subdomain',
    stack: 'nginx',
    planted: [medium('trusts-any-subdomain')],
    maps: (_ctx, v) => nginxMap(v, '    "~^http://([a-z0-9-]+\\.)?example\\.com(:[0-9]+)?$" $http_origin;'),
    location: (_ctx, v) => `${nginxAllow(v)}\n        ${DATA_RETURN}`,
  },
  {
    cls: 'trusts-any-subdomain-without-credentials',
    stack: 'express+cors',
    legitReadsWithCredentials: false,
    planted: [low('trusts-any-subdomain')],
    start: expressApp((app) => app.use(peerCors({ origin: /^http:\/\/[a-z0-9-]+\.example\.com(:\d+)?$/, allowedHeaders: ALLOWED_HEADERS }))),
  },
  // missing-vary-origin: the legit origin allowed exactly, but caches are not told that the answer depends on Origin
  {
    cls: 'missing-vary-origin',
    stack: 'express (hand-written)',
    planted: [low('missing-vary-origin')],
   
    start: expressApp((app, ctx) =>
      app.use((req, res, next) => {
        handReflect((o) => o === ctx.legit, false)(req, res, ctx);
        next();
      }),
    ),
  },
  { cls: 'missing-vary-origin', stack: 'nginx', planted: [low('missing-vary-origin')], maps: (ctx, v) => nginxMap(v, exactLegit(ctx)), location: (_ctx, v) => `${nginxAllow(v, { vary: false })}\n        ${DATA_RETURN}` },
  // wildcard
  { cls: 'wildcard', stack: 'express+cors', legitReadsWithCredentials: false, planted: [info('wildcard')], start: expressApp((app) => app.use(peerCors({ allowedHeaders: ALLOWED_HEADERS }))) },
  { cls: 'wildcard', stack: 'nginx', legitReadsWithCredentials: false, planted: [info('wildcard')], location: () => `add_header Access-Control-Allow-Origin * always;\n        ${DATA_RETURN}` },
  { cls: 'wildcard', stack: 'hono+hono/cors', legitReadsWithCredentials: false, planted: [info('wildcard')], start: honoApp((app) => app.use('*', honoPeerCors({ allowHeaders: ALLOWED_HEADERS }))) },
  // wildcard-with-credentials
  {
    cls: 'wildcard-with-credentials',
    stack: 'node:http (hand-written)',
    legitReadsWithCredentials: false,
    planted: [info('wildcard-with-credentials')],
    start: nodeApp((_req, res) => {
      res.setHeader('Access-Control-Allow-Origin', '*');
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      return false;
    }),
  },
  { cls: 'wildcard-with-credentials', stack: 'nginx', legitReadsWithCredentials: false, planted: [info('wildcard-with-credentials')], location: () => `add_header Access-Control-Allow-Origin * always;\n        add_header Access-Control-Allow-Credentials true always;\n        ${DATA_RETURN}` },
  { cls: 'wildcard-with-credentials', stack: 'hono+hono/cors', legitReadsWithCredentials: false, planted: [info('wildcard-with-credentials')], start: honoApp((app) => app.use('*', honoPeerCors({ origin: '*', credentials: true, allowHeaders: ALLOWED_HEADERS }))) },
  // invalid-allow-origin: a trailing slash; a space-separated list
  { cls: 'invalid-allow-origin', stack: 'express+cors', legitReadsWithCredentials: false, planted: [info('invalid-allow-origin')], start: expressApp((app, ctx) => app.use(peerCors({ origin: `${ctx.legit}/`, credentials: true, allowedHeaders: ALLOWED_HEADERS }))) },
  {
    cls: 'invalid-allow-origin',
    stack: 'nginx',
    legitReadsWithCredentials: false,
    planted: [info('invalid-allow-origin')],
    location: (ctx) => `add_header Access-Control-Allow-Origin "${ctx.legit} http://admin.example.com:${new URL(ctx.legit).port}" always;\n        add_header Access-Control-Allow-Credentials true always;\n        ${DATA_RETURN}`,
  },
  // multiple-allow-origin: the header set twice (middleware and a hand-written line; a proxy and its upstream)
  {
    cls: 'multiple-allow-origin',
    stack: 'express (hand-written)',
    legitReadsWithCredentials: false,
    planted: [info('multiple-allow-origin')],
    start: expressApp((app, ctx) => {
      app.use(peerCors({ origin: ctx.legit, credentials: true, allowedHeaders: ALLOWED_HEADERS }));
      app.use((req, res, next) => {
        if (req.headers.origin === ctx.legit) res.append('Access-Control-Allow-Origin', ctx.legit);
        next();
      });
    }),
  },
  {
    cls: 'multiple-allow-origin',
    stack: 'nginx (proxy over express+cors)',
    legitReadsWithCredentials: false,
    planted: [info('multiple-allow-origin')],
    maps: (ctx, v) => nginxMap(v, exactLegit(ctx)),
    location: (_ctx, v, upstream) => `add_header Access-Control-Allow-Origin $${v} always;\n        proxy_pass ${upstream};`,
  },
  // preflight-reflects-methods
  {
    cls: 'preflight-reflects-methods',
    stack: 'express (hand-written)',
    planted: [info('preflight-reflects-methods')],
   
    start: expressApp((app, ctx) =>
      app.use((req, res, next) => {
        handReflect((o) => o === ctx.legit)(req, res, ctx);
        if (req.method !== 'OPTIONS') return next();
        const method = req.headers['access-control-request-method'];
        if (method !== undefined) res.setHeader('Access-Control-Allow-Methods', method);
        res.setHeader('Access-Control-Allow-Headers', 'Content-Type');
        res.status(204).end();
      }),
    ),
  },
  {
    cls: 'preflight-reflects-methods',
    stack: 'nginx',
    planted: [info('preflight-reflects-methods')],
   
    maps: (ctx, v) => nginxMap(v, exactLegit(ctx)),
    location: (_ctx, v) =>
      `${nginxAllow(v)}\n        add_header Access-Control-Allow-Methods $http_access_control_request_method always;\n        add_header Access-Control-Allow-Headers Content-Type always;\n        if ($request_method = OPTIONS) { return 204; }\n        ${DATA_RETURN}`,
  },
  // preflight-reflects-headers (the cors package's and @fastify/cors's default allowedHeaders)
  { cls: 'preflight-reflects-headers', stack: 'express+cors', planted: [info('preflight-reflects-headers')], start: expressApp((app, ctx) => app.use(peerCors({ origin: ctx.legit, credentials: true }))) },
  {
    cls: 'preflight-reflects-headers',
    stack: 'fastify+@fastify/cors',
    planted: [info('preflight-reflects-headers')],
   
    start: fastifyApp(async (app, ctx) => {
      await app.register(fastifyPeerCors, { origin: ctx.legit, credentials: true });
    }),
  },
  {
    cls: 'preflight-reflects-headers',
    stack: 'nginx',
    planted: [info('preflight-reflects-headers')],
   
    maps: (ctx, v) => nginxMap(v, exactLegit(ctx)),
    location: (_ctx, v) =>
      `${nginxAllow(v)}\n        add_header Access-Control-Allow-Methods "GET, POST" always;\n        add_header Access-Control-Allow-Headers $http_access_control_request_headers always;\n        if ($request_method = OPTIONS) { return 204; }\n        ${DATA_RETURN}`,
  },
  // expose-wildcard-with-credentials
  {
    cls: 'expose-wildcard-with-credentials',
    stack: 'express+cors',
    planted: [info('expose-wildcard-with-credentials')],
   
    start: expressApp((app, ctx) => app.use(peerCors({ origin: ctx.legit, credentials: true, allowedHeaders: ALLOWED_HEADERS, exposedHeaders: '*' }))),
  },
  {
    cls: 'expose-wildcard-with-credentials',
    stack: 'hono+hono/cors',
    planted: [info('expose-wildcard-with-credentials')],
   
    start: honoApp((app, ctx) => app.use('*', honoPeerCors({ origin: ctx.legit, credentials: true, allowHeaders: ALLOWED_HEADERS, exposeHeaders: ['*'] }))),
  },
  // The twins: the same API, configured correctly (the legit origin exactly, with credentials, a fixed header list)
  // corsproof refuses a plain-http origin with credentials unless told: its express and fastify twins allow the https
  // legit origin; the hono twin allows the http one (so that browsers can read it from a page on loopback), saying so.
  { cls: 'twin', stack: 'corsproof/express', https: true, planted: [], start: expressApp((app, ctx) => app.use(corsproofExpress({ origin: ctx.legitHttps, credentials: true, allowedHeaders: ALLOWED_HEADERS }))) },
  {
    cls: 'twin',
    stack: 'corsproof/fastify',
    https: true,
    planted: [],
    start: fastifyApp(async (app, ctx) => {
      await app.register(corsproofFastify, { origin: [ctx.legitHttps], credentials: true, allowedHeaders: ALLOWED_HEADERS });
    }),
  },
  { cls: 'twin', stack: 'corsproof/hono', planted: [], start: honoApp((app, ctx) => app.use('*', corsproofHono({ origin: ctx.legit, credentials: true, dangerouslyAllowInsecureOriginsWithCredentials: true, allowedHeaders: ALLOWED_HEADERS }))) },
  { cls: 'twin', stack: 'express+cors', planted: [], start: expressApp((app, ctx) => app.use(peerCors({ origin: [ctx.legit], credentials: true, allowedHeaders: ALLOWED_HEADERS }))) },
  {
    cls: 'twin',
    stack: 'fastify+@fastify/cors',
    https: true,
    planted: [],
    start: fastifyApp(async (app, ctx) => {
      await app.register(fastifyPeerCors, { origin: [ctx.legitHttps], credentials: true, allowedHeaders: ALLOWED_HEADERS });
    }),
  },
  { cls: 'twin', stack: 'hono+hono/cors', planted: [], start: honoApp((app, ctx) => app.use('*', honoPeerCors({ origin: [ctx.legit], credentials: true, allowHeaders: ALLOWED_HEADERS }))) },
  { cls: 'twin', stack: 'nginx', planted: [], maps: (ctx, v) => nginxMap(v, exactLegit(ctx)), location: (_ctx, v) => `${nginxAllow(v)}\n        ${DATA_RETURN}` },
];

/** Each zoo server's name (`<class or twin>/<stack>`), in table order, known before the zoo starts. */
export const ZOO_SERVER_NAMES: readonly string[] = DEFS.map((def) => nameOf(def));

function nameOf(def: Def): string {
  return `${def.cls}/${def.stack}`;
}

// ---------------------------------------------------------------------------
// Starting it

/** The page server: an empty HTML page at any path, for any Host (the browser maps every probe host here). */
function pageServer(): Promise<Server> {
  return listen(
    createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end('<!doctype html><meta charset="utf-8"><title>corsproof zoo: attacker page</title><p>probe page</p>');
    }),
  );
}

const portOf = (server: Server): number => (server.address() as AddressInfo).port;

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** One nginx process for every nginx definition, each its own `server` block on its own port. */
async function startNginx(defs: Array<{ def: NginxDef; port: number }>, ctx: Ctx, upstream: string): Promise<Proc> {
  const bin = requireTool('nginx');
  const dir = mkdtempSync(join(tmpdir(), 'corsproof-zoo-nginx-'));
  mkdirSync(join(dir, 'temp'));
  const blocks = defs.map(({ def, port }, i) => {
    const v = `zoo_origin_${i}`;
    return [def.maps?.(ctx, v) ?? '', `server {\n    listen 127.0.0.1:${port};\n    location = /data {\n        ${def.location(ctx, v, upstream)}\n    }\n}`].join('\n');
  });
  const conf = [
    'master_process off;',
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/error.log warn;`,
    'events { worker_connections 1024; }',
    'http {',
    '    access_log off;',
    '    server_tokens off;',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `    ${t}_temp_path ${dir}/temp/${t};`),
    ...blocks,
    '}',
    '',
  ].join('\n');
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const args = ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf')];
  const test = await runToEnd(bin, ['-t', ...args], { cwd: dir });
  if (test.code !== 0) throw new Error(`nginx -t refused the zoo's configuration:\n${test.output}\n${conf}`);
  const proc = startProcess('nginx (zoo)', bin, [...args, '-g', 'daemon off;'], { cwd: dir });
  await Promise.all(defs.map(({ port }) => waitForPort(proc, port)));
  const stop = proc.stop;
  proc.stop = async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  };
  return proc;
}

/** Whether nginx (still running) is what answers on every one of `ports` (its Server header). */
async function ownsPorts(proc: Proc, ports: number[]): Promise<boolean> {
  const answers = await Promise.all(
    ports.map(
      (port) =>
        new Promise<string | undefined>((resolve) => {
          const req = request({ host: '127.0.0.1', port, path: '/corsproof-zoo-owner', method: 'HEAD' }, (res) => {
            res.resume();
            resolve(String(res.headers.server));
          });
          req.on('error', () => resolve(undefined));
          req.end();
        }),
    ),
  );
  return proc.exited === null && answers.every((server) => server === 'nginx');
}

/** Start the whole zoo on loopback; `close()` stops every server. */
export async function startZoo(): Promise<Zoo> {
  const pages = await pageServer();
  const pagePort = portOf(pages);
  const ctx: Ctx = { legit: `http://${LEGIT_HOST}:${pagePort}`, legitHttps: `https://${LEGIT_HOST}:${pagePort}` };
  const nodeServers: Server[] = [pages];
  let nginx: Proc | null = null;
  const close = async (): Promise<void> => {
    await Promise.all([...nodeServers.map(closeServer), nginx?.stop()]);
  };
  try {
    const nodeDefs = DEFS.filter((d): d is NodeDef => 'start' in d);
    const started = await Promise.all(nodeDefs.map((d) => d.start(ctx)));
    nodeServers.push(...started);
    const portByDef = new Map<Def, number>(nodeDefs.map((d, i) => [d, portOf(started[i] as Server)]));
    const nginxDefs = DEFS.filter((d): d is NginxDef => !('start' in d));
    const upstreamDef = nodeDefs.find((d) => d.cls === 'twin' && d.stack === 'express+cors') as NodeDef;
    const upstream = `http://127.0.0.1:${portByDef.get(upstreamDef) as number}`;
    let withPorts: Array<{ def: NginxDef; port: number }> = [];
    // A port found free may be taken by another process before nginx binds it (two zoos start side by side
    // in `npm test`), and then that process answers on it: start again on other ports until nginx owns them all.
    for (let attempt = 1; ; attempt++) {
      withPorts = [];
      for (const def of nginxDefs) withPorts.push({ def, port: await freePort() });
      nginx = await startNginx(withPorts, ctx, upstream).catch((e: unknown) => (attempt < 3 ? null : Promise.reject(e)));
      if (nginx !== null && (await ownsPorts(nginx, withPorts.map((w) => w.port)))) break;
      await nginx?.stop();
      nginx = null;
      if (attempt >= 3) throw new Error('nginx (zoo) did not get its ports after 3 attempts');
    }
    for (const { def, port } of withPorts) portByDef.set(def, port);
    const servers = DEFS.map((def): ZooServer => {
      const legitOrigin = def.https === true ? ctx.legitHttps : ctx.legit;
      return {
        name: nameOf(def),
        stack: def.stack,
        url: `http://127.0.0.1:${portByDef.get(def) as number}/data`,
        method: 'GET',
        legitOrigin,
        planted: def.planted,
        legitReadsWithCredentials: def.legitReadsWithCredentials ?? true,
      };
    });
    return { servers, pagePort, legit: ctx.legit, legitHttps: ctx.legitHttps, close };
  } catch (e) {
    await close();
    throw e;
  }
}
