import { describe, expect, it } from 'vitest';
import { PROBE_ORIGIN, probeFindings, responseFindings } from './exposure.js';

const PAGE = 'https://app.example';

describe('probeFindings', () => {
  it.each([
    ['any origin, with credentials', [['Access-Control-Allow-Origin', PROBE_ORIGIN], ['Access-Control-Allow-Credentials', 'true']], ['error']],
    ['any origin, without credentials', [['Access-Control-Allow-Origin', PROBE_ORIGIN]], ['warning']],
    ["'*' is not a reflection (the engine judges it)", [['Access-Control-Allow-Origin', '*']], []],
    ['the page origin only', [['Access-Control-Allow-Origin', PAGE], ['Access-Control-Allow-Credentials', 'true']], []],
    ['no CORS headers', [], []],
  ] as Array<[string, Array<[string, string]>, string[]]>)('%s', (_n, headers, expected) => {
    expect(probeFindings({ method: 'GET', url: 'https://api.example/x', headers }).map((f) => f.severity)).toEqual(expected);
  });
});

describe('responseFindings', () => {
  it.each([
    ['a named origin without Vary', [['Access-Control-Allow-Origin', PAGE]], false, ['missing-vary-origin']],
    ['with Vary: Accept-Encoding, Origin', [['Access-Control-Allow-Origin', PAGE], ['Vary', 'Accept-Encoding, Origin']], false, []],
    ['Vary in another case', [['Access-Control-Allow-Origin', PAGE], ['vary', 'origin']], false, []],
    ['not stored by caches (no-store)', [['Access-Control-Allow-Origin', PAGE], ['Cache-Control', 'no-store']], false, []],
    ["'*' needs no Vary", [['Access-Control-Allow-Origin', '*']], false, []],
    ['Expose-Headers * with credentials', [['Access-Control-Allow-Origin', PAGE], ['Vary', 'Origin'], ['Access-Control-Expose-Headers', 'X-A, *']], true, ['expose-wildcard-with-credentials']],
    ['Expose-Headers * without credentials works', [['Access-Control-Allow-Origin', '*'], ['Access-Control-Expose-Headers', '*']], false, []],
  ] as Array<[string, Array<[string, string]>, boolean, string[]]>)('%s', (_n, headers, credentials, expected) => {
    expect(responseFindings(headers, PAGE, credentials).map((f) => f.id)).toEqual(expected);
  });
});
