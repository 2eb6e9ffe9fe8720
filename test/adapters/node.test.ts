import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CorsConfigError, withCors } from '../../src/adapters/node.js';
import { OPTIONS, defineCases, listen } from './http.js';

describe('corsproof/node against node:http', () => {
  let server: Server;
  let port = 0;
  const calls: string[] = [];
  beforeAll(async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    server = createServer(
      withCors(OPTIONS, async (req, res) => {
        const path = (req.url ?? '/').split('?')[0] as string;
        calls.push(path);
        if (path === '/ok') {
          res.setHeader('Vary', 'Accept-Encoding');
          res.end('ok');
        } else if (path === '/boom') {
          await Promise.resolve();
          throw new Error('boom');
        } else if (path === '/teapot') {
          res.statusCode = 418;
          res.end('teapot');
        } else if (path === '/vary-star') {
          res.writeHead(200, { Vary: '*' });
          res.end('star');
        } else if (path === '/options' && req.method === 'OPTIONS') {
          res.end('app options');
        } else {
          res.statusCode = 404;
          res.end('not found');
        }
      }),
    );
    port = await listen(server);
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  defineCases(it, expect, () => port, calls);

  it('refuses unsafe options when created', () => {
    expect(() => withCors({ origin: '*', credentials: true }, () => undefined)).toThrow(CorsConfigError);
  });
});
