/**
 * A CORS contract for CI after a deploy: a small YAML (or JSON) file of the
 * requests pages make (origin, route, method, headers, credentials) and what
 * the browsers must do with each (pass, be blocked, expose headers, cache
 * the preflight), plus the attackers' origins to refuse. Read with every
 * problem named by line and field; run with `corsproof test` or
 * {@link runContract}.
 */
import type { Document, Node as YamlNode } from 'yaml';
import { LineCounter, parseDocument } from 'yaml';
import { ScenarioError, parseOrigin } from '../engine/request.js';
import type { BrowserName, CredentialsMode, Verdict } from '../engine/types.js';
import type { ProbeId } from '../policy/probes.js';
import { PROBE_CLASSES } from '../policy/probes.js';
import { AssertionError } from 'node:assert';
import { NetworkFailure } from '../doctor/exchange.js';
import type { AttackResult } from './attackers.js';
import { AttackerExpectation } from './attackers.js';
import type { FetchInit } from './client.js';
import type { CorsOutcome, CorsRequestExpectation, Judging } from './expect.js';
import { BROWSERS, CorsPage, browsersReporting } from './expect.js';
import type { Transport } from './targets.js';

/** What a case expects. */
export type CaseExpectation =
  | { kind: 'pass' }
  | { kind: 'blocked'; reason: string | null }
  | { kind: 'expose'; headers: string[] }
  | { kind: 'cachePreflightFor'; seconds: number };

/** One request a page makes, and what the browsers must do with it. */
export interface ContractCase {
  name: string;
  /** The page's origin. */
  from: string;
  api: 'fetch' | 'xhr' | 'eventsource';
  path: string;
  init: FetchInit;
  expect: CaseExpectation;
  /** Where the case is written: its line in the contract file. */
  line: number;
}

/** The attackers' part: the origins the service means to allow, the classes it allows on purpose, the requests made. */
export interface ContractAttackers {
  allowed: string[];
  ignore: ProbeId[];
  requests: Array<{ path: string; init: FetchInit }>;
  line: number;
}

/** A contract, read and checked. */
export interface Contract {
  /** The base URL of the service (`--url` overrides it). */
  url: string | null;
  browsers: BrowserName[];
  cases: ContractCase[];
  attackers: ContractAttackers | null;
}

/** A contract that cannot be run: every problem, each with its line and field. */
export class ContractError extends Error {
  readonly problems: Array<{ line: number; field: string; message: string }>;
  constructor(file: string, problems: Array<{ line: number; field: string; message: string }>) {
    super(`${file}: ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}:\n${problems.map((p) => `  line ${p.line}: ${p.field}: ${p.message}`).join('\n')}`);
    this.name = 'ContractError';
    this.problems = problems;
  }
}

const METHOD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Reads a parsed YAML document, collecting problems with their lines. */
class Reader {
  readonly problems: Array<{ line: number; field: string; message: string }> = [];
  constructor(
    private readonly lines: LineCounter,
    private readonly doc: Document,
  ) {}

  lineOf(node: YamlNode | null | undefined): number {
    const offset = node?.range?.[0] ?? 0;
    return this.lines.linePos(offset).line;
  }

  problem(node: YamlNode | null | undefined, field: string, message: string): void {
    this.problems.push({ line: this.lineOf(node), field, message });
  }

  /** The node at a path of keys and indexes. */
  node(path: ReadonlyArray<string | number>): YamlNode | null {
    const found = this.doc.getIn(path, true) as YamlNode | undefined;
    return found ?? null;
  }
}

const KNOWN_TOP = ['url', 'browsers', 'cases', 'attackers'];
const KNOWN_CASE = ['name', 'from', 'api', 'path', 'method', 'headers', 'body', 'credentials', 'expect'];
const KNOWN_ATTACKERS = ['allowed', 'ignore', 'requests'];
const KNOWN_REQUEST = ['path', 'method', 'headers', 'body'];

/**
 * Read a contract (YAML, or JSON, which YAML reads too).
 *
 * @throws ContractError naming each problem's line and field.
 */
export function parseContract(text: string, file = 'contract'): Contract {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const r = new Reader(lines, doc);
  for (const e of doc.errors) r.problems.push({ line: e.linePos?.[0]?.line ?? 1, field: '(syntax)', message: e.message.split('\n')[0] ?? e.message });
  if (r.problems.length > 0) throw new ContractError(file, r.problems);
  const root = doc.toJS() as unknown;
  if (root === null || typeof root !== 'object' || Array.isArray(root)) throw new ContractError(file, [{ line: 1, field: '(top)', message: 'a contract is a mapping with cases: (and url:, attackers:, browsers:)' }]);
  const top = root as Record<string, unknown>;
  unknownKeys(r, top, KNOWN_TOP, [], '');
  const url = top.url === undefined ? null : urlAt(r, top.url, ['url']);
  const browsers = readBrowsers(r, top.browsers);
  const cases = readCases(r, top.cases);
  checkReasons(r, cases, browsers);
  const attackers = top.attackers === undefined || top.attackers === false ? null : readAttackers(r, top.attackers);
  if (cases.length === 0 && attackers === null && r.problems.length === 0) r.problem(r.node(['cases']), 'cases', 'the contract has no case and no attackers: nothing to check');
  if (r.problems.length > 0) throw new ContractError(file, r.problems);
  return { url, browsers, cases, attackers };
}

function unknownKeys(r: Reader, value: Record<string, unknown>, known: readonly string[], path: ReadonlyArray<string | number>, field: string): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) r.problem(r.node([...path, key]) ?? r.node(path), `${field}${field ? '.' : ''}${key}`, `unknown field; known: ${known.join(', ')}`);
  }
}

function fieldName(path: ReadonlyArray<string | number>): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function urlAt(r: Reader, value: unknown, path: ReadonlyArray<string | number>): string | null {
  if (typeof value === 'string') {
    try {
      const u = new URL(value);
      if (u.protocol === 'http:' || u.protocol === 'https:') return value;
    } catch {
      // named below
    }
  }
  r.problem(r.node(path), fieldName(path), `an http(s) URL, such as https://api.example.com, not ${JSON.stringify(value)}`);
  return null;
}

/** A page origin; `'null'` (a sandboxed iframe's) only where `opaque` allows it. */
function originAt(r: Reader, value: unknown, path: ReadonlyArray<string | number>, opaque = true): string {
  if (typeof value === 'string' && (opaque || value !== 'null')) {
    try {
      // The engine's own check of a page origin (so 'null', a sandboxed iframe's, is one too).
      return parseOrigin(value, fieldName(path));
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error;
    }
  }
  r.problem(r.node(path), fieldName(path), `a serialized origin (scheme://host[:port], no path or trailing slash), such as https://app.example.com, not ${JSON.stringify(value)}`);
  return '';
}

function readBrowsers(r: Reader, value: unknown): BrowserName[] {
  if (value === undefined) return [...BROWSERS];
  if (!Array.isArray(value) || value.length === 0 || value.some((b) => !BROWSERS.includes(b as BrowserName))) {
    r.problem(r.node(['browsers']), 'browsers', `a list of ${BROWSERS.join(', ')}`);
    return [...BROWSERS];
  }
  return [...new Set(value as BrowserName[])];
}

function readHeaders(r: Reader, value: unknown, path: ReadonlyArray<string | number>): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value) || Object.values(value).some((v) => typeof v !== 'string' && typeof v !== 'number')) {
    r.problem(r.node(path), fieldName(path), 'a mapping of header names to values, such as { Content-Type: application/json }');
    return undefined;
  }
  return Object.fromEntries(Object.entries(value as Record<string, string | number>).map(([n, v]) => [n, String(v)]));
}

/** The request fields shared by cases and the attackers' requests. */
function readRequest(r: Reader, c: Record<string, unknown>, path: ReadonlyArray<string | number>): { path: string; init: FetchInit } {
  const at = (key: string): Array<string | number> => [...path, key];
  let requestPath = '/';
  if (typeof c.path === 'string' && c.path.startsWith('/')) requestPath = c.path;
  else r.problem(r.node(at('path')) ?? r.node(path), fieldName(at('path')), 'the path requested, starting with /, such as /items/7');
  const init: FetchInit = {};
  if (c.method !== undefined) {
    if (typeof c.method === 'string' && METHOD.test(c.method)) init.method = c.method;
    else r.problem(r.node(at('method')), fieldName(at('method')), `an HTTP method, such as PUT, not ${JSON.stringify(c.method)}`);
  }
  const headers = readHeaders(r, c.headers, at('headers'));
  if (headers !== undefined) init.headers = headers;
  if (c.body !== undefined) {
    if (typeof c.body === 'string') init.body = c.body;
    else init.body = JSON.stringify(c.body);
  }
  return { path: requestPath, init };
}

function readExpectation(r: Reader, value: unknown, path: ReadonlyArray<string | number>): CaseExpectation {
  if (value === 'pass') return { kind: 'pass' };
  if (value === 'blocked') return { kind: 'blocked', reason: null };
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const e = value as Record<string, unknown>;
    const keys = Object.keys(e);
    if (keys.length === 1 && typeof e.blocked === 'string') return { kind: 'blocked', reason: e.blocked };
    if (keys.length === 1 && Array.isArray(e.expose) && e.expose.every((h) => typeof h === 'string')) return { kind: 'expose', headers: e.expose as string[] };
    if (keys.length === 1 && typeof e.cachePreflightFor === 'number' && e.cachePreflightFor >= 0) return { kind: 'cachePreflightFor', seconds: e.cachePreflightFor };
  }
  r.problem(r.node(path), fieldName(path), `pass, blocked, { blocked: ${REASON_WORDS} }, { expose: [<header>, ...] } or { cachePreflightFor: <seconds> }`);
  return { kind: 'pass' };
}

const REASON_WORDS = "<a Firefox reason, Chromium error or WebKit reason, or corsproof's reason id>";

/** Each `{ blocked: <reason> }`: a reason some browser reports, and one of the contract's browsers (`browsers:`) does. */
function checkReasons(r: Reader, cases: readonly ContractCase[], browsers: readonly BrowserName[]): void {
  cases.forEach((c, i) => {
    if (c.expect.kind !== 'blocked' || c.expect.reason === null) return;
    const path = ['cases', i, 'expect', 'blocked'];
    const reporting = browsersReporting(c.expect.reason);
    if (reporting === null) r.problem(r.node(path), fieldName(path), `${REASON_WORDS}, such as CORSMissingAllowOrigin, MissingAllowOriginHeader or origin-not-allowed; no browser reports ${JSON.stringify(c.expect.reason)}`);
    else if (!reporting.some((b) => browsers.includes(b))) r.problem(r.node(path), fieldName(path), `${JSON.stringify(c.expect.reason)} is reported by ${reporting.join(', ')} only, and the contract's browsers are ${browsers.join(', ')}`);
  });
}

function readCases(r: Reader, value: unknown): ContractCase[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    r.problem(r.node(['cases']), 'cases', 'a list of cases, each with from:, path: and expect:');
    return [];
  }
  return value.flatMap((c: unknown, i): ContractCase[] => {
    const path = ['cases', i];
    if (c === null || typeof c !== 'object' || Array.isArray(c)) {
      r.problem(r.node(path), fieldName(path), 'a case: a mapping with from:, path: and expect:');
      return [];
    }
    const k = c as Record<string, unknown>;
    unknownKeys(r, k, KNOWN_CASE, path, fieldName(path));
    const from = originAt(r, k.from, [...path, 'from']);
    const { path: requestPath, init } = readRequest(r, k, path);
    const api = k.api === undefined ? 'fetch' : k.api;
    if (api !== 'fetch' && api !== 'xhr' && api !== 'eventsource') r.problem(r.node([...path, 'api']), `${fieldName(path)}.api`, 'fetch, xhr or eventsource');
    if (k.credentials !== undefined && k.credentials !== 'omit' && k.credentials !== 'same-origin' && k.credentials !== 'include') {
      r.problem(r.node([...path, 'credentials']), `${fieldName(path)}.credentials`, 'omit, same-origin or include');
    } else if (k.credentials !== undefined) init.credentials = k.credentials as CredentialsMode;
    const expectation = readExpectation(r, k.expect, [...path, 'expect']);
    const name = typeof k.name === 'string' ? k.name : `${init.method ?? 'GET'} ${requestPath} from ${from}`;
    return [{ name, from, api: api as ContractCase['api'], path: requestPath, init, expect: expectation, line: r.lineOf(r.node(path)) }];
  });
}

function readAttackers(r: Reader, value: unknown): ContractAttackers | null {
  const path = ['attackers'];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    r.problem(r.node(path), 'attackers', 'a mapping with allowed: (the origins the service means to allow), or false');
    return null;
  }
  const a = value as Record<string, unknown>;
  unknownKeys(r, a, KNOWN_ATTACKERS, path, 'attackers');
  const allowed = Array.isArray(a.allowed) && a.allowed.length > 0 ? a.allowed.map((o, i) => originAt(r, o, [...path, 'allowed', i], false)) : [];
  if (allowed.length === 0) r.problem(r.node([...path, 'allowed']) ?? r.node(path), 'attackers.allowed', 'the origins the service means to allow, at least one');
  const ids = PROBE_CLASSES.map((c) => c.id);
  const ignore = Array.isArray(a.ignore) ? a.ignore : a.ignore === undefined ? [] : null;
  if (ignore === null || ignore.some((id) => !ids.includes(id as ProbeId))) r.problem(r.node([...path, 'ignore']), 'attackers.ignore', `a list of probe classes among ${ids.join(', ')}`);
  const requests = Array.isArray(a.requests)
    ? a.requests.map((req: unknown, i) => {
        const at = [...path, 'requests', i];
        if (req === null || typeof req !== 'object' || Array.isArray(req)) {
          r.problem(r.node(at), fieldName(at), 'a request: a mapping with path: (and method:, headers:, body:)');
          return { path: '/', init: {} };
        }
        unknownKeys(r, req as Record<string, unknown>, KNOWN_REQUEST, at, fieldName(at));
        return readRequest(r, req as Record<string, unknown>, at);
      })
    : [];
  return { allowed, ignore: (ignore ?? []) as ProbeId[], requests, line: r.lineOf(r.node(path)) };
}

/** What one case came to. */
export interface CaseResult {
  case: ContractCase;
  held: boolean;
  /** The report when it did not hold (the assertion's message). */
  failure: string | null;
  verdict: Verdict | null;
  outcome: CorsOutcome | null;
}

/** What the attackers came to. */
export interface AttackersResult {
  held: boolean;
  failure: string | null;
  /** Each probe request and what came of it. */
  results: AttackResult[];
}

/** What a contract came to. */
export interface ContractResult {
  cases: CaseResult[];
  attackers: AttackersResult | null;
  /** Requests that did not complete (the service unreachable, a timeout, ...), each with the case it belongs to. */
  networkFailures: Array<{ name: string; message: string }>;
}

/**
 * Run a contract against a target (a base URL, or an app in this process),
 * case by case; a case that fails does not stop the others.
 */
export async function runContract(contract: Contract, target: Transport, judging: Judging = { browsers: contract.browsers }): Promise<ContractResult> {
  const result: ContractResult = { cases: [], attackers: null, networkFailures: [] };
  for (const c of contract.cases) {
    const page = new CorsPage(target, c.from, judging);
    const request = c.api === 'xhr' ? page.xhr(c.path, { ...c.init, withCredentials: c.init.credentials === 'include' }) : c.api === 'eventsource' ? page.eventSource(c.path, { withCredentials: c.init.credentials === 'include' }) : page.fetch(c.path, c.init);
    try {
      const verdict = await assertCase(request, c.expect);
      result.cases.push({ case: c, held: true, failure: null, verdict, outcome: await request.run() });
    } catch (error) {
      if (error instanceof AssertionError) {
        const outcome = await request.run();
        result.cases.push({ case: c, held: false, failure: error.message, verdict: outcome.verdict, outcome });
      } else if (error instanceof NetworkFailure) {
        result.networkFailures.push({ name: c.name, message: error.message });
        result.cases.push({ case: c, held: false, failure: `The request did not complete: ${error.message}`, verdict: null, outcome: null });
      } else throw error;
    }
  }
  if (contract.attackers !== null) result.attackers = await runAttackers(contract.attackers, target, judging, result);
  return result;
}

function assertCase(request: CorsRequestExpectation, expectation: CaseExpectation): Promise<Verdict> {
  switch (expectation.kind) {
    case 'pass':
      return request.toPass();
    case 'blocked':
      return request.toBeBlocked(expectation.reason ?? undefined);
    case 'expose':
      return request.toExpose(expectation.headers);
    case 'cachePreflightFor':
      return request.toCachePreflightFor(expectation.seconds);
  }
}

async function runAttackers(a: ContractAttackers, target: Transport, judging: Judging, result: ContractResult): Promise<AttackersResult> {
  let attack = new AttackerExpectation(target, { allowed: a.allowed, ignore: a.ignore }, judging);
  for (const r of a.requests) attack = attack.fetch(r.path, r.init);
  try {
    return { held: true, failure: null, results: await attack.toBeBlocked() };
  } catch (error) {
    if (error instanceof AssertionError) return { held: false, failure: error.message, results: await attack.run() };
    if (error instanceof NetworkFailure) {
      result.networkFailures.push({ name: 'attackers', message: error.message });
      return { held: false, failure: `A request did not complete: ${error.message}`, results: [] };
    }
    throw error;
  }
}
