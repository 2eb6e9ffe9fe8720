import { describe, it } from 'vitest';
import { expectCors } from 'corsproof/testing';
import * as items from './app/api/items/route';
import * as reports from './app/api/reports/route';
import { FRONTEND } from './lib/cors';

// Each route module is tested as Next.js serves it: its exported method handlers, with
// Next's own answer to a method it does not export (HEAD from GET, a bare 204 to OPTIONS, 405).
const json = { 'Content-Type': 'application/json' };

describe('app/api/items', () => {
  it('lets the front end list items with cookies, and read X-Total-Count', async () => {
    await expectCors.fetch(items).from(FRONTEND).fetch('/api/items', { credentials: 'include' }).toExpose(['X-Total-Count']);
  });

  it('lets the front end replace the items, one preflight per 10 minutes', async () => {
    await expectCors
      .fetch(items)
      .from(FRONTEND)
      .fetch('/api/items', { method: 'PUT', headers: json, body: '{"id":2,"name":"Two"}', credentials: 'include' })
      .toCachePreflightFor(600);
  });

  it('keeps other sites out', async () => {
    await expectCors.fetch(items).from('https://evil.example').fetch('/api/items', { credentials: 'include' }).toBeBlocked('CORSMissingAllowOrigin');
  });

  it('lets no look-alike origin read or change the items', async () => {
    await expectCors.fetch(items).attackers({ allowed: [FRONTEND] }).fetch('/api/items').fetch('/api/items', { method: 'PUT', headers: json, body: '{}' }).toBeBlocked();
  });
});

describe('app/api/reports', () => {
  it('lets the front end request a report with cookies', async () => {
    await expectCors
      .fetch(reports)
      .from(FRONTEND)
      .fetch('/api/reports', { method: 'POST', headers: json, body: '{"from":"2026-01-01","to":"2026-01-31"}', credentials: 'include' })
      .toPass();
  });
});
