import { describe, it } from 'node:test';
import { expectCors } from 'corsproof/testing';
import { FRONTEND, createApp } from './app.js';

const app = createApp();
const page = () => expectCors(app).from(FRONTEND);

describe('CORS contract of the Hono API', () => {
  it('lets the front end list notes with its bearer token', async () => {
    await page().fetch('/api/notes', { headers: { Authorization: 'Bearer t0ken' } }).toPass();
  });

  it('lets the front end save a note and read its ETag, one preflight per 10 minutes', async () => {
    const save = page().fetch('/api/notes/1', {
      method: 'PUT',
      headers: { Authorization: 'Bearer t0ken', 'Content-Type': 'application/json' },
      body: JSON.stringify({ text: 'Buy oat milk' }),
    });
    await save.toExpose(['ETag']);
    await save.toCachePreflightFor(600);
  });

  it('keeps other sites out, at the preflight', async () => {
    await expectCors(app).from('https://evil.example').fetch('/api/notes/1', { method: 'DELETE' }).toBeBlocked('PreflightMissingAllowOriginHeader');
  });

  it('lets no look-alike origin read the API', async () => {
    await expectCors(app).attackers({ allowed: [FRONTEND] }).fetch('/api/notes').toBeBlocked();
  });

  it('lets the front end upload a file with its checksum', async () => {
    await page()
      .fetch('/uploads/avatar.png', {
        method: 'PUT',
        headers: { 'Content-Type': 'image/png', 'X-Upload-Checksum': 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=' },
        body: new Uint8Array([137, 80, 78, 71]),
      })
      .toPass();
  });
});
