/**
 * `corsproof check` against broken servers on loopback: every fault gets a
 * one-paragraph diagnosis and exit code 3, never a stack trace.
 */
import { createServer as createHttpsServer } from 'node:https';
import type { Server as HttpsServer } from 'node:https';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import selfsigned from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const run = runCli;

const sockets: Socket[] = [];
const servers: Array<Server | HttpsServer> = [];
const ports: Record<string, number> = {};

/** A raw server that does `behave` with each connection once the request head arrived. */
async function raw(name: string, behave: (socket: Socket) => void): Promise<void> {
  const server = createServer((socket) => {
    sockets.push(socket);
    // The client gives up on broken answers; its reset is expected here, not an error of the test.
    socket.on('error', () => undefined);
    socket.once('data', () => behave(socket));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  servers.push(server);
  ports[name] = (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  await raw('mid-response', (s) => {
    s.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\nAccess-Control-Allow-Origin: *\r\n\r\npartial');
    s.destroy();
  });
  await raw('garbage', (s) => s.end('HELLO THERE\r\n\r\n'));
  await raw('huge-headers', (s) => {
    s.write('HTTP/1.1 200 OK\r\n');
    for (let i = 0; i < 1024; i++) s.write(`X-Filler-${i}: ${'x'.repeat(1000)}\r\n`);
    s.end('Content-Length: 0\r\n\r\n');
  });
  const pems = await Promise.resolve(selfsigned.generate([{ name: 'commonName', value: 'localhost' }], { notAfterDate: new Date(Date.now() + 86_400_000), keySize: 2048 }));
  const tls = createHttpsServer({ key: pems.private, cert: pems.cert }, (_req, res) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.end('ok');
  });
  await new Promise<void>((r) => tls.listen(0, '127.0.0.1', () => r()));
  servers.push(tls);
  ports.tls = (tls.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  for (const s of servers) {
    if ('closeAllConnections' in s) s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
});

const ORIGIN = ['--origin', 'https://app.example'];

describe('network faults', () => {
  it.each([
    ['a reset mid-response', 'mid-response', /closed the connection|did not answer with valid HTTP|failed/],
    ['garbage instead of HTTP', 'garbage', /did not answer with valid HTTP/],
    ['1 MB of response headers', 'huge-headers', /larger than 256 KB|did not answer with valid HTTP/],
  ])('%s: exit 3 with a diagnosis', async (_n, name, message) => {
    const r = await run(['check', `http://127.0.0.1:${ports[name]}/x`, ...ORIGIN]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('CORSDidNotSucceed');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
  it('a self-signed certificate: exit 3 saying what is wrong; --insecure goes on', async () => {
    const r = await run(['check', `https://localhost:${ports.tls}/x`, ...ORIGIN]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/certificate of localhost:\d+ is not trusted \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)/);
    expect(r.stderr).toContain('--insecure looks past the certificate'); // the CLI names its flag; the doctor's message does not
    const json = await run(['check', `https://localhost:${ports.tls}/x`, ...ORIGIN, '--json']);
    expect(JSON.parse(json.stdout).error.message).not.toMatch(/--[a-z]/);
    const ok = await run(['check', `https://localhost:${ports.tls}/x`, ...ORIGIN, '--insecure']);
    expect(ok.code).toBe(0);
  });
  it('--json reports the failure as data', async () => {
    const r = await run(['check', `http://127.0.0.1:${ports.garbage}/x`, ...ORIGIN, '--json']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).error).toMatchObject({ kind: 'protocol' });
  });
});
