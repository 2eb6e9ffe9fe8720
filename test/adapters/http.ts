/**
 * Shared loopback HTTP plumbing for the adapter tests: a raw request helper
 * and the table of cases every Node adapter must pass against its real
 * framework.
 */
import { request as httpRequest } from 'node:http';
import type { AddressInfo, Server } from 'node:net';

import { APP, EVIL } from './fixtures.js';

export { APP, EVIL, OPTIONS } from './fixtures.js';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Send one request to 127.0.0.1:port and collect the reply. */
export function send(port: number, method: string, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

export function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/** What the app behind the adapter does per path (every adapter test mounts these routes). */
export const ROUTES = {
  '/ok': 'answers 200 "ok" with Vary: Accept-Encoding',
  '/boom': 'throws an error (the framework answers 500)',
  '/teapot': 'answers 418 itself',
  '/vary-star': 'answers 200 with Vary: *',
  '/options': 'answers OPTIONS requests itself with 200 "app options"',
} as const;

export interface HttpCase {
  name: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  check: (r: Reply, appCalls: string[]) => void;
}

type Expect = (actual: unknown) => { toBe(v: unknown): void; toEqual(v: unknown): void; toBeUndefined(): void; toContain(v: unknown): void };

/** A comma-separated header value as its trimmed elements. */
export const list = (value: unknown): string[] => String(value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');

/** The cases, given vitest's expect. */
export function cases(expect: Expect): HttpCase[] {
  const vary = (r: Reply): string => String(r.headers.vary ?? '');
  return [
    {
      name: 'an allowed preflight is answered without the app',
      method: 'OPTIONS',
      path: '/ok',
      headers: { Origin: APP, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'content-type,x-api-key' },
      check: (r, calls) => {
        expect(r.status).toBe(204);
        expect(r.headers['access-control-allow-origin']).toBe(APP);
        expect(r.headers['access-control-allow-credentials']).toBe('true');
        // The configured lists, as the peers send them (',' or ', ' as each peer joins them).
        // The default methods, in the peer's order (hono/cors adds QUERY).
        for (const m of ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE']) expect(list(r.headers['access-control-allow-methods'])).toContain(m);
        expect(list(r.headers['access-control-allow-headers'])).toEqual(['content-type', 'x-api-key']);
        expect(r.headers['access-control-max-age']).toBe('600');
        expect(vary(r)).toBe('Origin, Access-Control-Request-Method, Access-Control-Request-Headers');
        expect(calls).toEqual([]);
      },
    },
    {
      name: 'a refused preflight gets 403 and no CORS headers',
      method: 'OPTIONS',
      path: '/ok',
      headers: { Origin: EVIL, 'Access-Control-Request-Method': 'PUT' },
      check: (r, calls) => {
        expect(r.status).toBe(403);
        expect(r.headers['access-control-allow-origin']).toBeUndefined();
        expect(calls).toEqual([]);
      },
    },
    {
      name: 'OPTIONS without Access-Control-Request-Method reaches the app',
      method: 'OPTIONS',
      path: '/options',
      headers: { Origin: APP },
      check: (r, calls) => {
        expect(r.body).toBe('app options');
        expect(r.headers['access-control-allow-origin']).toBe(APP);
        expect(calls).toEqual(['/options']);
      },
    },
    {
      name: "an allowed request gets the CORS headers and Vary merged with the app's",
      method: 'GET',
      path: '/ok',
      headers: { Origin: 'https://a.b.example.com' },
      check: (r, calls) => {
        expect(r.status).toBe(200);
        expect(r.body).toBe('ok');
        expect(r.headers['access-control-allow-origin']).toBe('https://a.b.example.com');
        expect(r.headers['access-control-allow-credentials']).toBe('true');
        expect(r.headers['access-control-expose-headers']).toBe('X-Total');
        expect(vary(r).split(', ').sort()).toEqual(['Accept-Encoding', 'Origin']);
        expect(calls).toEqual(['/ok']);
      },
    },
    {
      name: 'a private network preflight under options without privateNetwork is answered as any other, without Access-Control-Allow-Private-Network',
      method: 'OPTIONS',
      path: '/ok',
      headers: { Origin: APP, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Private-Network': 'true' },
      check: (r, calls) => {
        expect(r.status).toBe(204);
        expect(r.headers['access-control-allow-origin']).toBe(APP);
        expect(r.headers['access-control-allow-private-network']).toBeUndefined();
        expect(calls).toEqual([]);
      },
    },
    {
      name: 'a request without Origin reaches the app with Vary: Origin (a cache must not serve it to a CORS request)',
      method: 'GET',
      path: '/ok',
      headers: {},
      check: (r, calls) => {
        expect(r.status).toBe(200);
        expect(r.headers['access-control-allow-origin']).toBeUndefined();
        expect(vary(r).split(', ').sort()).toEqual(['Accept-Encoding', 'Origin']);
        expect(calls).toEqual(['/ok']);
      },
    },
    {
      name: 'a refused origin still reaches the app, without CORS headers',
      method: 'GET',
      path: '/ok',
      headers: { Origin: EVIL },
      check: (r, calls) => {
        expect(r.status).toBe(200);
        expect(r.headers['access-control-allow-origin']).toBeUndefined();
        expect(vary(r).split(', ').sort()).toEqual(['Accept-Encoding', 'Origin']);
        expect(calls).toEqual(['/ok']);
      },
    },
    {
      name: 'a thrown error answers 500 with the CORS headers',
      method: 'GET',
      path: '/boom',
      headers: { Origin: APP },
      check: (r) => {
        expect(r.status).toBe(500);
        expect(r.headers['access-control-allow-origin']).toBe(APP);
      },
    },
    {
      name: "the app's own 4xx keeps the CORS headers",
      method: 'GET',
      path: '/teapot',
      headers: { Origin: APP },
      check: (r) => {
        expect(r.status).toBe(418);
        expect(r.headers['access-control-allow-origin']).toBe(APP);
      },
    },
    {
      name: "the framework's 404 keeps the CORS headers",
      method: 'GET',
      path: '/no-such-route',
      headers: { Origin: APP },
      check: (r) => {
        expect(r.status).toBe(404);
        expect(r.headers['access-control-allow-origin']).toBe(APP);
      },
    },
    {
      name: 'Vary: * stays *',
      method: 'GET',
      path: '/vary-star',
      headers: { Origin: APP },
      check: (r) => expect(vary(r)).toBe('*'),
    },
    {
      name: 'a request without Origin gets Vary: Origin only',
      method: 'GET',
      path: '/ok',
      headers: {},
      check: (r) => {
        expect(r.headers['access-control-allow-origin']).toBeUndefined();
        expect(vary(r).split(', ').sort()).toEqual(['Accept-Encoding', 'Origin']);
      },
    },
    {
      name: 'Vary is never copied from the request',
      method: 'GET',
      path: '/ok',
      headers: { Origin: APP, Vary: 'X-Evil' },
      check: (r) => expect(vary(r)).toContain('Origin'),
    },
  ];
}

/**
 * Register the shared cases as tests against a running server: `port()`
 * gives its port once started, `calls` is what the app recorded.
 */
export function defineCases(
  it: (name: string, fn: () => Promise<void>) => void,
  expect: unknown,
  port: () => number,
  calls: string[],
): void {
  for (const c of cases(expect as Expect)) {
    it(c.name, async () => {
      calls.length = 0;
      c.check(await send(port(), c.method, c.path, c.headers), calls);
    });
  }
}
