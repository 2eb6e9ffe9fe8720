import { describe, it } from 'vitest';
import { expectCors } from 'corsproof/testing';
import { FRONTEND, createApp } from './app.js';

const app = createApp();

describe('CORS contract of the Express API', () => {
  it('lets the front end list items with cookies, and read X-Total-Count', async () => {
    await expectCors(app).from(FRONTEND).fetch('/api/items', { credentials: 'include' }).toExpose(['X-Total-Count']);
  });

  it('lets the front end update an item with JSON, one preflight per 10 minutes', async () => {
    await expectCors(app)
      .from(FRONTEND)
      .fetch('/api/items/7', { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{"name":"Seven"}', credentials: 'include' })
      .toCachePreflightFor(600);
  });

  it('lets the front end delete an item', async () => {
    await expectCors(app).from(FRONTEND).fetch('/api/items/8', { method: 'DELETE', credentials: 'include' }).toPass();
  });

  it('keeps other sites out', async () => {
    await expectCors(app).from('https://evil.example').fetch('/api/items').toBeBlocked('CORSMissingAllowOrigin');
  });

  it('lets no look-alike origin read the API with cookies', async () => {
    await expectCors(app).attackers({ allowed: [FRONTEND] }).fetch('/api/items').toBeBlocked();
  });

  it('lets the front end read the widget feed with cookies', async () => {
    await expectCors(app).from(FRONTEND).fetch('/widgets/feed', { credentials: 'include' }).toPass();
  });
});
