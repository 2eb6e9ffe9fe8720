/**
 * Start a real server for each adapter with given CORS options, answering
 * "ok" to every other request: for the real-browser matrix and benchmarks.
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
  close(): Promise<void>;
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
export async function startAdapter(adapter: AdapterName, options: CorsOptions): Promise<Running> {
  switch (adapter) {
    case 'express': {
      const app = express();
      app.use(expressCors(options as never));
      app.all('/{*path}', (_req, res) => void res.type('text/plain').send('ok'));
      const server = createServer(app);
      return { port: await listening(server), close: closeServer(server) };
    }
    case 'fastify': {
      const app = Fastify();
      await app.register(fastifyCors, options as never);
      app.route({ method: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH'], url: '/*', handler: async (_req, reply) => reply.type('text/plain').send('ok') });
      await app.listen({ port: 0, host: '127.0.0.1' });
      return { port: (app.server.address() as AddressInfo).port, close: () => app.close() };
    }
    case 'koa': {
      const app = new Koa();
      app.use(koaCors(options as never));
      app.use(async (ctx) => {
        ctx.type = 'text/plain';
        ctx.body = 'ok';
      });
      const server = createServer(app.callback());
      return { port: await listening(server), close: closeServer(server) };
    }
    case 'hono': {
      const app = new Hono();
      app.use('*', honoCors(options as CorsOptions<Request>));
      app.all('*', (c) => c.text('ok'));
      return startFetch(app.fetch);
    }
    case 'node': {
      const server = createServer(
        nodeWithCors(options as never, (_req, res) => {
          res.setHeader('Content-Type', 'text/plain');
          res.end('ok');
        }),
      );
      return { port: await listening(server), close: closeServer(server) };
    }
    case 'fetch':
      return startFetch(fetchWithCors(options as CorsOptions<Request>, () => new Response('ok', { headers: { 'Content-Type': 'text/plain' } })));
  }
}

function startFetch(fetch: (request: Request) => Response | Promise<Response>): Promise<Running> {
  return new Promise((resolve) => {
    const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
      resolve({ port: info.port, close: closeServer(server as Server) });
    }) as Server;
  });
}
