const { afterAll, describe, test } = require('@jest/globals');
const { expectCors } = require('corsproof/testing');
const { FRONTEND, buildApp } = require('./app.cjs');

const app = buildApp();
afterAll(() => app.close());

describe('CORS contract of the Fastify API', () => {
  test('lets the front end list orders with its session cookie', async () => {
    await expectCors(app).from(FRONTEND).fetch('/orders', { credentials: 'include' }).toPass();
  });

  test('lets the front end place an order and read its Location', async () => {
    const place = expectCors(app)
      .from(FRONTEND)
      .fetch('/orders', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"total":12}', credentials: 'include' });
    await place.toExpose(['Location']);
    await place.toCachePreflightFor(600);
  });

  test('keeps other sites out', async () => {
    await expectCors(app).from('https://evil.example').fetch('/orders', { credentials: 'include' }).toBeBlocked('CORSMissingAllowOrigin');
  });

  test('lets no look-alike origin read an order or cancel one', async () => {
    await expectCors(app)
      .attackers({ allowed: [FRONTEND] })
      .fetch('/orders')
      .fetch('/orders/1', { method: 'DELETE' })
      .toBeBlocked();
  });

  test('lets the front end read who is signed in, with the session cookie', async () => {
    await expectCors(app).from(FRONTEND).fetch('/me', { credentials: 'include' }).toPass();
  });
});
