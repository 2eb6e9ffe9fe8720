/**
 * check() with `request.mode: 'no-cors'` against a loopback server: the
 * no-cors request as the engine plans it (no preflight, Origin only on a
 * POST, script's headers left out), judged opaque, and the same request in
 * mode cors as `report.cors`; checkJson's shape for both modes.
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScenarioError } from '../engine/request.js';
import type { ScenarioRequest } from '../engine/types.js';
import { check } from './check.js';
import { checkJson } from './report-json.js';

const PAGE = 'https://app.example';
const received: Array<{ method: string; headers: IncomingHttpHeaders }> = [];
let server: Server;
let base = '';

beforeAll(async () => {
  // Names the page when asked with its Origin; allows Content-Type on a preflight, nothing else.
  server = createServer((req, res) => {
    received.push({ method: req.method ?? '', headers: req.headers });
    if (req.headers.origin === PAGE) res.setHeader('Access-Control-Allow-Origin', PAGE);
    if (req.method === 'OPTIONS') res.setHeader('Access-Control-Allow-Headers', 'content-type');
    res.statusCode = req.method === 'OPTIONS' ? 204 : 200;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const request = (over: Partial<ScenarioRequest>): ScenarioRequest => ({ url: `${base}/items`, origin: PAGE, method: 'POST', headers: [], credentials: 'same-origin', initiator: 'fetch', ...over });

describe("check() in mode 'no-cors'", () => {
  it('sends what a no-cors fetch() sends, judges it opaque, then checks the same request in mode cors', async () => {
    received.length = 0;
    const headers: Array<[string, string]> = [['Content-Type', 'application/json'], ['X-Api-Key', 'k']];
    const report = await check(request({ headers, mode: 'no-cors' }), { probe: false });
    expect(report.verdict).toMatchObject({ ok: true, opaque: true, exposedHeaders: [] });
    expect(report.exchanges.map((e) => e.request.method)).toEqual(['POST']);
    expect(report.exchanges[0]?.request.headers).toEqual([['Origin', PAGE]]);
    expect([report.exposure, report.cookies, report.probe, report.noOrigin]).toEqual([[], [], null, null]);
    // Mode cors: the preflight (x-api-key refused), no second POST.
    const cors = report.cors;
    expect(cors?.scenario.request.mode).toBeUndefined();
    expect(cors?.exchanges.map((e) => e.request.method)).toEqual(['OPTIONS']);
    expect(cors?.verdict.ok).toBe(false);
    expect(cors?.verdict.browsers.chromium.reasonId).toBe('header-not-allowed');
    expect(cors?.cors).toBeUndefined();
    expect(received.map((r) => [r.method, r.headers['x-api-key'], r.headers['access-control-request-headers']])).toEqual([
      ['POST', undefined, undefined],
      ['OPTIONS', undefined, 'content-type,x-api-key'],
    ]);
  });

  it('a no-cors GET carries no Origin; mode cors passes; checkJson nests the cors report', async () => {
    const report = await check(request({ method: 'GET', mode: 'no-cors' }), { probe: false });
    expect(report.exchanges[0]?.request.headers.some(([n]) => n.toLowerCase() === 'origin')).toBe(false);
    expect(report.cors?.verdict.ok).toBe(true);
    const json = checkJson(report, { remarks: ['read'], stack: 'nginx' });
    expect([json.verdict.opaque, json.recipes, json.remarks, json.ifCredentialed]).toEqual([true, [], ['read'], null]);
    expect(json.cors?.verdict.ok).toBe(true);
    expect(json.cors?.recipes[0]?.title).toContain('nginx'); // --stack's recipe goes with the mode cors report
    expect(json.cors?.remarks).toEqual([]);
    expect(json.cors?.cors).toBeUndefined();
  });

  it('mode cors (the default) has no cors part', async () => {
    const report = await check(request({ method: 'GET' }), { probe: false });
    expect(report.cors).toBeUndefined();
    expect('cors' in checkJson(report)).toBe(false);
  });

  it('a method no-cors refuses: the engine\'s ScenarioError, nothing sent', async () => {
    received.length = 0;
    await expect(check(request({ method: 'PUT', mode: 'no-cors' }))).rejects.toThrow(ScenarioError);
    expect(received).toEqual([]);
  });
});
