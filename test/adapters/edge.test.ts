/**
 * corsproof/fetch in the edge runtimes, for real: the same bundle served by
 * Bun, Deno and Cloudflare's workerd (through Miniflare) on loopback, each
 * answering the same requests. All three runtimes come from the npm
 * registry (@oven/bun-linux-x64, deno, miniflare).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP, EVIL, send } from './http.js';

const root = join(import.meta.dirname, '..', '..');
const dir = join(root, '.cache', 'edge');
const require = createRequire(import.meta.url);

function binary(pkg: string, rel: string): string {
  return join(dirname(require.resolve(`${pkg}/package.json`)), rel);
}

/** Start a child that prints its port on the first line. */
function startChild(command: string, args: string[]): Promise<{ port: number; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' } });
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`${command} did not start: ${err}`)), 30_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /PORT=(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ port: Number(m[1]), child });
      }
    });
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited with ${code}: ${err}`));
    });
  });
}

const runtimes: Record<string, { port: number; stop: () => Promise<void> }> = {};

beforeAll(async () => {
  mkdirSync(dir, { recursive: true });
  await build({
    entryPoints: [join(root, 'test', 'adapters', 'edge-worker.ts')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    outfile: join(dir, 'worker.mjs'),
    logLevel: 'silent',
  });
  writeFileSync(
    join(dir, 'bun-server.mjs'),
    "import worker from './worker.mjs';\nconst s = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: worker.fetch });\nconsole.log('PORT=' + s.port);\n",
  );
  writeFileSync(
    join(dir, 'deno-server.mjs'),
    "import worker from './worker.mjs';\nDeno.serve({ port: 0, hostname: '127.0.0.1', onListen: ({ port }) => console.log('PORT=' + port) }, worker.fetch);\n",
  );
  const bun = await startChild(binary('@oven/bun-linux-x64', 'bin/bun'), ['run', 'bun-server.mjs']);
  runtimes.bun = { port: bun.port, stop: async () => void bun.child.kill() };
  const deno = await startChild(binary('@deno/linux-x64-glibc', 'deno'), ['run', '--allow-net=127.0.0.1', '--allow-read=.', 'deno-server.mjs']);
  runtimes.deno = { port: deno.port, stop: async () => void deno.child.kill() };
  const mf = new Miniflare({ modules: true, scriptPath: join(dir, 'worker.mjs'), host: '127.0.0.1', port: 0, compatibilityDate: '2026-01-01' });
  const url = await mf.ready;
  runtimes.workerd = { port: Number(url.port), stop: () => mf.dispose() };
}, 120_000);

afterAll(async () => {
  await Promise.all(Object.values(runtimes).map((r) => r.stop()));
});

describe.each(['bun', 'deno', 'workerd'])('corsproof/fetch in %s', (name) => {
  const port = (): number => (runtimes[name] as { port: number }).port;

  it('runs the policy unchanged, validation included', async () => {
    const r = await send(port(), 'GET', '/self-check');
    expect(JSON.parse(r.body)).toEqual({ refusesUnsafe: true });
  });
  it('answers an allowed preflight', async () => {
    const r = await send(port(), 'OPTIONS', '/ok', { Origin: APP, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'x-api-key' });
    expect(r.status).toBe(204);
    expect(r.headers['access-control-allow-origin']).toBe(APP);
    expect(r.headers['access-control-allow-credentials']).toBe('true');
    expect(r.headers['access-control-allow-headers']).toBe('x-api-key');
  });
  it('refuses a preflight from another origin', async () => {
    const r = await send(port(), 'OPTIONS', '/ok', { Origin: EVIL, 'Access-Control-Request-Method': 'PUT' });
    expect(r.status).toBe(403);
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
  });
  it('adds CORS headers and merges Vary', async () => {
    const r = await send(port(), 'GET', '/ok', { Origin: APP });
    expect(r.body).toBe('ok');
    expect(r.headers['access-control-allow-origin']).toBe(APP);
    expect(String(r.headers.vary)).toBe('Accept-Encoding, Origin');
  });
  it('keeps CORS headers on a thrown error and on an immutable redirect', async () => {
    const boom = await send(port(), 'GET', '/boom', { Origin: APP });
    expect(boom.status).toBe(500);
    expect(boom.headers['access-control-allow-origin']).toBe(APP);
    const redirect = await send(port(), 'GET', '/redirect', { Origin: APP });
    expect(redirect.status).toBe(302);
    expect(redirect.headers['access-control-allow-origin']).toBe(APP);
  });
});
