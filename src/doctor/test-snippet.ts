/**
 * A scenario as a `corsproof/testing` test: the same request from the same
 * page (`expectCors(api).from(origin).fetch(path, init)`, `.xhr(...)`,
 * `.eventSource(...)`), asserting what the engine concludes for it:
 * `.toPass()`, or `.toBeBlocked(reason)` with the reason-table id the
 * blocking browsers report. corsproof/testing judges Chromium, Firefox and
 * WebKit by default; when only some of them block, the test names those
 * (`{ browsers: ['webkit'] }`). Pure: the text only.
 */
import { BROWSER_NAMES } from '../engine/browsers.js';
import type { ReasonId } from '../engine/reasons.js';
import type { BrowserName, HeaderList, Scenario, Verdict } from '../engine/types.js';

/** A single-quoted JavaScript string literal. */
function js(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`;
}

/** A property name: bare when it is an identifier. */
function key(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : js(name);
}

/** Request headers as `fetch()` takes them: a record, or `[name, value]` pairs when a name repeats (ignoring case). */
function headersLiteral(headers: HeaderList): string {
  const lower = headers.map(([n]) => n.toLowerCase());
  if (new Set(lower).size === lower.length) return `{ ${headers.map(([n, v]) => `${key(n)}: ${js(v)}`).join(', ')} }`;
  return `[${headers.map(([n, v]) => `[${js(n)}, ${js(v)}]`).join(', ')}]`;
}

/** The second argument of `.fetch()`, `.xhr()` or `.eventSource()`, or `''` when it would be empty. */
function initLiteral(scenario: Scenario): string {
  const { method, headers, credentials } = scenario.request;
  const initiator = scenario.request.initiator ?? 'fetch';
  const parts: string[] = [];
  if (initiator !== 'eventsource') {
    if (method !== 'GET') parts.push(`method: ${js(method)}`);
    if (headers.length > 0) parts.push(`headers: ${headersLiteral(headers)}`);
  }
  if (initiator === 'fetch' && credentials !== 'same-origin') parts.push(`credentials: ${js(credentials)}`);
  if (initiator !== 'fetch' && credentials === 'include') parts.push('withCredentials: true');
  return parts.length === 0 ? '' : `, { ${parts.join(', ')} }`;
}

const CALL = { fetch: 'fetch', xhr: 'xhr', eventsource: 'eventSource' } as const;

const DISPLAY: Record<BrowserName, string> = { chromium: 'Chromium', firefox: 'Firefox', webkit: 'WebKit' };

/** Browser names in words: `Chromium`, `Firefox and WebKit`. */
function inWords(browsers: readonly BrowserName[]): string {
  const names = browsers.map((b) => DISPLAY[b]);
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''}`;
}

/** What the test asserts: the browsers it holds to, and the assertion. */
function assertion(verdict: Verdict): { browsers: BrowserName[] | null; call: string; name: string } {
  if (verdict.ok) return { browsers: null, call: '.toPass()', name: 'passes' };
  const blocking = BROWSER_NAMES.filter((b) => !verdict.browsers[b].ok);
  const ids = [...new Set(blocking.map((b) => verdict.browsers[b].reasonId as ReasonId))];
  const reason = ids.length === 1 ? (ids[0] as string) : null;
  const some = blocking.length < BROWSER_NAMES.length;
  return {
    browsers: some ? blocking : null,
    call: reason === null ? '.toBeBlocked()' : `.toBeBlocked(${js(reason)})`,
    name: `is blocked${reason === null ? '' : ` (${reason})`}${some ? ` in ${inWords(blocking)}` : ''}`,
  };
}

/** The test, as a file's text (Vitest's `test`; node:test, Jest and Mocha read the same). */
export function testSnippet(scenario: Scenario, verdict: Verdict): string {
  const url = new URL(scenario.request.url);
  const { origin } = scenario.request;
  const method = scenario.request.method;
  const a = assertion(verdict);
  const options = a.browsers === null ? '' : `, { browsers: [${a.browsers.map(js).join(', ')}] }`;
  const path = `${url.pathname}${url.search}`;
  const title = `${method} ${path} from ${origin} ${a.name}`;
  return [
    "import { test } from 'vitest';",
    "import { expectCors } from 'corsproof/testing';",
    '',
    `// Against the deployed API; for your app in-process: expectCors(app, { url: ${js(url.origin)} }).`,
    `test(${js(title)}, async () => {`,
    `  await expectCors(${js(url.origin)}${options})`,
    `    .from(${js(origin)})`,
    `    .${CALL[scenario.request.initiator ?? 'fetch']}(${js(path)}${initLiteral(scenario)})`,
    `    ${a.call};`,
    verdict.ok ? null : '  // Once the server is fixed: .toPass()',
    '});',
    '',
  ]
    .filter((line) => line !== null)
    .join('\n');
}

/** The scenario as `corsproof explain` reads it (a file, or standard input). */
export function scenarioJson(scenario: Scenario): string {
  return `${JSON.stringify(scenario, null, 2)}\n`;
}
