// The applications both middleware benchmarks measure: app(framework, variant) builds one framework with
// no CORS middleware ('none'), the floor ('floor'), its usual peer ('peer') or corsproof ('corsproof'),
// every route answering 'ok'. Uses the built corsproof (dist/) and the peers as installed. `floor` is a
// hand-written middleware that only sets Access-Control-Allow-Origin, Access-Control-Allow-Credentials and
// Vary for the allowed origin (no logic at all): the floor any CORS middleware can reach in that framework,
// for the allowed actual request.
//
// What it gives back is what drives the framework without a socket: a node:http request listener
// (Express, Koa's callback(), node:http, Fastify's routing) or a Web fetch function (Hono's app.fetch).
export const ORIGIN = 'https://app.example';
export const FRAMEWORKS = ['express', 'fastify', 'koa', 'hono', 'node'];
export const PEERS = { express: 'cors', fastify: '@fastify/cors', koa: '@koa/cors', hono: 'hono/cors', node: null };
const common = { origin: [ORIGIN], credentials: true, methods: ['GET', 'PUT', 'DELETE'], allowedHeaders: ['content-type', 'x-api-key'], maxAge: 600 };

async function express(variant) {
  const { default: express } = await import('express');
  const app = express();
  if (variant === 'floor') {
    app.use((req, res, next) => {
      if (req.headers.origin === ORIGIN) {
        res.setHeader('Access-Control-Allow-Origin', ORIGIN);
        res.setHeader('Access-Control-Allow-Credentials', 'true');
      }
      res.setHeader('Vary', 'Origin');
      next();
    });
  }
  if (variant === 'peer') app.use((await import('cors')).default(common));
  if (variant === 'corsproof') app.use((await import('../dist/adapters/express.js')).default(common));
  app.all('/{*path}', (_req, res) => void res.send('ok'));
  return { listener: app };
}

async function fastify(variant) {
  const { default: Fastify } = await import('fastify');
  const app = Fastify();
  if (variant === 'floor') {
    app.addHook('onRequest', (req, reply, done) => {
      if (req.headers.origin === ORIGIN) reply.header('Access-Control-Allow-Origin', ORIGIN).header('Access-Control-Allow-Credentials', 'true');
      reply.header('Vary', 'Origin');
      done();
    });
  }
  if (variant === 'peer') await app.register((await import('@fastify/cors')).default, common);
  if (variant === 'corsproof') await app.register((await import('../dist/adapters/fastify.js')).default, common);
  app.route({ method: ['GET', 'PUT', 'DELETE'], url: '/*', handler: async () => 'ok' });
  if (variant === 'none' || variant === 'floor') app.options('/*', async () => 'ok');
  await app.ready();
  // app.routing is the listener Fastify's own server and app.inject() call.
  return { listener: app.routing, server: app.server };
}

async function koa(variant) {
  const { default: Koa } = await import('koa');
  const app = new Koa();
  if (variant === 'floor') {
    app.use((ctx, next) => {
      if (ctx.get('Origin') === ORIGIN) {
        ctx.set('Access-Control-Allow-Origin', ORIGIN);
        ctx.set('Access-Control-Allow-Credentials', 'true');
      }
      ctx.set('Vary', 'Origin');
      return next();
    });
  }
  if (variant === 'peer') app.use((await import('@koa/cors')).default({ origin: ORIGIN, credentials: true, allowMethods: common.methods, allowHeaders: common.allowedHeaders, maxAge: 600 }));
  if (variant === 'corsproof') app.use((await import('../dist/adapters/koa.js')).default(common));
  app.use((ctx) => void (ctx.body = 'ok'));
  return { listener: app.callback() };
}

async function hono(variant) {
  const { Hono } = await import('hono');
  const app = new Hono();
  if (variant === 'floor') {
    // Set before next(): Hono applies them when the handler builds its Response (after next(), each
    // c.header() would copy the whole Response: slower than a floor should be).
    app.use('*', async (c, next) => {
      if (c.req.header('origin') === ORIGIN) {
        c.header('Access-Control-Allow-Origin', ORIGIN);
        c.header('Access-Control-Allow-Credentials', 'true');
      }
      c.header('Vary', 'Origin');
      await next();
    });
  }
  if (variant === 'peer') app.use('*', (await import('hono/cors')).cors({ origin: [ORIGIN], credentials: true, allowMethods: common.methods, allowHeaders: common.allowedHeaders, maxAge: 600 }));
  if (variant === 'corsproof') app.use('*', (await import('../dist/adapters/hono.js')).cors(common));
  app.all('*', (c) => c.text('ok'));
  return { fetch: (request) => app.fetch(request) };
}

async function node(variant) {
  const ok = (_req, res) => void res.end('ok');
  if (variant === 'corsproof') return { listener: (await import('../dist/adapters/node.js')).withCors(common, ok) };
  if (variant === 'floor') {
    return {
      listener: (req, res) => {
        if (req.headers.origin === ORIGIN) {
          res.setHeader('Access-Control-Allow-Origin', ORIGIN);
          res.setHeader('Access-Control-Allow-Credentials', 'true');
        }
        res.setHeader('Vary', 'Origin');
        ok(req, res);
      },
    };
  }
  return { listener: ok };
}

/** One framework with one variant: `{ listener }` (node:http), `{ fetch }` (Web), Fastify's also with its `server`. */
export function app(framework, variant) {
  return { express, fastify, koa, hono, node }[framework](variant);
}
