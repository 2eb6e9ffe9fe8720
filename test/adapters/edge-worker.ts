/**
 * The worker the edge-runtime tests bundle and run in Bun, Deno and workerd:
 * corsproof/fetch, unchanged, around a tiny handler.
 */
import { CorsConfigError, withCors } from '../../src/adapters/fetch.js';
import { OPTIONS } from './fixtures.js';

// The validation runs here too: an unsafe configuration must throw in every runtime.
let refusesUnsafe = false;
try {
  withCors({ origin: '*', credentials: true }, () => new Response());
} catch (e) {
  refusesUnsafe = e instanceof CorsConfigError;
}

const handler = withCors(OPTIONS, (request: Request) => {
  const path = new URL(request.url).pathname;
  if (path === '/ok') return new Response('ok', { headers: { Vary: 'Accept-Encoding' } });
  if (path === '/boom') throw new Error('boom (expected in this test)');
  if (path === '/redirect') return Response.redirect('https://api.example.com/ok', 302);
  if (path === '/self-check') return new Response(JSON.stringify({ refusesUnsafe }), { headers: { 'Content-Type': 'application/json' } });
  return new Response('not found', { status: 404 });
});

export default { fetch: (request: Request) => handler(request) };
