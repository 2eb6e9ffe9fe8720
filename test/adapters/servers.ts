/**
 * Start a real server for each adapter with given CORS options, answering
 * "ok" to every other request: for the real-browser matrix and benchmarks.
 * The application's own answer can carry a Cache-Control header (the HTTP
 * cache suite), and the node:http server is handed out so a test can watch
 * every exchange on the wire.
 */
import { serve } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import Koa from 'koa';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import expressCors from '../../src/adapters/express.js';
import fastifyCors from '../../src/adapters/fastify.js';
import { withCors as fetchWithCors } from '../../src/adapters/fetch.js';
import { cors as honoCors } from '../../src/adapters/hono.js';
import koaCors from '../../src/adapters/koa.js';
import { withCors as nodeWithCors } from '../../src/adapters/node.js';
import type { CorsOptions } from '../../src/policy/options.js';

export const ADAPTERS = ['express', 'fastify', 'koa', 'hono', 'node', 'fetch'] as const;
export type AdapterName = (typeof ADAPTERS)[number];

export interface Running {
  port: number;
  /** The node:http server every adapter runs on (to watch requests and responses). */
  server: Server;
  close(): Promise<void>;
}

/** What the application behind the middleware does, besides answering "ok" as text/plain. */
export interface AppOptions {
  /** A Cache-Control value the application sets on its own answers (not on preflights the middleware answers). */
  cacheControl?: string;
}

function closeServer(server: Server): () => Promise<void> {
  return () => new Promise<void>((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}

function listening(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/** Start `adapter` with `options` on 127.0.0.1 (any free port). */
export async function startAdapter(adapter: AdapterName, options: CorsOptions, app: AppOptions = {}): Promise<Running> {
  const extra: Record<string, string> = app.cacheControl === undefined ? {} : { 'Cache-Control': app.cacheControl };
  switch (adapter) {
    case 'express': {
      const e = express();
      e.use(expressCors(options as never));
      e.all('/{*path}', (_req, res) => void res.set(extra).type('text/plain').send('ok'));
      const server = createServer(e);
      return { port: await listening(server), server, close: closeServer(server) };
    }
    case 'fastify': {
      const f = Fastify();
      await f.register(fastifyCors, options as never);
      f.route({ method: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH'], url: '/*', handler: async (_req, reply) => reply.headers(extra).type('text/plain').send('ok') });
      await f.listen({ port: 0, host: '127.0.0.1' });
      return { port: (f.server.address() as AddressInfo).port, server: f.server, close: () => f.close() };
    }
    case 'koa': {
      const k = new Koa();
      k.use(koaCors(options as never));
      k.use(async (ctx) => {
        ctx.set(extra);
        ctx.type = 'text/plain';
        ctx.body = 'ok';
      });
      const server = createServer(k.callback());
      return { port: await listening(server), server, close: closeServer(server) };
    }
    case 'hono': {
      const h = new Hono();
      h.use('*', honoCors(options as never));
      h.all('*', (c) => c.text('ok', 200, extra));
      return startFetch(h.fetch);
    }
    case 'node': {
      const server = createServer(
        nodeWithCors(options as never, (_req, res) => {
          for (const [name, value] of Object.entries(extra)) res.setHeader(name, value);
          res.setHeader('Content-Type', 'text/plain');
          res.end('ok');
        }),
      );
      return { port: await listening(server), server, close: closeServer(server) };
    }
    case 'fetch':
      return startFetch(fetchWithCors(options as never, () => new Response('ok', { headers: { ...extra, 'Content-Type': 'text/plain' } })));
  }
}

function startFetch(fetch: (request: Request) => Response | Promise<Response>): Promise<Running> {
  return new Promise((resolve) => {
    const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
      resolve({ port: info.port, server, close: closeServer(server) });
    }) as Server;
  });
}
