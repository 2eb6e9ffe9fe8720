/**
 * The demo: small APIs on loopback, one per common CORS failure, and the
 * same API fixed with corsproof's own middleware. `corsproof demo` (and
 * `npm start`) checks each one; the browser suite checks that real browsers
 * agree with every verdict.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { withCors } from '../adapters/node.js';
import type { CredentialsMode, HeaderList } from '../engine/types.js';

/** The page origin the demo requests come from (the browser suite uses its own page's). */
export const DEMO_PAGE = 'http://localhost:5173';

/** What a handler knows: its own port and the page origin it serves. */
export interface DemoContext {
  port: number;
  page: string;
}

/** One demo API. */
export interface DemoCase {
  id: string;
  /** The failure, in the words people search for. */
  title: string;
  method: string;
  headers: HeaderList;
  credentials: CredentialsMode;
  /** Answer every request (the path is free). */
  handler: (req: IncomingMessage, res: ServerResponse, ctx: DemoContext) => void;
}

const json = (res: ServerResponse, status = 200): void => {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.end('{"ok":true}');
};

const isPreflight = (req: IncomingMessage): boolean => req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;

const fixedByPage = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();
/** The corsproof-fixed API for a page origin. */
function fixed(page: string): (req: IncomingMessage, res: ServerResponse) => void {
  let handler = fixedByPage.get(page);
  if (handler === undefined) {
    handler = withCors(
      { origin: [page], credentials: true, methods: ['GET', 'PUT', 'DELETE'], allowedHeaders: ['Content-Type', 'Authorization'] },
      (_req, res) => json(res),
    );
    fixedByPage.set(page, handler);
  }
  return handler;
}

/** The demo cases, the fixed one last. */
export const DEMO_CASES: readonly DemoCase[] = [
  {
    id: 'wildcard-credentials',
    title: "Access-Control-Allow-Origin: * with credentials: 'include'",
    method: 'GET',
    headers: [],
    credentials: 'include',
    handler: (_req, res) => {
      res.setHeader('Access-Control-Allow-Origin', '*');
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      json(res);
    },
  },
  { id: 'missing-acao', title: 'No Access-Control-Allow-Origin at all', method: 'GET', headers: [], credentials: 'same-origin', handler: (_req, res) => json(res) },
  {
    id: 'trailing-slash',
    title: 'Access-Control-Allow-Origin with a trailing slash',
    method: 'GET',
    headers: [],
    credentials: 'same-origin',
    handler: (_req, res, { page }) => {
      res.setHeader('Access-Control-Allow-Origin', `${page}/`);
      json(res);
    },
  },
  {
    id: 'wrong-port',
    title: 'Access-Control-Allow-Origin names another port',
    method: 'GET',
    headers: [],
    credentials: 'same-origin',
    handler: (_req, res) => {
      res.setHeader('Access-Control-Allow-Origin', 'http://localhost:3000');
      json(res);
    },
  },
  {
    id: 'auth-before-cors',
    title: 'The preflight is answered 401 by authentication that runs before CORS',
    method: 'GET',
    headers: [['Authorization', 'Bearer demo-token']],
    credentials: 'same-origin',
    handler: (req, res, { page }) => {
      if (req.headers.authorization === undefined) {
        res.statusCode = 401;
        res.setHeader('WWW-Authenticate', 'Bearer');
        res.end('unauthorized');
        return;
      }
      res.setHeader('Access-Control-Allow-Origin', page);
      json(res);
    },
  },
  {
    id: 'no-options-route',
    title: 'No OPTIONS route: the preflight gets 404',
    method: 'PUT',
    headers: [['Content-Type', 'application/json']],
    credentials: 'same-origin',
    handler: (req, res, { page }) => {
      if (req.method === 'OPTIONS') {
        res.statusCode = 404;
        res.end('not found');
        return;
      }
      res.setHeader('Access-Control-Allow-Origin', page);
      json(res);
    },
  },
  {
    id: 'error-without-cors',
    title: 'A 500 without CORS headers (the error handler drops them)',
    method: 'GET',
    headers: [],
    credentials: 'same-origin',
    handler: (_req, res) => {
      res.statusCode = 500;
      res.end('Internal Server Error');
    },
  },
  {
    id: 'authorization-not-allowed',
    title: 'Authorization is not in Access-Control-Allow-Headers',
    method: 'GET',
    headers: [['Authorization', 'Bearer demo-token']],
    credentials: 'same-origin',
    handler: (req, res, { page }) => {
      res.setHeader('Access-Control-Allow-Origin', page);
      if (isPreflight(req)) {
        res.setHeader('Access-Control-Allow-Headers', 'Content-Type');
        res.statusCode = 204;
        res.end();
        return;
      }
      json(res);
    },
  },
  {
    id: 'put-not-allowed',
    title: 'PUT is not in Access-Control-Allow-Methods',
    method: 'PUT',
    headers: [],
    credentials: 'same-origin',
    handler: (req, res, { page }) => {
      res.setHeader('Access-Control-Allow-Origin', page);
      if (isPreflight(req)) {
        res.setHeader('Access-Control-Allow-Methods', 'GET, POST');
        res.statusCode = 204;
        res.end();
        return;
      }
      json(res);
    },
  },
  {
    id: 'redirected-preflight',
    title: 'The preflight is redirected (http to https, or a trailing slash)',
    method: 'DELETE',
    headers: [],
    credentials: 'same-origin',
    handler: (req, res, { port, page }) => {
      res.setHeader('Access-Control-Allow-Origin', page);
      if (req.method === 'OPTIONS' && !(req.url ?? '').endsWith('/')) {
        res.writeHead(301, { Location: `http://127.0.0.1:${port}${req.url ?? '/'}/` });
        res.end();
        return;
      }
      res.setHeader('Access-Control-Allow-Methods', 'DELETE');
      json(res, req.method === 'OPTIONS' ? 204 : 200);
    },
  },
  {
    id: 'acao-twice',
    title: 'Access-Control-Allow-Origin set twice, by the proxy and by the app',
    method: 'GET',
    headers: [],
    credentials: 'same-origin',
    handler: (_req, res, { page }) => {
      res.writeHead(200, [
        ['Server', 'nginx/1.24.0'],
        ['Access-Control-Allow-Origin', page],
        ['X-Powered-By', 'Express'],
        ['Access-Control-Allow-Origin', page],
        ['Content-Type', 'application/json'],
      ]);
      res.end('{"ok":true}');
    },
  },
  {
    id: 'credentials-missing',
    title: 'Access-Control-Allow-Credentials is missing',
    method: 'GET',
    headers: [],
    credentials: 'include',
    handler: (_req, res, { page }) => {
      res.setHeader('Access-Control-Allow-Origin', page);
      json(res);
    },
  },
  {
    id: 'fixed-with-corsproof',
    title: "Fixed: corsproof's own middleware (origin, credentials, methods, headers named)",
    method: 'PUT',
    headers: [['Content-Type', 'application/json'], ['Authorization', 'Bearer demo-token']],
    credentials: 'include',
    handler: (req, res, { page }) => fixed(page)(req, res),
  },
];

/** A running demo server. */
export interface RunningDemo {
  demo: DemoCase;
  url: string;
  server: Server;
}

/** Start every demo API on 127.0.0.1 (free ports), serving pages of `page`. */
export async function startDemos(page: string = DEMO_PAGE): Promise<RunningDemo[]> {
  return Promise.all(
    DEMO_CASES.map(
      (demo) =>
        new Promise<RunningDemo>((resolve) => {
          let port = 0;
          const server = createServer((req, res) => demo.handler(req, res, { port, page }));
          server.listen(0, '127.0.0.1', () => {
            port = (server.address() as AddressInfo).port;
            resolve({ demo, url: `http://127.0.0.1:${port}/api/items`, server });
          });
        }),
    ),
  );
}

/** Stop the demo servers. */
export async function stopDemos(running: RunningDemo[]): Promise<void> {
  await Promise.all(
    running.map(
      (r) =>
        new Promise<void>((resolve) => {
          r.server.closeAllConnections();
          r.server.close(() => resolve());
        }),
    ),
  );
}
