/**
 * What is under test, and how one request reaches it: an app in this
 * process (a Web fetch handler, a Next.js route module, a Node request
 * listener, an Express, Koa, Fastify or Hono app, each recognised by its
 * shape) or a deployed service at a base URL. Each becomes a `Send` that
 * never follows redirects and keeps the response's header lines as the
 * wire carries them.
 *
 * Node listeners are served on an ephemeral 127.0.0.1 port (one per
 * listener, not holding the process open) rather than through an injected
 * fake response: a listener that writes `res.writeHead(200, [[name, a],
 * [name, b]])` sends two header lines, and one comma-joined line is a
 * different error in Firefox; only a real socket shows which it sent.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Exchange, OutgoingRequest } from '../doctor/exchange.js';
import { send as sendLive } from '../doctor/exchange.js';
import type { Send } from '../doctor/replay.js';
import type { HeaderList } from '../engine/types.js';

/** A Node request listener: `(req, res) => void`, as `http.createServer` takes it. */
export type NodeListener = (req: IncomingMessage, res: ServerResponse) => unknown;

/** A Web fetch handler: a Hono app's `fetch`, a Workers handler, a Next.js route handler, `withCors(...)`. */
export type FetchHandler = (request: Request, ...rest: never[]) => Response | Promise<Response>;

/** A Next.js App Router route module: its exported method handlers. */
export type RouteModule = Partial<Record<'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS', FetchHandler>>;

/** An Express (or Connect) app: a request listener with `use` and `listen`. */
export interface ExpressLike {
  (req: IncomingMessage, res: ServerResponse, next?: unknown): unknown;
  use: (...args: never[]) => unknown;
  listen: (...args: never[]) => unknown;
}

/** A Koa app: `callback()` gives its request listener. */
export interface KoaLike {
  callback: () => NodeListener;
  use: (...args: never[]) => unknown;
}

/** A Fastify instance: `ready()`, then `routing` is its request listener. */
export interface FastifyLike {
  ready: () => PromiseLike<unknown>;
  routing: NodeListener;
  inject: (...args: never[]) => unknown;
}

/** A Hono app, or any object with a `fetch(request)` method (a Workers module). */
export interface FetchApp {
  fetch: FetchHandler;
}

/** Anything `expectCors` recognises by its shape; bare functions go through `expectCors.node` or `expectCors.fetch`. */
export type AppTarget = ExpressLike | KoaLike | FastifyLike | FetchApp | string | URL;

/** How requests reach the target. */
export interface Transport {
  /** The origin the page sees the app at (`https://api.example.test` by default for an app in this process). */
  base: URL;
  send: Send;
}

/** The default URL an app in this process is requested at. */
export const DEFAULT_APP_URL = 'https://api.example.test';

/** Settings every transport takes. */
export interface TransportOptions {
  /** The URL the page requests the app at; for a base-URL target, the target itself. */
  url?: string;
  /** How long one request may take (default 10 s). */
  timeoutMs?: number;
}

const isFunction = (value: unknown): value is (...args: never[]) => unknown => typeof value === 'function';

/** Recognise an app by its shape. */
export function transportFor(target: unknown, options: TransportOptions): Transport {
  if (typeof target === 'string' || target instanceof URL) return liveTransport(String(target), options);
  if (target !== null && typeof target === 'object') {
    const app = target as Record<string, unknown>;
    if (isFunction(app.inject) && isFunction(app.ready) && isFunction(app.routing)) return fastifyTransport(target as FastifyLike, options);
    if (isFunction(app.callback) && isFunction(app.use)) return nodeTransport(koaListener(target as KoaLike), options);
    if (isFunction(app.fetch)) return fetchTransport((request) => (target as FetchApp).fetch(request), options);
  }
  if (isFunction(target)) {
    const fn = target as unknown as Record<string, unknown>;
    if (isFunction(fn.use) && isFunction(fn.listen) && isFunction(fn.handle)) return nodeTransport(target as unknown as NodeListener, options);
    throw new TypeError(
      'expectCors: a bare function could be a Node request listener (req, res) or a fetch handler (request) => Response; say which with expectCors.node(listener) or expectCors.fetch(handler).',
    );
  }
  throw new TypeError(
    `expectCors: cannot tell what ${describeValue(target)} is: pass an Express, Koa, Fastify or Hono app, an object with fetch(request), a base URL, or use expectCors.node(listener) / expectCors.fetch(handler or route module).`,
  );
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return `an object with keys ${Object.keys(value).slice(0, 6).join(', ') || '(none)'}`;
  return `a ${typeof value}`;
}

/** The URL the app is requested at, checked. */
function appUrl(options: TransportOptions): URL {
  const url = new URL(options.url ?? DEFAULT_APP_URL);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`expectCors: url must be http or https, not ${url.protocol}`);
  return url;
}

/** A request the app in this process cannot be asked: a redirect to another origin. */
function outside(base: URL, url: string): Error {
  return new Error(
    `expectCors: the app redirected to ${url}, outside ${base.origin}, the origin it is served at in this process; test the deployed service with a base URL to follow it.`,
  );
}

/** A deployed service, through the doctor's live exchange. */
export function liveTransport(url: string, options: TransportOptions): Transport {
  const base = new URL(url);
  const io = { timeoutMs: options.timeoutMs ?? 10_000, insecure: false };
  return { base, send: (req) => sendLive(req, io) };
}

/** A Node listener served on loopback: its port, and the connections kept open to it. */
interface Served {
  port: Promise<number>;
  agent: Agent;
}

/** The Node listeners served so far: each once, however many expectations test it. */
const served = new WeakMap<NodeListener, Served>();

/** Serve the listener on an ephemeral loopback port, once, without holding the process open. */
function serve(listener: NodeListener): Served {
  let s = served.get(listener);
  if (s === undefined) {
    const port = new Promise<number>((resolve, reject) => {
      const server = createServer((req, res) => void listener(req, res));
      server.on('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.unref();
        resolve((server.address() as AddressInfo).port);
      });
    });
    // Connections kept open between requests (a free one does not hold the process open).
    s = { port, agent: new Agent({ keepAlive: true }) };
    served.set(listener, s);
  }
  return s;
}

/** Each Koa app's request listener (`callback()` makes a new one each time). */
const koaListeners = new WeakMap<KoaLike, NodeListener>();

function koaListener(app: KoaLike): NodeListener {
  let listener = koaListeners.get(app);
  if (listener === undefined) {
    listener = app.callback();
    koaListeners.set(app, listener);
  }
  return listener;
}

/** A Node request listener, on loopback: the request goes out with the app's Host. */
export function nodeTransport(listener: NodeListener, options: TransportOptions): Transport {
  const base = appUrl(options);
  const { port: listening, agent } = serve(listener);
  const io = { timeoutMs: options.timeoutMs ?? 10_000, insecure: false, agent };
  return {
    base,
    send: async (req) => {
      const url = new URL(req.url);
      if (url.origin !== base.origin) throw outside(base, req.url);
      const port = await listening;
      const local: OutgoingRequest = { ...req, url: `http://127.0.0.1:${port}${url.pathname}${url.search}`, headers: [['Host', url.host], ...req.headers] };
      const ex = await sendLive(local, io);
      return { ...ex, request: req };
    },
  };
}

/** Each Fastify instance's request listener, once it is ready. */
const fastifyListeners = new WeakMap<FastifyLike, Promise<NodeListener>>();

/** A Fastify instance: ready, then served like a Node listener through its own request handler. */
export function fastifyTransport(app: FastifyLike, options: TransportOptions): Transport {
  const listener = (): Promise<NodeListener> => {
    let ready = fastifyListeners.get(app);
    if (ready === undefined) {
      ready = Promise.resolve(app.ready()).then(() => (req: IncomingMessage, res: ServerResponse) => app.routing(req, res));
      fastifyListeners.set(app, ready);
    }
    return ready;
  };
  const base = appUrl(options);
  let inner: Transport | undefined;
  return {
    base,
    send: async (req) => {
      inner ??= nodeTransport(await listener(), options);
      return inner.send(req);
    },
  };
}

/** A Web fetch handler, called with a `Request`; its `Response` headers as a list (Set-Cookie lines kept apart). */
export function fetchTransport(handler: FetchHandler, options: TransportOptions): Transport {
  const base = appUrl(options);
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    base,
    send: async (req) => {
      if (new URL(req.url).origin !== base.origin) throw outside(base, req.url);
      const init: RequestInit = { method: req.method, headers: req.headers as Array<[string, string]>, redirect: 'manual' };
      if (req.body !== undefined) init.body = req.body as BodyInit;
      const response = await withTimeout(Promise.resolve(handler(new Request(req.url, init))), timeoutMs, req.url);
      return exchangeOf(req, response);
    },
  };
}

/** A Next.js route module: each method to its handler; HEAD falls back to GET, OPTIONS without a handler is answered 204 with Allow, as Next.js does; any other method gets 405. */
export function routeModuleTransport(module: RouteModule, options: TransportOptions & { params?: Record<string, string | string[]> }): Transport {
  const methods = (['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const).filter((m) => isFunction(module[m]));
  if (methods.length === 0) throw new TypeError('expectCors.fetch: the route module exports no method handler (GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS).');
  const handler = (request: Request): Response | Promise<Response> => {
    const method = request.method.toUpperCase() as keyof RouteModule;
    const own = module[method] ?? (method === 'HEAD' ? module.GET : undefined);
    if (own !== undefined) return (own as (request: Request, context: unknown) => Response | Promise<Response>)(request, { params: Promise.resolve(options.params ?? {}) });
    const allow = [...new Set([...methods, ...(methods.includes('GET') ? ['HEAD'] : []), 'OPTIONS'])].sort().join(', ');
    return new Response(null, { status: method === 'OPTIONS' ? 204 : 405, headers: { Allow: allow } });
  };
  return fetchTransport(handler, options);
}

async function exchangeOf(request: OutgoingRequest, response: Response): Promise<Exchange> {
  const headers: HeaderList = [];
  // One entry per name, values joined as a Web runtime sends them; Set-Cookie lines apart.
  response.headers.forEach((value, name) => headers.push([name, value]));
  await response.body?.cancel();
  return { request, status: response.status, headers };
}

function withTimeout<T>(promise: Promise<T>, ms: number, url: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`expectCors: the handler did not answer ${url} within ${Math.round(ms / 1000)} s.`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
