/** `corsproof explain --console`: the built binary reading a browser's console line. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ExplainConsoleJson } from '../../src/cli/explain.js';
import { readConsoleLine } from '../../src/engine/console.js';
import { evaluate } from '../../src/engine/evaluate.js';
import type { CredentialsMode } from '../../src/engine/types.js';
import type { CliRun } from './run-cli.js';
import { root, runCli, startCli } from './run-cli.js';

const FIREFOX = 'Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://127.0.0.1:37309/api/items. (Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 401.';
const CHROMIUM = "Access to fetch at 'https://api.example.com/me' from origin 'https://app.example.com' has been blocked by CORS policy: The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'.";

/** The CLI with `input` on standard input. */
function withStdin(args: string[], input: string): Promise<CliRun> {
  const { child, done } = startCli(args);
  child.stdin.end(input);
  return done;
}

describe('explain --console', () => {
  it('explains a Chromium line: what it says, what was assumed, the verdict, both lines and the fix', async () => {
    const r = await runCli(['explain', '--console', CHROMIUM]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Recognised a Chromium console line, fetch(), at the response');
    expect(r.stdout).toContain('wildcard-with-credentials  WildcardOriginNotAllowed');
    expect(r.stdout).toMatch(/Page origin\s+https:\/\/app\.example\.com/);
    expect(r.stdout).toMatch(/Credentials\s+include/);
    expect(r.stdout).toMatch(/method\s+GET\s+\(--method <method>\)/);
    expect(r.stdout).toContain('✗ Blocked at the response');
    expect(r.stdout).toContain(CHROMIUM);
    expect(r.stdout).toContain("(Reason: Credential is not supported if the CORS header ‘Access-Control-Allow-Origin’ is ‘*’).");
    expect(r.stdout).toContain('Server: Name the origin instead of');
    expect(r.stdout).not.toContain('does not reproduce');
  });

  it('says what a Firefox line does not name, and takes it from --origin and the other flags', async () => {
    const bare = await runCli(['explain', '--console', FIREFOX]);
    expect(bare.code).toBe(0);
    expect(bare.stdout).toContain("Page origin      (Firefox's line does not name it)");
    expect(bare.stdout).toMatch(/page origin\s+https:\/\/app\.example\s+\(--origin <origin>\)/);
    expect(bare.stdout).toContain('corsproof check http://127.0.0.1:37309/api/items --origin <origin>');
    const given = await runCli(['explain', '--console', FIREFOX, '--origin', 'http://127.0.0.1:40187', '--method', 'GET', '-H', 'Authorization: Bearer demo-token', '--initiator', 'xhr', '--credentials', 'same-origin']);
    expect(given.code).toBe(0);
    expect(given.stdout).not.toContain('(--origin <origin>)');
    expect(given.stdout).toContain('from http://127.0.0.1:40187');
    expect(given.stdout).toContain('Blocked at the preflight');
    expect(given.stdout).toContain('Access to XMLHttpRequest at');
    expect(given.stdout).toContain(FIREFOX);
  });

  it('--json: the reading, the verdict for its draft and the fix', async () => {
    const r = await runCli(['explain', '--json', '--console', `(index):1 ${CHROMIUM}\nGET https://api.example.com/me net::ERR_FAILED 200 (OK)`]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as ExplainConsoleJson;
    expect(out.reading).toMatchObject({ recognised: true, browser: 'chromium', reasonId: 'wildcard-with-credentials', corsError: 'WildcardOriginNotAllowed', origin: 'https://app.example.com', method: 'GET', status: 200, credentials: 'include', reproduces: true, ignored: ['(index):1'] });
    expect(out.verdict?.chromium?.message).toBe(CHROMIUM);
    expect(out.fixes?.server).toContain('Name the origin');
  });

  it("reads the line from standard input with '-'", async () => {
    const r = await withStdin(['explain', '--console', '-', '--json'], `12:00:01.123 ${FIREFOX} [Learn More]\n`);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as ExplainConsoleJson;
    expect(out.reading).toMatchObject({ browser: 'firefox', reasonId: 'missing-allow-origin', status: 401, ignored: ['12:00:01.123', '[Learn More]'] });
  });

  it('explains a line no scenario reproduces from the reason table, listing the rows it may be', async () => {
    const line = 'Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at https://api.example.com/. (Reason: CORS request did not succeed). Status code: (null).';
    const r = await runCli(['explain', '--console', line]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('did-not-succeed');
    expect(r.stdout).toContain('Firefox prints the same line for: redirect-contains-credentials');
    expect(r.stdout).toContain('no scenario fails this way');
    expect(r.stdout).toContain('Server: Make sure the server is reachable');
    const json = JSON.parse((await runCli(['explain', '--console', line, '--json'])).stdout) as ExplainConsoleJson;
    expect(json.verdict).toBeNull();
    expect(json.reading.scenario).toBeNull();
    expect(json.fixes?.client).toContain('Check the URL');
  });

  it('exits 2 on text that is not a CORS console line, saying what one looks like', async () => {
    const r = await runCli(['explain', '--console', 'TypeError: Failed to fetch']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^corsproof: not a console line corsproof recognises: this is the script's own error.*Access to fetch at '/);
    const garbage = await runCli(['explain', '--console', 'hello', '--json']);
    expect(garbage.code).toBe(2);
    expect(JSON.parse(garbage.stdout)).toMatchObject({ recognised: false, browser: null });
    expect(garbage.stderr).toContain('Such a line looks like this');
  });

  it("explains WebKit's lines as Safari's console shows them: the reason, the URL and API, what it cannot tell", async () => {
    const reasonLine = 'Origin https://app.example.com is not allowed by Access-Control-Allow-Origin. Status code: 401';
    const block = [`[Error] ${reasonLine}`, '[Error] XMLHttpRequest cannot load https://api.example.com/me due to access control checks.', `[Error] Failed to load resource: ${reasonLine} (me, line 0)`].join('\n');
    const r = await runCli(['explain', '--console', block]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Recognised a WebKit console line, XMLHttpRequest');
    expect(r.stdout).toContain('WebKit prints the same line for: missing-allow-origin');
    expect(r.stdout).toMatch(/URL\s+https:\/\/api\.example\.com\/me/);
    expect(r.stdout).toMatch(/Page origin\s+https:\/\/app\.example\.com/);
    expect(r.stdout).toMatch(/Status\s+401/);
    expect(r.stdout).not.toContain('does not reproduce');
    const json = JSON.parse((await withStdin(['explain', '--console', '-', '--json'], block)).stdout) as ExplainConsoleJson;
    expect(json.reading).toMatchObject({ browser: 'webkit', reasonId: 'missing-allow-origin', message: reasonLine, url: 'https://api.example.com/me', initiator: 'xhr', requestOrigin: 'https://app.example.com', status: 401, reproduces: true });
    expect(json.reading.candidates).toEqual(['missing-allow-origin', 'invalid-allow-origin', 'allow-origin-mismatch']);
    expect(json.reading.scenario?.response).toEqual({ status: 401, headers: [] });
  });

  it('refuses flags that do not go together', async () => {
    expect((await runCli(['explain', '--console', CHROMIUM, 'scenario.json'])).stderr).toContain('give a scenario file or --console, not both');
    expect((await runCli(['explain', '--console', CHROMIUM, '--jsonl'])).stderr).toContain('--jsonl reads scenarios');
    expect((await runCli(['explain', 'examples/credentials-wildcard.json', '--origin', 'https://a.example'])).stderr).toContain('--origin goes with --console');
    const bad = await runCli(['explain', '--console', FIREFOX, '--origin', 'https://app.example.com/']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--origin: 'https://app.example.com/' is not a serialized origin");
    expect((await runCli(['explain', '--console', FIREFOX, '--initiator', 'img'])).stderr).toContain('--initiator must be fetch, xhr or eventsource');
  });
});

interface Capture {
  pageOrigin: string;
  requests: Array<{ demo: string; url: string; method: string; headers: Array<[string, string]>; credentials: CredentialsMode; firefoxMessage: string | null }>;
}

describe('real Firefox lines (src/doctor/fixtures/firefox.capture.json, written by test/browser/exports.test.ts)', () => {
  const capture = JSON.parse(readFileSync(join(root, 'src', 'doctor', 'fixtures', 'firefox.capture.json'), 'utf8')) as Capture;
  const firefox = capture.requests.filter((q) => q.firefoxMessage !== null);

  it('has lines captured from the browser', () => expect(firefox.length).toBeGreaterThanOrEqual(10));

  // The exact text real Firefox logged; with the request's facts given, the draft reproduces it.
  it.each(firefox.map((q) => [q.demo, q] as const))('%s', (_demo, q) => {
    const line = q.firefoxMessage as string;
    const bare = readConsoleLine(line);
    expect(bare).toMatchObject({ recognised: true, browser: 'firefox', url: q.url, message: line, origin: null });
    const r = readConsoleLine(line, { origin: capture.pageOrigin, method: q.method, headers: q.headers, credentials: q.credentials });
    if (!r.recognised || r.scenario === null) throw new Error(`no draft for ${line}`);
    expect(r.reproduces).toBe(true);
    expect(r.scenario.request).toMatchObject({ url: q.url, origin: capture.pageOrigin, method: q.method });
    expect(evaluate(r.scenario).firefox?.message).toBe(line);
  });

  it('through the binary, with the flags for what the line does not say', async () => {
    const q = firefox.find((x) => x.demo === 'auth-before-cors');
    if (!q) throw new Error('auth-before-cors not captured');
    const r = await runCli(['explain', '--json', '--console', q.firefoxMessage as string, '--origin', capture.pageOrigin, '-H', 'Authorization: Bearer demo-token']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as ExplainConsoleJson;
    expect(out.reading).toMatchObject({ reasonId: 'missing-allow-origin', status: 401, reproduces: true });
    expect(out.verdict?.failedAt).toBe('preflight');
    expect(out.verdict?.firefox?.message).toBe(q.firefoxMessage);
  });
});
