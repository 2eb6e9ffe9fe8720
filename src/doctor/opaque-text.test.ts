import { describe, expect, it } from 'vitest';
import { evaluate } from '../engine/evaluate.js';
import type { HeaderList, Scenario } from '../engine/types.js';
import { droppedByNoCors, inCorsMode, renderOpaque } from './opaque-text.js';

const PAGE = 'https://app.example.com';
const API = 'https://api.example.com/v1/items';

function noCors(headers: HeaderList, response: HeaderList, extra: Partial<Scenario['request']> = {}): Scenario {
  return {
    request: { url: API, origin: PAGE, method: 'GET', headers, credentials: 'same-origin', mode: 'no-cors', ...extra },
    preflight: null,
    response: { status: 200, headers: [['Content-Type', 'application/json'], ...response] },
  };
}

describe("the text report of an opaque (mode 'no-cors') verdict", () => {
  it('says script reads nothing, what the same answer does in mode cors with its fix, and the no-cors-opaque fix', () => {
    const s = noCors([], [], { credentials: 'include' });
    const text = renderOpaque(s, evaluate(s));
    expect(text.split('\n').slice(0, 5)).toEqual([
      `⚠ Opaque  GET ${API}`,
      `  from ${PAGE} (fetch(), mode: 'no-cors', credentials: 'include')`,
      "  No preflight (mode 'no-cors' never sends one).",
      '  Chromium, Firefox and WebKit (Safari) send it and log nothing; fetch() resolves, but script reads nothing of the answer:',
      "  mode 'no-cors' hides the response from script: response.type is 'opaque', status 0, no headers, an empty body.",
    ]);
    expect(text).toContain("  In mode 'cors' (what reading it needs) the same answer is blocked at the response: The response has no Access-Control-Allow-Origin header.");
    expect(text).toMatch(/\n {4}Server: .*Access-Control-Allow-Origin/);
    expect(text).toMatch(/\n {2}Fix\n {4}mode 'no-cors' does not solve a CORS error: .*fix the server's CORS headers instead/);
  });
  it('names the headers mode no-cors did not send (not the forbidden ones, which no mode sends)', () => {
    const s = noCors([['X-Custom', '1'], ['Accept', 'application/json'], ['Authorization', 'Bearer t'], ['Cookie', 'a=b']], [['Access-Control-Allow-Origin', PAGE]]);
    expect(droppedByNoCors(s, evaluate(s))).toEqual(['X-Custom', 'Authorization']);
    expect(renderOpaque(s, evaluate(s))).toContain("  Not sent: X-Custom, Authorization (mode 'no-cors' sends only Accept, Accept-Language, Content-Language and a safelisted Content-Type).");
  });
  it("a server that would pass in mode 'cors': drop no-cors", () => {
    const s = noCors([], [['Access-Control-Allow-Origin', PAGE]]);
    expect(renderOpaque(s, evaluate(s))).toContain("In mode 'cors' (what reading it needs) the same answer passes: drop mode 'no-cors'.");
  });
  it("mode 'cors' needs a preflight the scenario does not answer: said, not thrown", () => {
    const s = noCors([['X-Custom', '1']], []);
    expect(inCorsMode(s, evaluate(s))).toEqual({ verdict: null, problem: 'preflight: the request needs a CORS preflight, but no preflight response is given' });
    expect(renderOpaque(s, evaluate(s))).toContain("it cannot be judged from this scenario: preflight: the request needs a CORS preflight, but no preflight response is given.");
  });
  it('covers the browsers the verdict covers', () => {
    const s = noCors([], []);
    const v = evaluate(s, { browsers: ['firefox'] });
    expect(renderOpaque(s, v)).toContain('  Firefox sends it and logs nothing');
    expect(inCorsMode(s, v).verdict?.covers).toEqual(['firefox']);
  });
});
