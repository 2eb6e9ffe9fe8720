/**
 * The playground's "Export as test" (src/doctor/test-snippet.ts): the exact
 * text for a few scenarios, and each snippet run for real with
 * corsproof/testing against a fetch handler that answers as its scenario
 * says (the deployed API's URL swapped for the handler): the assertion holds.
 */
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/engine/evaluate.js';
import type { Scenario } from '../../src/engine/types.js';
import { validateScenario } from '../../src/engine/validate.js';
import { scenarioJson, testSnippet } from '../../src/doctor/test-snippet.js';
import { expectCors } from '../../src/testing/index.js';

const PAGE = 'https://app.example.com';

const SCENARIOS: Record<string, Scenario> = {
  seed: validateScenario({
    request: { url: 'https://api.example.com/v1/me?x=1', origin: PAGE, method: 'GET', headers: [], credentials: 'include', initiator: 'fetch' },
    preflight: null,
    response: { status: 200, headers: [['Access-Control-Allow-Origin', '*']] },
  }),
  preflight: validateScenario({
    request: { url: 'https://api.example.com/v1/items/7', origin: PAGE, method: 'PUT', headers: [['Authorization', 'Bearer x'], ['Content-Type', 'application/json']], credentials: 'same-origin', initiator: 'fetch' },
    preflight: { status: 204, headers: [['Access-Control-Allow-Origin', PAGE], ['Access-Control-Allow-Methods', 'GET, PUT'], ['Access-Control-Allow-Headers', 'Content-Type']] },
    response: { status: 200, headers: [['Access-Control-Allow-Origin', PAGE]] },
  }),
  xhr: validateScenario({
    request: { url: 'https://api.example.com/v1/me', origin: PAGE, method: 'GET', headers: [['X-Dup', 'a'], ['x-dup', "it's"]], credentials: 'include', initiator: 'xhr' },
    preflight: { status: 204, headers: [['Access-Control-Allow-Origin', PAGE], ['Access-Control-Allow-Credentials', 'true'], ['Access-Control-Allow-Headers', 'X-Dup']] },
    response: { status: 200, headers: [['Access-Control-Allow-Origin', PAGE], ['Access-Control-Allow-Credentials', 'true']] },
  }),
  eventsource: validateScenario({
    request: { url: 'https://api.example.com/events', origin: PAGE, method: 'GET', headers: [], credentials: 'same-origin', initiator: 'eventsource' },
    preflight: null,
    response: { status: 200, headers: [['Access-Control-Allow-Origin', 'https://other.example.com']] },
  }),
};

describe('testSnippet', () => {
  it('the seed case: blocked with its reason id, and the line to write once fixed', () => {
    expect(testSnippet(SCENARIOS.seed as Scenario, evaluate(SCENARIOS.seed as Scenario))).toBe(
      [
        "import { test } from 'vitest';",
        "import { expectCors } from 'corsproof/testing';",
        '',
        "// Against the deployed API; for your app in-process: expectCors(app, { url: 'https://api.example.com' }).",
        "test('GET /v1/me?x=1 from https://app.example.com is blocked (wildcard-with-credentials)', async () => {",
        "  await expectCors('https://api.example.com')",
        "    .from('https://app.example.com')",
        "    .fetch('/v1/me?x=1', { credentials: 'include' })",
        "    .toBeBlocked('wildcard-with-credentials');",
        '  // Once the server is fixed: .toPass()',
        '});',
        '',
      ].join('\n'),
    );
  });

  it('headers as a record, repeated names as pairs; XHR and EventSource with their own options', () => {
    expect(testSnippet(SCENARIOS.preflight as Scenario, evaluate(SCENARIOS.preflight as Scenario))).toContain(
      ".fetch('/v1/items/7', { method: 'PUT', headers: { Authorization: 'Bearer x', 'Content-Type': 'application/json' } })",
    );
    expect(testSnippet(SCENARIOS.xhr as Scenario, evaluate(SCENARIOS.xhr as Scenario))).toContain(
      ".xhr('/v1/me', { headers: [['X-Dup', 'a'], ['x-dup', 'it\\'s']], withCredentials: true })\n    .toPass();\n});",
    );
    expect(testSnippet(SCENARIOS.eventsource as Scenario, evaluate(SCENARIOS.eventsource as Scenario))).toContain(".eventSource('/events')\n    .toBeBlocked('allow-origin-mismatch');");
  });

  it('the explain JSON is the scenario itself', () => {
    expect(JSON.parse(scenarioJson(SCENARIOS.seed as Scenario))).toEqual(SCENARIOS.seed);
  });

  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    it(`runs: the ${name} snippet's assertion holds against a handler answering as the scenario says`, async () => {
      const handler = (request: Request): Response => {
        const answer = request.method === 'OPTIONS' && request.headers.has('access-control-request-method') ? scenario.preflight : scenario.response;
        if (answer === null) return new Response(null, { status: 404 });
        return new Response(null, { status: answer.status, headers: answer.headers });
      };
      const base = new URL(scenario.request.url).origin;
      const code = testSnippet(scenario, evaluate(scenario))
        .replace(/^import .*$/gm, '')
        .replace(`expectCors('${base}'`, `expectCors.fetch(handler, { url: '${base}' }`)
        .replace('expectCors.fetch(handler, { url: \'https://api.example.com\' }, { browsers', 'expectCors.fetch(handler, { url: \'https://api.example.com\', browsers');
      const tests: Array<() => Promise<void>> = [];
      const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<void>;
      await new AsyncFunction('test', 'expectCors', 'handler', code)((_: string, fn: () => Promise<void>) => tests.push(fn), expectCors, handler);
      expect(tests).toHaveLength(1);
      await (tests[0] as () => Promise<void>)();
    });
  }
});
