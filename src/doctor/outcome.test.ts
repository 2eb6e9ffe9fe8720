/**
 * sameOutcome: two verdicts alike only when each browser, WebKit included,
 * reaches the same outcome.
 */
import { describe, expect, it } from 'vitest';
import { evaluate } from '../engine/evaluate.js';
import type { Scenario } from '../engine/types.js';
import { sameOutcome } from './outcome.js';

const PAGE = 'https://app.example.com';
const API = 'https://api.example.com/v1/items';

/** A PUT the server answers with '*'; `redirected`: first redirected (303) to another origin. */
function put(redirected: boolean): Scenario {
  return {
    request: { url: API, origin: PAGE, method: 'PUT', headers: [], credentials: 'same-origin', initiator: 'fetch' },
    preflight: { status: 204, headers: [['Access-Control-Allow-Origin', PAGE], ['Access-Control-Allow-Methods', 'PUT']] },
    ...(redirected ? { redirects: [{ status: 303, headers: [['Location', 'https://cdn.example.net/items'], ['Access-Control-Allow-Origin', PAGE]] }] } : {}),
    response: { status: 200, headers: [['Access-Control-Allow-Origin', '*']] },
  } as Scenario;
}

describe('sameOutcome', () => {
  it('the same scenario, and null with null, are the same outcome; a verdict and null are not', () => {
    expect(sameOutcome(evaluate(put(false)), evaluate(put(false)))).toBe(true);
    expect(sameOutcome(null, null)).toBe(true);
    expect(sameOutcome(evaluate(put(false)), null)).toBe(false);
  });

  it('verdicts that differ in WebKit only differ (WebKit preflights the redirected GET with Origin: null)', () => {
    const direct = evaluate(put(false));
    const redirected = evaluate(put(true));
    expect([redirected.browsers.chromium.ok, redirected.browsers.firefox.ok, redirected.browsers.webkit.ok]).toEqual([true, true, false]);
    expect([direct.browsers.chromium.reasonId, direct.browsers.firefox.reasonId]).toEqual([redirected.browsers.chromium.reasonId, redirected.browsers.firefox.reasonId]);
    expect(sameOutcome(direct, redirected)).toBe(false);
  });
});
