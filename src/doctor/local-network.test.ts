/**
 * The doctor on Local Network Access (request.addressSpace): the report's text
 * explains it through the reason table's row (its title, each browser's line,
 * the fix), repair calls it not fixable by any header, no CORS recipe is shown
 * for it, and a Chromium 156 console line (seen) reads back into a scenario
 * that reproduces it.
 */
import { describe, expect, it } from 'vitest';
import { readConsoleLine } from '../engine/console.js';
import { evaluate } from '../engine/evaluate.js';
import { reason } from '../engine/reasons.js';
import type { Scenario } from '../engine/types.js';
import { recipesToShow } from './fixes.js';
import { repair } from './repair.js';
import { renderVerdict } from './text.js';

const PAGE = 'https://app.example';
const LOOPBACK = 'http://127.0.0.1:8080/api';

const scenario: Scenario = {
  request: { url: LOOPBACK, origin: PAGE, method: 'GET', headers: [], credentials: 'same-origin', addressSpace: { page: 'public', target: 'loopback' } },
  preflight: null,
  response: { status: 200, headers: [['Access-Control-Allow-Origin', PAGE]] },
};

describe('the doctor explains Local Network Access through the reason table', () => {
  const verdict = evaluate(scenario);
  const row = reason('local-network-permission-denied');

  it("the report's text: the row's title, Chromium's and Firefox's lines, WebKit allowing it, the fix", () => {
    const text = renderVerdict(scenario, verdict);
    expect(text).toContain(row.title);
    expect(text).toContain('Permission was denied for this request to access the `loopback` address space.');
    expect(text).toContain('(Reason: CORS request did not succeed). Status code: (null).');
    expect(text).toContain("The page is public, the API is on the user's own machine (loopback)");
    expect(text).toContain('The user must allow local network access for https://app.example');
  });

  it('repair: not fixable by any header, with the row', () => {
    const r = repair(scenario);
    expect(r).toMatchObject({ kind: 'not-fixable', reasonId: 'local-network-permission-denied' });
  });

  it('no CORS recipe is shown for it (only with a stack asked for)', () => {
    const layers = { perExchange: [[{ name: 'Express' }]], notes: [] } as unknown as Parameters<typeof recipesToShow>[0]['layers'];
    expect(recipesToShow({ scenario, verdict, layers })).toEqual([]);
    const cors: Scenario = { ...scenario, request: { ...scenario.request, localNetworkAccess: 'granted' }, response: { status: 200, headers: [] } };
    expect(evaluate(cors).browsers.chromium.reasonId).toBe('missing-allow-origin');
  });

  it.each([
    [
      "Access to fetch at 'http://127.0.0.1:34455/t' from origin 'http://127.0.0.1:38445' has been blocked by CORS policy: Permission was denied for this request to access the `loopback` address space.",
      'local-network-permission-denied',
      'loopback',
    ],
    [
      "Access to fetch at 'http://127.0.0.1:33361/t' from origin 'http://127.0.0.1:46673' has been blocked by CORS policy: Permission was denied for this request to access the `local` address space.",
      'local-network-permission-denied',
      'local',
    ],
    [
      "Access to fetch at 'http://127.0.0.1:40363/t' from origin 'http://pub.test:39753' has been blocked by CORS policy: The request client is not a secure context and the resource is in more-private address space `loopback`.",
      'insecure-local-network',
      'loopback',
    ],
  ])('reads a Chromium 156 line back (seen): %s', (line, id, space) => {
    const r = readConsoleLine(line);
    if (!r.recognised) throw new Error(r.why);
    expect(r.reasonId).toBe(id);
    expect(r.value).toBe(space);
    expect(r.reproduces).toBe(true);
    expect(r.scenario?.request.addressSpace).toMatchObject({ page: 'public', target: space });
  });
});
