import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../engine/request.js';
import type { HeaderList, Scenario } from '../engine/types.js';
import { validateScenario } from '../engine/validate.js';
import { hopId, hopTarget, hopsOf, moveHop, newHop, readHops, removeHop } from './redirects.js';

const PAGE = 'https://app.example.com';
const BASE = {
  request: { url: 'https://api.example.com/a', origin: PAGE, method: 'PUT', headers: [['Content-Type', 'application/json']], credentials: 'include', initiator: 'fetch' },
  preflight: { status: 204, headers: [['Access-Control-Allow-Origin', PAGE], ['Access-Control-Allow-Methods', 'PUT']] },
  response: { status: 200, headers: [['Access-Control-Allow-Origin', PAGE]] },
};
/** Two hops, the second with its own preflight answer. */
const CHAIN: Scenario = validateScenario({
  ...BASE,
  redirects: [
    { status: 307, headers: [['Location', 'https://b.example.com/a'], ['Access-Control-Allow-Origin', PAGE]] },
    { status: 308, headers: [['Location', '/c']] },
  ],
  redirectPreflights: [null, { status: 204, headers: [['Access-Control-Allow-Origin', '*']] }],
});

/** Header lines read as the form reads them (no line numbers needed here). */
const headers = (_id: string, text: string): HeaderList =>
  text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => [l.slice(0, l.indexOf(':')).trim(), l.slice(l.indexOf(':') + 1).trim()]);

describe('redirect hops in the form', () => {
  it("round-trips a scenario's redirects and redirectPreflights through the hops' text, exactly", () => {
    const hops = hopsOf(CHAIN);
    expect(hops).toEqual([
      { status: '307', headers: `Location: https://b.example.com/a\nAccess-Control-Allow-Origin: ${PAGE}`, preflightStatus: '', preflightHeaders: '' },
      { status: '308', headers: 'Location: /c', preflightStatus: '204', preflightHeaders: 'Access-Control-Allow-Origin: *' },
    ]);
    expect(JSON.stringify(validateScenario({ ...BASE, ...readHops(hops, headers) }))).toBe(JSON.stringify(CHAIN));
  });
  it('leaves the fields out when there are no hops, and redirectPreflights out when no hop has its own answer', () => {
    expect(readHops([], headers)).toEqual({});
    expect(hopsOf(validateScenario(BASE))).toEqual([]);
    const plain = readHops([{ ...newHop(), headers: 'Location: /b' }], headers);
    expect(plain).toEqual({ redirects: [{ status: 302, headers: [['Location', '/b']] }] });
    // A status alone is an answer (with no header lines).
    expect(readHops([{ ...newHop(), headers: 'Location: /b', preflightStatus: '500' }], headers).redirectPreflights).toEqual([{ status: 500, headers: [] }]);
  });
  it('passes a status that is not a number on as text, for the validator to name', () => {
    const fields = readHops([{ ...newHop(), headers: 'Location: /b', preflightStatus: 'abc' }], headers);
    expect(() => validateScenario({ ...BASE, ...fields })).toThrow(new ScenarioError('redirectPreflights[0].status', 'expected an HTTP status from 100 to 599, got the string "abc"'));
  });
  it('names the hop control of a ScenarioError at redirects[k] or redirectPreflights[k]', () => {
    expect(hopTarget('redirects[1].status')).toEqual({ id: 'redirect-2-status', header: null });
    expect(hopTarget('redirects[0].headers')).toEqual({ id: 'redirect-1-headers', header: null });
    expect(hopTarget('redirects[0].headers[2][1]')).toEqual({ id: 'redirect-1-headers', header: 2 });
    expect(hopTarget('redirects[3]')).toEqual({ id: 'redirect-4-headers', header: null });
    expect(hopTarget('redirectPreflights[0].status')).toEqual({ id: 'redirect-1-preflight-status', header: null });
    expect(hopTarget('redirectPreflights[1].headers[0][0]')).toEqual({ id: 'redirect-2-preflight-headers', header: 0 });
    expect(hopTarget('redirectPreflights[1]')).toEqual({ id: 'redirect-2-preflight-status', header: null });
    expect(hopTarget('response.status')).toBeNull();
    expect(hopId(0, 'preflightHeaders')).toBe('redirect-1-preflight-headers');
  });
  it('moves and removes hops', () => {
    expect(moveHop(['a', 'b', 'c'], 2, -1)).toEqual(['a', 'c', 'b']);
    expect(moveHop(['a', 'b', 'c'], 0, 1)).toEqual(['b', 'a', 'c']);
    expect(moveHop(['a', 'b'], 0, -1)).toEqual(['a', 'b']);
    expect(moveHop(['a', 'b'], 1, 1)).toEqual(['a', 'b']);
    expect(removeHop(['a', 'b', 'c'], 1)).toEqual(['a', 'c']);
  });
});
