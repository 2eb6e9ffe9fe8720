/**
 * A Fastify API for https://app.example.com, in CommonJS: orders with the session cookie
 * (corsproof/fastify), and a /me route that was given its own CORS options.
 */
const Fastify = require('fastify');
const cors = require('corsproof/fastify');

const FRONTEND = 'https://app.example.com';

function buildApp() {
  const app = Fastify();
  app.register(cors, { origin: [FRONTEND], credentials: true, exposedHeaders: ['Location'], maxAge: 600 });

  const orders = [{ id: 1, total: 42 }];
  app.get('/orders', async () => orders);
  const orderSchema = { type: 'object', required: ['total'], properties: { total: { type: 'number' } } };
  app.post('/orders', { schema: { body: orderSchema } }, async (request, reply) => {
    const { total } = /** @type {{ total: number }} */ (request.body);
    const order = { id: orders.length + 1, total };
    orders.push(order);
    return reply.code(201).header('Location', `/orders/${order.id}`).send(order);
  });
  app.delete('/orders/:id', async (_request, reply) => reply.code(204).send());

  // BROKEN ON PURPOSE: a route's own `config.cors` replaces the plugin's options, and this one
  // forgot `credentials: true`, so no Access-Control-Allow-Credentials: the page cannot read
  // the answer to its request with the session cookie.
  app.get('/me', { config: { cors: { origin: [FRONTEND] } } }, async () => ({ name: 'Ada' }));

  return app;
}

module.exports = { FRONTEND, buildApp };
