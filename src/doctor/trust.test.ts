/**
 * trustNotes: the finding table's rows for what Access-Control-Allow-Origin
 * values trust besides the page's origin, now or after repair()'s change;
 * nothing for exact https origins or '*'.
 */
import { describe, expect, it } from 'vitest';
import type { HeaderList, Scenario } from '../engine/types.js';
import { findingRow } from '../policy/findings.js';
import { repair } from './repair.js';
import { trustNotes } from './trust.js';

function scenario(origin: string, url: string, response: HeaderList, credentials: Scenario['request']['credentials'] = 'include'): Scenario {
  return { request: { url, origin, method: 'GET', headers: [], credentials, initiator: 'fetch' }, preflight: null, response: { status: 200, headers: response } };
}

const changed = (s: Scenario): Scenario | null => {
  const r = repair(s);
  return r.kind === 'change' ? r.scenario : null;
};

describe('trustNotes', () => {
  it("none for the page's exact https origin, '*', or a loopback http origin", () => {
    const exact = scenario('https://app.example.com', 'https://api.example.com/', [['Access-Control-Allow-Origin', '*']]);
    expect(trustNotes(exact, changed(exact))).toEqual([]);
    const open = scenario('https://app.example.com', 'https://api.example.com/', [['Access-Control-Allow-Origin', '*']], 'same-origin');
    expect(trustNotes(open, null)).toEqual([]);
    const local = scenario('http://localhost:5173', 'https://api.example.com/', [['Access-Control-Allow-Origin', 'http://localhost:5173']], 'same-origin');
    expect(trustNotes(local, null)).toEqual([]);
  });

  it("the change names 'null' for a sandboxed page: trusts-null, high with credentials", () => {
    const s = scenario('null', 'https://api.example.com/', []);
    const row = findingRow('trusts-null');
    expect(trustNotes(s, changed(s))).toEqual([{ id: 'trusts-null', title: row.title, reason: row.reason, severity: 'high', of: 'change', evidence: 'Access-Control-Allow-Origin: null' }]);
  });

  it('the current answer allows a wildcard pattern: trusts-any-subdomain; an http page for an https API: trusts-http-origin', () => {
    const pattern = scenario('https://app.example.com', 'https://api.example.com/', [['Access-Control-Allow-Origin', 'https://*.example.com']]);
    expect(trustNotes(pattern, changed(pattern)).map((n) => [n.id, n.of, n.severity])).toEqual([['trusts-any-subdomain', 'current', 'medium']]);
    const http = scenario('http://app.example.com', 'https://api.example.com/', [['Access-Control-Allow-Origin', 'http://app.example.com']], 'same-origin');
    expect(trustNotes(http, null).map((n) => [n.id, n.of, n.severity, n.evidence])).toEqual([['trusts-http-origin', 'current', 'low', 'Access-Control-Allow-Origin: http://app.example.com']]);
  });
});
