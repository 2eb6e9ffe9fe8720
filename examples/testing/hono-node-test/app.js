/**
 * A Hono API for https://app.example.com: notes under /api (corsproof/hono, with a bearer
 * token), and an /uploads endpoint that still uses hono/cors.
 */
import { Hono } from 'hono';
import { cors } from 'corsproof/hono';
import { cors as honoCors } from 'hono/cors';

export const FRONTEND = 'https://app.example.com';

export function createApp() {
  /** @type {Map<string, string>} */
  const notes = new Map([['1', 'Buy milk']]);
  const app = new Hono();

  app.use(
    '/api/*',
    cors({
      origin: [FRONTEND],
      methods: ['GET', 'POST', 'PUT', 'DELETE'],
      allowedHeaders: ['Content-Type', 'Authorization'],
      exposedHeaders: ['ETag'],
      maxAge: 600,
    }),
  );
  app.get('/api/notes', (c) => c.json([...notes].map(([id, text]) => ({ id, text }))));
  app.put('/api/notes/:id', async (c) => {
    const { text } = await c.req.json();
    notes.set(c.req.param('id'), String(text));
    c.header('ETag', `"${notes.size}"`);
    return c.json({ id: c.req.param('id'), text });
  });
  app.delete('/api/notes/:id', (c) => {
    notes.delete(c.req.param('id'));
    return c.body(null, 204);
  });

  // BROKEN ON PURPOSE: the upload form sends X-Upload-Checksum, but hono/cors answers the
  // preflight with the allowHeaders it was given, which do not include it.
  app.use('/uploads/*', honoCors({ origin: FRONTEND, allowMethods: ['PUT'], allowHeaders: ['Content-Type'] }));
  app.put('/uploads/:name', async (c) => {
    const size = (await c.req.arrayBuffer()).byteLength;
    return c.json({ name: c.req.param('name'), size }, 201);
  });

  return app;
}
