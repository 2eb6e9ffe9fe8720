/**
 * The explain CLI, run as a user runs it: the built binary in a child process.
 * `npm test` builds before running the tests.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateScenario } from '../../src/engine/validate.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'dist', 'cli', 'main.js');

function run(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, input, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const good = {
  request: { url: 'https://api.example/x', origin: 'https://app.example', method: 'GET', headers: [], credentials: 'include' },
  preflight: null,
  response: { status: 200, headers: [['Access-Control-Allow-Origin', '*']] },
};

describe('corsproof explain --jsonl', () => {
  const allowed = { ...good, request: { ...good.request, credentials: 'same-origin' } };
  it('one verdict per scenario line, in order; blank lines skipped; exit 0', () => {
    const r = run(['explain', '--jsonl', '-'], `${JSON.stringify(allowed)}\n\n${JSON.stringify(good)}\n`);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { ok: boolean; firefox: { reason: string } | null });
    expect(lines.map((v) => v.ok)).toEqual([true, false]);
    expect(lines[1]?.firefox?.reason).toBe('CORSNotSupportingCredentials');
  });
  it('--exit-code: 1 when any request is blocked', () => {
    expect(run(['explain', '--jsonl', '--exit-code', '-'], `${JSON.stringify(good)}\n`).code).toBe(1);
  });
  it('a line that is not JSON or not a scenario becomes {line, error}; the rest is still judged; exit 2', () => {
    const r = run(['explain', '--jsonl', '-'], `not json\n${JSON.stringify({ ...good, request: { ...good.request, origin: 'app.example' } })}\n${JSON.stringify(good)}\n`);
    expect(r.code).toBe(2);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ line: 1, error: { field: null } });
    expect(lines[1]).toMatchObject({ line: 2, error: { field: 'request.origin' } });
    expect(lines[2]).toMatchObject({ ok: false });
  });
  it('refuses --json with --jsonl, and empty input', () => {
    expect(run(['explain', '--jsonl', '--json', '-'], '{}').code).toBe(2);
    const empty = run(['explain', '--jsonl', '-'], '');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('no scenario');
  });
});

describe('corsproof explain', () => {
  it('is built', () => expect(existsSync(bin)).toBe(true));

  it('prints the JSON contract for one scenario', () => {
    const r = run(['explain', '--json', '-'], JSON.stringify(good));
    expect(r.code).toBe(0);
    const v = JSON.parse(r.stdout);
    expect(Object.keys(v)).toEqual(expect.arrayContaining(['ok', 'failedAt', 'preflight', 'firefox', 'chromium', 'exposedHeaders', 'fix']));
    expect(v.ok).toBe(false);
    expect(v.failedAt).toBe('response');
    expect(v.preflight).toEqual({ required: false, request: null });
    expect(v.chromium.corsError).toBe('WildcardOriginNotAllowed');
    expect(v.firefox.reason).toBe('CORSNotSupportingCredentials');
  });

  it('prints an array for an array, in order', () => {
    const ok = { ...good, request: { ...good.request, credentials: 'omit' } };
    const r = run(['explain', '--json', '-'], JSON.stringify([good, ok]));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).map((v: { ok: boolean }) => v.ok)).toEqual([false, true]);
  });

  it('--exit-code exits 1 when blocked', () => {
    expect(run(['explain', '--exit-code', '-'], JSON.stringify(good)).code).toBe(1);
  });

  it('prints both messages and the fix for humans', () => {
    const r = run(['example']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("must not be the wildcard '*' when the request's credentials mode is 'include'");
    expect(r.stdout).toContain('Credential is not supported if the CORS header ‘Access-Control-Allow-Origin’ is ‘*’');
    expect(r.stdout).toContain('Server: ');
  });

  const bad: Array<[string, string, RegExp]> = [
    ['bad JSON', '{"request": ', /not valid JSON/],
    ['not an object', '42', /scenario: expected an object/],
    ['missing request', JSON.stringify({ response: good.response }), /request: missing/],
    ['missing response', JSON.stringify({ request: good.request }), /response: missing/],
    ['invalid origin', JSON.stringify({ ...good, request: { ...good.request, origin: 'https://app.example/' } }), /request\.origin: .*did you mean 'https:\/\/app\.example'/],
    ['invalid URL', JSON.stringify({ ...good, request: { ...good.request, url: 'not a url' } }), /request\.url: .*not an absolute URL/],
    ['CR/LF in a header value', JSON.stringify({ ...good, request: { ...good.request, headers: [['X-A', 'a\r\nInjected: 1']] } }), /request\.headers\[0\]\[1\]: .*CR or LF/],
    ['unknown field', JSON.stringify({ ...good, request: { ...good.request, credentails: 'omit' } }), /request\.credentails: unknown field/],
    ['needs a preflight but none given', JSON.stringify({ ...good, request: { ...good.request, method: 'PUT' } }), /preflight: the request needs a CORS preflight/],
    ['bad element of an array', JSON.stringify([good, { ...good, response: { status: 'x', headers: [] } }]), /\[1\]\.response\.status/],
  ];
  it.each(bad)('%s: exit 2, names the field, no stack trace', (_name, input, message) => {
    const r = run(['explain', '-'], input);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });

  it('a missing file is a usage error', () => {
    const r = run(['explain', 'no-such-file.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no-such-file.json: no such file');
  });

  it('an unknown option is a usage error', () => {
    expect(run(['explain', '--nope']).code).toBe(2);
  });

  it('--help helps', () => {
    const r = run(['explain', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Scenario JSON');
  });
});

describe('three browsers in explain: webkit, requests, covers, --browsers', () => {
  const OTHER = 'https://other.example/x';
  /** WebKit keeps Authorization across a redirect to another origin and preflights it again there; Chromium and Firefox drop it and pass. */
  const webkitOnly = {
    request: { url: 'https://api.example/x', origin: 'https://app.example', method: 'GET', headers: [['Authorization', 'Bearer t']] },
    preflight: { status: 204, headers: [['Access-Control-Allow-Origin', '*'], ['Access-Control-Allow-Headers', 'Authorization']] },
    redirects: [{ status: 307, headers: [['Access-Control-Allow-Origin', '*'], ['Location', OTHER]] }],
    redirectPreflights: [{ status: 204, headers: [['Access-Control-Allow-Origin', '*'], ['Access-Control-Allow-Headers', 'X-Other']] }],
    response: { status: 200, headers: [['Access-Control-Allow-Origin', '*']] },
  };
  const WILDCARD_LINE = 'Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is true.';
  const GET = (url: string, origin: string, ...more: string[][]) => ({ url, method: 'GET', headers: [['Origin', origin], ...more] });

  it('--json: webkit beside chromium and firefox, every browser in covers, the requests each one sends', () => {
    const v = JSON.parse(run(['explain', '--json', '-'], JSON.stringify(good)).stdout);
    expect(Object.keys(v)).toEqual(expect.arrayContaining(['chromium', 'firefox', 'webkit', 'covers', 'requests']));
    expect(v.covers).toEqual(['chromium', 'firefox', 'webkit']);
    expect(v.webkit).toEqual({
      reason: 'wildcard-with-credentials',
      message: WILDCARD_LINE,
      messages: [WILDCARD_LINE, 'Fetch API cannot load https://api.example/x due to access control checks.', `Failed to load resource: ${WILDCARD_LINE}`],
    });
    expect(v.browsers.webkit).toMatchObject({ ok: false, failedAt: 'response', reasonId: 'wildcard-with-credentials' });
    const sent = [GET('https://api.example/x', 'https://app.example')];
    expect(v.requests).toEqual({ chromium: sent, firefox: sent, webkit: sent });
  });

  it("requests: Origin null after a redirect to another origin; WebKit sends nothing there (its preflight fails); the verdict blocks", () => {
    const v = JSON.parse(run(['explain', '--json', '-'], JSON.stringify(webkitOnly)).stdout);
    const first = GET('https://api.example/x', 'https://app.example', ['Authorization', 'Bearer t']);
    expect(v.requests).toEqual({ chromium: [first, GET(OTHER, 'null')], firefox: [first, GET(OTHER, 'null')], webkit: [first] });
    expect([v.ok, v.failedAt, v.chromium, v.firefox, v.webkit?.reason]).toEqual([false, 'preflight', null, null, 'header-not-allowed']);
    expect(v.fix).toContain('Authorization');
  });

  it('--jsonl: every line carries webkit, covers and requests (narrowed by --browsers)', () => {
    const input = `${JSON.stringify(good)}\n${JSON.stringify(webkitOnly)}\n`;
    const lines = run(['explain', '--jsonl', '-'], input).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.ok, l.covers.length, l.webkit?.reason, Object.keys(l.requests)])).toEqual([
      [false, 3, 'wildcard-with-credentials', ['chromium', 'firefox', 'webkit']],
      [false, 3, 'header-not-allowed', ['chromium', 'firefox', 'webkit']],
    ]);
    const narrowed = run(['explain', '--jsonl', '--exit-code', '--browsers', 'chromium,firefox', '-'], `${JSON.stringify(webkitOnly)}\n`);
    expect(narrowed.code).toBe(0);
    expect(JSON.parse(narrowed.stdout)).toMatchObject({ ok: true, covers: ['chromium', 'firefox'], webkit: { reason: 'header-not-allowed' } });
  });

  it('--browsers narrows ok, failedAt, fix and --exit-code; all three by default', () => {
    expect(run(['explain', '--exit-code', '-'], JSON.stringify(webkitOnly)).code).toBe(1);
    expect(run(['explain', '--exit-code', '--browsers', 'chromium,firefox', '-'], JSON.stringify(webkitOnly)).code).toBe(0);
    expect(run(['explain', '--exit-code', '--browsers', 'webkit', '-'], JSON.stringify(webkitOnly)).code).toBe(1);
  });

  it('--browsers in --json: what the verdict covers, every browser still reported; example takes it too', () => {
    const two = JSON.parse(run(['explain', '--json', '--browsers', ' Firefox , chromium ', '-'], JSON.stringify(webkitOnly)).stdout);
    expect([two.ok, two.covers, two.failedAt, two.fix, two.webkit?.reason]).toEqual([true, ['chromium', 'firefox'], null, null, 'header-not-allowed']);
    const mine = JSON.parse(run(['explain', '--json', '--browsers', 'webkit', '-'], JSON.stringify(webkitOnly)).stdout);
    expect([mine.ok, mine.covers, mine.failedAt, typeof mine.fix]).toEqual([false, ['webkit'], 'preflight', 'string']);
    expect(JSON.parse(run(['example', '--json', '--browsers', 'firefox']).stdout).covers).toEqual(['firefox']);
  });

  it.each([
    [['explain', '--browsers', 'chromium,safari', '-'], "'safari' is not a browser corsproof models (Safari's engine is webkit)"],
    [['explain', '--jsonl', '--browsers', 'edge,opera', '-'], "'edge', 'opera' are not browsers corsproof models"],
    [['explain', '--console', WILDCARD_LINE, '--browsers', 'ie'], "'ie' is not a browser"],
    [['example', '--browsers', ''], '--browsers needs at least one of chromium, firefox, webkit'],
    [['check', 'https://api.example/x', '--origin', 'https://app.example', '--browsers', 'chrome'], "(Chrome's and Edge's engine is chromium)"],
    [['demo', '--browsers', 'firefox,,'], 'an empty name'],
  ])('%j: exit 2, the valid names listed, no stack trace', (args, message) => {
    const r = run(args, JSON.stringify(good));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    if (!message.includes('needs at least one')) expect(r.stderr).toContain('give a comma-separated list of chromium, firefox, webkit');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });

  it("the human report: WebKit (Safari)'s lines beside Chromium's and Firefox's, and what --browsers judges", () => {
    const all = run(['example']).stdout;
    expect(all).toContain(`  WebKit (Safari)  wildcard-with-credentials\n    ${WILDCARD_LINE}\n    Fetch API cannot load https://api.example.com/v1/me due to access control checks.\n`);
    const only = run(['explain', '-'], JSON.stringify(webkitOnly)).stdout;
    expect(only.split('\n')[0]).toBe('✗ Blocked in WebKit only (Chromium and Firefox allow it) at the preflight: The preflight response does not allow one of the request headers.');
    const narrowed = run(['explain', '--browsers', 'chromium,firefox', '-'], JSON.stringify(webkitOnly)).stdout;
    expect(narrowed).toContain('✓ Allowed in Chromium and Firefox  GET https://api.example/x');
    expect(narrowed).toContain('Judged for Chromium and Firefox only; WebKit is not judged.');
    expect(narrowed).toContain('  WebKit (Safari)  header-not-allowed  (not judged)\n    Request header field Authorization is not allowed by Access-Control-Allow-Headers.');
  });

  it('--help says the verdict covers all three unless --browsers names fewer', () => {
    for (const command of ['explain', 'check', 'demo']) {
      const help = run([command, '--help']).stdout.replace(/\s+/g, ' ');
      expect(help, command).toContain('--browsers <list>');
      expect(help, command).toContain('chromium, firefox, webkit (default: all three');
    }
    expect(run(['explain', '--help']).stdout).toContain('Each verdict covers Chromium, Firefox and WebKit (Safari) unless --browsers names fewer');
  });
});

describe('validateScenario', () => {
  it('fills fetch defaults for optional request fields', () => {
    const s = validateScenario({ request: { url: 'https://a.example/', origin: 'https://b.example' }, response: { status: 200, headers: [] } });
    expect(s.request).toEqual({ url: 'https://a.example/', origin: 'https://b.example', method: 'GET', headers: [], credentials: 'same-origin' });
    expect(s.preflight).toBeNull();
  });
});
