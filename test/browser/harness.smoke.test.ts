/**
 * Smoke test of the real-browser harness: six hand-written scenarios in
 * Chromium and Firefox. Asserts only what is certain and prints every
 * observation, so the browsers' real messages can be read in the test output.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scenario, ScenarioRequest } from '../../src/engine/types.js';
import { runCases, startWorld } from './harness.js';
import type { BrowserKind, Observation, World } from './harness.js';

let world: World;

beforeAll(async () => {
  world = await startWorld();
});

afterAll(async () => {
  await world?.close();
});

function smokeCases(w: World): Array<{ id: string; scenario: Scenario }> {
  const page = w.pageOrigin;
  const url = (id: string): string => `${w.targetOrigin}/c/${id}/0`;
  const request = (id: string, extra: Partial<ScenarioRequest> = {}): ScenarioRequest => ({
    url: url(id),
    origin: page,
    method: 'GET',
    headers: [],
    credentials: 'same-origin',
    initiator: 'fetch',
    ...extra,
  });
  return [
    {
      // (a) a simple GET allowed by an exact Access-Control-Allow-Origin
      id: 'smoke-a',
      scenario: {
        request: request('smoke-a'),
        preflight: null,
        response: {
          status: 200,
          headers: [
            ['Access-Control-Allow-Origin', page],
            ['Content-Type', 'text/plain'],
            ['Content-Length', '2'],
          ],
        },
      },
    },
    {
      // (b) credentials include + Access-Control-Allow-Origin: *
      id: 'smoke-b',
      scenario: {
        request: request('smoke-b', { credentials: 'include' }),
        preflight: null,
        response: {
          status: 200,
          headers: [
            ['Access-Control-Allow-Origin', '*'],
            ['Content-Length', '2'],
          ],
        },
      },
    },
    {
      // (c) a PUT whose preflight is answered 404
      id: 'smoke-c',
      scenario: {
        request: request('smoke-c', { method: 'PUT' }),
        preflight: { status: 404, headers: [['Content-Length', '0']] },
        response: {
          status: 200,
          headers: [
            ['Access-Control-Allow-Origin', page],
            ['Content-Length', '2'],
          ],
        },
      },
    },
    {
      // (d) two Access-Control-Allow-Origin lines
      id: 'smoke-d',
      scenario: {
        request: request('smoke-d'),
        preflight: null,
        response: {
          status: 200,
          headers: [
            ['Access-Control-Allow-Origin', page],
            ['Access-Control-Allow-Origin', page],
            ['Content-Length', '2'],
          ],
        },
      },
    },
    {
      // (e) xhr, with an exposed header
      id: 'smoke-e',
      scenario: {
        request: request('smoke-e', { initiator: 'xhr' }),
        preflight: null,
        response: {
          status: 200,
          headers: [
            ['Access-Control-Allow-Origin', page],
            ['Access-Control-Expose-Headers', 'X-Foo'],
            ['X-Foo', '1'],
            ['X-Bar', '2'],
            ['Content-Length', '2'],
          ],
        },
      },
    },
    {
      // (f) EventSource
      id: 'smoke-f',
      scenario: {
        request: request('smoke-f', { initiator: 'eventsource' }),
        preflight: null,
        response: {
          status: 200,
          headers: [
            ['Content-Type', 'text/event-stream'],
            ['Access-Control-Allow-Origin', page],
            ['Content-Length', '9'],
          ],
        },
      },
    },
  ];
}

function byId(observations: Observation[], id: string): Observation {
  const o = observations.find((x) => x.id === id);
  if (o === undefined) throw new Error(`no observation for ${id}`);
  return o;
}

describe.each<BrowserKind>(['chromium', 'firefox'])('harness smoke: %s', (browser) => {
  it('runs the smoke scenarios and records what the browser did', async () => {
    const observations = await runCases(browser, world, smokeCases(world));
    if (process.env.CORSPROOF_VERBOSE) console.log(`${browser} observations:\n${JSON.stringify(observations, null, 2)}`);

    expect(observations).toHaveLength(6);
    for (const o of observations) expect(o.error, `${o.id}: ${o.error}`).toBeUndefined();

    // (a) passes, and the request reached the server with the page's Origin.
    const a = byId(observations, 'smoke-a');
    expect(a.ok).toBe(true);
    expect(a.readableHeaders).toContain('content-type');
    expect(a.preflights).toEqual([]);
    expect(a.requests).toEqual([{ method: 'GET', url: `${world.targetOrigin}/c/smoke-a/0`, origin: world.pageOrigin }]);

    // (b) credentials + wildcard fails in both browsers.
    const b = byId(observations, 'smoke-b');
    expect(b.ok).toBe(false);
    expect(b.requests).toHaveLength(1);
    if (browser === 'chromium') {
      expect(b.chromium?.corsError).toBe('WildcardOriginNotAllowed');
      expect(b.chromium?.messages.some((m) => m.includes('has been blocked by CORS policy'))).toBe(true);
    } else {
      expect(b.firefox?.messages[0]).toContain('Credential is not supported');
      // The harness taps Firefox's console service (for warnings and message keys); check it worked.
      expect(b.firefox?.keys, 'Firefox console tap').toBeDefined();
      expect(b.firefox?.keys?.[0]).toBe('CORSNotSupportingCredentials');
    }

    // (c) the preflight went out with the right Access-Control-Request-Method, and nothing after it.
    const c = byId(observations, 'smoke-c');
    expect(c.ok).toBe(false);
    expect(c.preflights).toEqual([
      { origin: world.pageOrigin, acrm: 'PUT', acrh: null, url: `${world.targetOrigin}/c/smoke-c/0` },
    ]);
    expect(c.requests).toEqual([]);
    if (browser === 'chromium') expect(c.chromium?.corsError).not.toBeNull();
    else expect(c.firefox?.messages.length).toBeGreaterThan(0);

    // (e) xhr passes and sees the exposed header but not the unexposed one.
    const e = byId(observations, 'smoke-e');
    expect(e.ok).toBe(true);
    expect(e.readableHeaders).toContain('x-foo');
    expect(e.readableHeaders).not.toContain('x-bar');

    // (f) EventSource opens.
    const f = byId(observations, 'smoke-f');
    expect(f.ok).toBe(true);
    expect(f.readableHeaders).toBeNull();
    expect(f.requests).toHaveLength(1);
  });
});
