/**
 * corsproof/fetch with Node's own Request and Response. (Bun, Deno and
 * workerd run it in their own tests.)
 */
import { describe, expect, it, vi } from 'vitest';
import { CorsConfigError, withCors } from '../../src/adapters/fetch.js';
import { APP, EVIL, OPTIONS } from './http.js';

const calls: string[] = [];
const handler = withCors(OPTIONS, async (request: Request) => {
  const path = new URL(request.url).pathname;
  calls.push(path);
  if (path === '/ok') return new Response('ok', { headers: { Vary: 'Accept-Encoding' } });
  if (path === '/boom') throw new Error('boom');
  if (path === '/redirect') return Response.redirect('https://api.example.com/ok', 302);
  if (path === '/options') return new Response('app options');
  return new Response('not found', { status: 404 });
});

function req(method: string, path: string, headers: Record<string, string>): Request {
  return new Request(`https://api.example.com${path}`, { method, headers });
}

describe('corsproof/fetch', () => {
  it('answers an allowed preflight without the handler', async () => {
    calls.length = 0;
    const r = await handler(req('OPTIONS', '/ok', { Origin: APP, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'x-api-key' }));
    expect(r.status).toBe(204);
    expect(r.headers.get('access-control-allow-origin')).toBe(APP);
    expect(r.headers.get('access-control-allow-headers')).toBe('x-api-key');
    expect(calls).toEqual([]);
  });
  it('refuses a preflight from another origin with 403', async () => {
    const r = await handler(req('OPTIONS', '/ok', { Origin: EVIL, 'Access-Control-Request-Method': 'PUT' }));
    expect(r.status).toBe(403);
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
  });
  it('adds CORS headers and merges Vary', async () => {
    const r = await handler(req('GET', '/ok', { Origin: APP }));
    expect(await r.text()).toBe('ok');
    expect(r.headers.get('access-control-allow-origin')).toBe(APP);
    expect(r.headers.get('vary')).toBe('Accept-Encoding, Origin');
  });
  it('turns a thrown error into a 500 with CORS headers', async () => {
    vi.spyOn(console, 'error').mockImplementationOnce(() => undefined);
    const r = await handler(req('GET', '/boom', { Origin: APP }));
    expect(r.status).toBe(500);
    expect(r.headers.get('access-control-allow-origin')).toBe(APP);
  });
  it('copies responses whose headers are immutable', async () => {
    const r = await handler(req('GET', '/redirect', { Origin: APP }));
    expect(r.status).toBe(302);
    expect(r.headers.get('access-control-allow-origin')).toBe(APP);
  });
  it('lets OPTIONS without Access-Control-Request-Method through', async () => {
    expect(await (await handler(req('OPTIONS', '/options', { Origin: APP }))).text()).toBe('app options');
  });
  it('refuses unsafe options when created', () => {
    expect(() => withCors({ origin: '*', credentials: true }, () => new Response())).toThrow(CorsConfigError);
  });
});
