/**
 * Diagnose offline from a HAR export (HTTP Archive 1.2, as Chromium and
 * Firefox DevTools save it): rebuild, for each cross-origin request, the
 * scenario the browser saw (its preflight, redirect hops and response) and
 * let the engine judge it.
 *
 * What real exports look like (captured from Chromium 156 and Firefox 153 by
 * the browser suite, kept in `fixtures/`): the request's entry comes before
 * its preflight's; a request stopped by its preflight has status 0 and no
 * response headers; Chromium keeps only provisional request headers for it
 * (no Origin) and marks failed requests with `response._error`; neither
 * browser records the credentials mode.
 */
import { evaluate } from '../engine/evaluate.js';
import { ScenarioError } from '../engine/request.js';
import { isRedirectStatus } from '../engine/status.js';
import type { BrowserName, CredentialsMode, HeaderList, Scenario, ScenarioResponse, Verdict } from '../engine/types.js';
import { isBrowserAddedHeader } from './curl.js';
import type { LayerFindings } from './layers.js';
import { layerFindings } from './layers.js';
import { completeFromPreflight, isPreflightRequest, preflightClaims } from './rebuild.js';

/** Options of {@link diagnoseHar}. */
export interface HarOptions {
  /** Only the request of this entry (its index in `log.entries`; a preflight's or a redirect hop's stands for its request). */
  only?: number;
  /** The credentials mode, instead of deciding it per entry. */
  credentials?: CredentialsMode;
  /** The browsers each verdict covers (its `ok`, `failedAt`, fix): Chromium, Firefox and WebKit by default. */
  browsers?: readonly BrowserName[];
}

/** A HAR file corsproof cannot read. */
export class HarError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HarError';
  }
}

interface HarHeader {
  name: string;
  value: string;
}
interface HarEntry {
  request: { method: string; url: string; headers: HarHeader[]; cookies?: unknown[] };
  response: { status: number; headers: HarHeader[]; redirectURL?: string; _error?: string | null };
}

/** How the credentials mode of a diagnosed request was decided. */
export type CredentialsSource =
  /** Given by the caller (`--credentials`). */
  | 'option'
  /** The request carried a Cookie header. */
  | 'cookie'
  /** Chromium recorded the request as failed, and only credentials explain that. */
  | 'browser-failure'
  /** Nothing says; the request is judged without credentials (see `ifCredentialed`). */
  | 'assumed';

/** One diagnosed HAR entry. */
export interface HarDiagnosis {
  /** The entry's index in `log.entries` (the request's, or the preflight's when the request is not in the HAR). */
  entry: number;
  scenario: Scenario;
  /** The engine's verdict, or `null` when the HAR does not hold enough to judge (see `note`). */
  verdict: Verdict | null;
  /** Why there is no verdict, or `null`. */
  note: string | null;
  /** Indexes of the entries used: the preflight (if any), redirect hops, the final response. */
  usedEntries: number[];
  /** Where the credentials mode came from. */
  credentialsFrom: CredentialsSource;
  /**
   * When the HAR cannot tell whether the page sent credentials and that
   * changes the outcome: the verdict with credentials included. Otherwise `null`.
   */
  ifCredentialed: Verdict | null;
  /** The error the browser itself recorded for the request (Chromium's `_error`, e.g. `net::ERR_FAILED`), or `null`. */
  browserError: string | null;
  /** How the request was rebuilt, in plain words (e.g. the Origin taken from its preflight). */
  remarks: string[];
  /** Which layer answered each entry used that has a response (preflights first), and what that says. */
  layers: LayerFindings;
}

interface Parsed {
  method: string;
  url: string;
  reqHeaders: HeaderList;
  hasCookies: boolean;
  status: number;
  resHeaders: HeaderList;
  redirectURL: string;
  error: string | null;
}

function headerList(headers: HarHeader[], where: string): HeaderList {
  if (!Array.isArray(headers)) throw new HarError(`${where}.headers is not an array`);
  return headers.map((h, i) => {
    if (typeof h?.name !== 'string' || typeof h?.value !== 'string') throw new HarError(`${where}.headers[${i}] needs a string name and value`);
    return [h.name, h.value] as [string, string];
  });
}

function header(list: HeaderList, name: string): string | undefined {
  return list.find(([n]) => n.toLowerCase() === name)?.[1];
}

function entriesOf(har: unknown): HarEntry[] {
  const log = (har as { log?: { entries?: unknown } } | null)?.log;
  if (!log || !Array.isArray(log.entries)) throw new HarError('not a HAR file: no log.entries array');
  return log.entries.map((e: unknown, i: number) => {
    const entry = e as HarEntry;
    if (typeof entry?.request?.url !== 'string' || typeof entry?.request?.method !== 'string') throw new HarError(`log.entries[${i}].request needs a url and a method`);
    if (typeof entry?.response?.status !== 'number') throw new HarError(`log.entries[${i}].response needs a status`);
    return entry;
  });
}

function parseEntry(e: HarEntry, i: number): Parsed {
  const reqHeaders = headerList(e.request.headers, `log.entries[${i}].request`);
  const error = e.response._error;
  return {
    method: e.request.method,
    url: e.request.url,
    reqHeaders,
    hasCookies: header(reqHeaders, 'cookie') !== undefined || (Array.isArray(e.request.cookies) && e.request.cookies.length > 0),
    status: e.response.status,
    resHeaders: headerList(e.response.headers, `log.entries[${i}].response`),
    redirectURL: e.response.redirectURL ?? '',
    error: typeof error === 'string' && error !== '' ? error : null,
  };
}

function originOf(url: string, where: string): string {
  try {
    return new URL(url).origin;
  } catch {
    throw new HarError(`${where}.request.url is not a URL`);
  }
}

/** The position of the first entry index after `i` in an ascending list (binary search). */
function firstAfter(list: readonly number[], i: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid] as number) <= i) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const NO_PREFLIGHT_NOTE =
  'the browser sent a preflight for this request, but the HAR does not hold it (export with preflight requests shown, or run corsproof check on the URL)';

/** Evaluate (for the browsers given, else all three), turning the engine's refusal of an incomplete scenario into a note. */
function judge(scenario: Scenario, browsers: readonly BrowserName[] | undefined): { verdict: Verdict | null; note: string | null } {
  try {
    return { verdict: evaluate(scenario, browsers === undefined ? undefined : { browsers }), note: null };
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    return { verdict: null, note: error.field === 'preflight' ? NO_PREFLIGHT_NOTE : `this entry cannot be replayed: ${error.message}` };
  }
}

/**
 * Diagnose the cross-origin entries of a HAR (those whose request carries an
 * Origin other than the URL's own, or whose preflight does), or only `only`
 * when given. Preflights (OPTIONS with Access-Control-Request-Method) and
 * redirect hops are folded into the request they belong to; a preflight
 * whose request is not in the HAR (the browser never sent it) is diagnosed
 * on its own. Each verdict covers `options.browsers` (Chromium, Firefox and
 * WebKit by default), as `evaluate()`'s option.
 */
export function diagnoseHar(har: unknown, options: HarOptions = {}): HarDiagnosis[] {
  const entries = entriesOf(har);
  if (options.only !== undefined && (options.only < 0 || options.only >= entries.length)) {
    throw new HarError(`entry ${options.only}: the HAR has ${entries.length} entries (0 to ${entries.length - 1})`);
  }
  const parsed = entries.map(parseEntry);
  const isPreflight = (i: number): boolean => {
    const e = parsed[i];
    return e !== undefined && isPreflightRequest(e.method, e.reqHeaders);
  };

  const { nextHop, hopTargets } = redirectChains(parsed, isPreflight);

  const { pairedPreflight, usedPreflights } = pairPreflights(parsed, isPreflight);

  const out: HarDiagnosis[] = [];
  const index: HarIndex = { parsed, isPreflight, pairedPreflight, nextHop };
  for (let i = 0; i < parsed.length; i++) {
    if (hopTargets.has(i) || usedPreflights.has(i)) continue;
    const d = diagnoseEntry(i, index, options.credentials, options.browsers);
    if (d !== null) out.push(d);
  }
  if (options.only === undefined) return out;
  // --entry: the diagnosis of that entry, or of the request it belongs to (its preflight, a redirect hop).
  const only = options.only;
  const mine = out.filter((d) => d.entry === only || d.usedEntries.includes(only));
  if (mine.length === 0) throw new HarError(`entry ${only} is not a cross-origin request (no Origin header other than its own)`);
  return mine;
}

/** What diagnosing one entry needs to know of the others. */
interface HarIndex {
  parsed: readonly Parsed[];
  isPreflight: (i: number) => boolean;
  pairedPreflight: ReadonlyMap<number, number>;
  nextHop: (i: number) => number | null;
}

/** One request (or lone preflight) of the HAR: its scenario rebuilt, its hops and preflights folded in, judged; `null` when it is not cross-origin. */
function diagnoseEntry(i: number, index: HarIndex, given: CredentialsMode | undefined, browsers: readonly BrowserName[] | undefined): HarDiagnosis | null {
  const { parsed, isPreflight, pairedPreflight, nextHop } = index;
  const e = parsed[i] as Parsed;
  const where = `log.entries[${i}]`;
  const lone = isPreflight(i);
  const preflightIndex = lone ? i : pairedPreflight.get(i);
  const preflightEntry = preflightIndex === undefined ? undefined : parsed[preflightIndex];
  const claims = preflightEntry ? preflightClaims(preflightEntry.reqHeaders) : null;
  const remarks: string[] = [];
  let origin = lone ? (claims?.origin ?? undefined) : header(e.reqHeaders, 'origin');
  if (origin === undefined && claims?.origin) {
    origin = claims.origin;
    remarks.push('DevTools kept only provisional headers for this request (the browser never sent it): its Origin is taken from its preflight.');
  }
  const crossOrigin = origin !== undefined && origin !== 'null' && originOf(e.url, where) !== origin;
  if (!crossOrigin) return null;
  const used: number[] = [i];
  if (preflightIndex !== undefined && preflightIndex !== i) used.push(preflightIndex);
  let headers = lone ? [] : e.reqHeaders.filter(([n, v]) => !isBrowserAddedHeader(n, v));
  if (claims) {
    const completed = completeFromPreflight(headers, claims);
    headers = completed.headers;
    if (completed.added.length > 0) {
      remarks.push(`${lone ? 'The request is not in the HAR' : 'DevTools did not keep all its headers'}: ${completed.added.join(', ')} taken from the preflight's Access-Control-Request-Headers.`);
    }
  }
  const redirects: ScenarioResponse[] = [];
  let last = i;
  // Each redirect target's own preflight, when the browser sent one there.
  const redirectPreflights: Array<ScenarioResponse | null> = [];
  if (!lone) {
    for (let hop = nextHop(i); hop !== null && redirects.length <= 20; hop = nextHop(hop)) {
      redirects.push({ status: parsed[last]?.status ?? 0, headers: parsed[last]?.resHeaders ?? [] });
      const hopPreflight = pairedPreflight.get(hop);
      const answer = hopPreflight === undefined ? undefined : parsed[hopPreflight];
      redirectPreflights.push(answer ? { status: answer.status, headers: answer.resHeaders } : null);
      if (hopPreflight !== undefined) used.push(hopPreflight);
      last = hop;
      used.push(hop);
    }
  }
  const final = parsed[last] as Parsed;
  // No response: the browser stopped before sending the request (its
  // preflight failed) or the request failed on the network.
  const noResponse = lone || (final.status === 0 && final.resHeaders.length === 0);
  const browserError = final.error ?? (preflightEntry?.error ?? null);
  const base: Scenario = {
    request: { url: e.url, origin: origin as string, method: lone ? (claims as NonNullable<typeof claims>).method : e.method, headers, credentials: 'same-origin' },
    preflight: preflightEntry ? { status: preflightEntry.status, headers: preflightEntry.resHeaders } : null,
    response: noResponse ? { status: 200, headers: [] } : { status: final.status, headers: final.resHeaders },
  };
  if (redirects.length > 0) base.redirects = redirects;
  if (redirectPreflights.some((p) => p !== null)) base.redirectPreflights = redirectPreflights;
  const withCredentials = (mode: CredentialsMode): Scenario => ({ ...base, request: { ...base.request, credentials: mode } });
  const usable = (r: Judged): Judged => usableVerdict(r, { noResponse, lone, browserError, preflightInHar: preflightEntry !== undefined });
  const decided = decideCredentials(given, !lone && e.hasCookies, final.error, (mode) => usable(judge(withCredentials(mode), browsers)));
  const { credentialsFrom, credentials, ifCredentialed, result } = decided;
  if (decided.remark !== null) remarks.push(decided.remark);
  // The layers, from the entries that got a response: preflights first, then the request and its hops.
  const answered = used
    .map((k) => parsed[k] as Parsed)
    .filter((p) => !(p.status === 0 && p.resHeaders.length === 0))
    .sort((a, b) => Number(isPreflightRequest(b.method, b.reqHeaders)) - Number(isPreflightRequest(a.method, a.reqHeaders)))
    .map((p) => ({ request: { method: p.method }, headers: p.resHeaders }));
  return {
    layers: layerFindings(answered),
    entry: i,
    scenario: withCredentials(credentials),
    verdict: result.verdict,
    note: result.note,
    usedEntries: used.sort((a, b) => a - b),
    credentialsFrom,
    ifCredentialed,
    browserError,
    remarks,
  };
}

/** Redirect chains: entry i redirects to the first later request for its Location's URL. */
function redirectChains(parsed: readonly Parsed[], isPreflight: (i: number) => boolean): { nextHop: (i: number) => number | null; hopTargets: Set<number> } {
  const requestsByUrl = new Map<string, number[]>();
  parsed.forEach((p, j) => {
    if (isPreflight(j)) return;
    const list = requestsByUrl.get(p.url);
    if (list) list.push(j);
    else requestsByUrl.set(p.url, [j]);
  });
  const nextHop = (i: number): number | null => {
    const e = parsed[i];
    if (!e || !isRedirectStatus(e.status)) return null;
    const location = e.redirectURL || header(e.resHeaders, 'location');
    if (!location) return null;
    let target: string;
    try {
      target = new URL(location, e.url).href;
    } catch {
      return null;
    }
    // The first request for that URL after this entry.
    const list = requestsByUrl.get(target);
    return list ? (list[firstAfter(list, i)] ?? null) : null;
  };
  const hopTargets = new Set<number>();
  for (let i = 0; i < parsed.length; i++) {
    const n = nextHop(i);
    if (n !== null) hopTargets.add(n);
  }

  return { nextHop, hopTargets };
}

/**
 * Pair each request with its preflight: same URL and method, the nearest
 * unused one (Chromium's and Firefox's exports list the request first, then
 * its preflight; on a tie the later entry wins). Preflights are grouped by URL and method, and
 * used ones are skipped with union-find, so that a long session of repeated
 * requests stays linear.
 */
function pairPreflights(parsed: readonly Parsed[], isPreflight: (i: number) => boolean): { pairedPreflight: Map<number, number>; usedPreflights: Set<number> } {
  const claimsOf = parsed.map((p, j) => (isPreflight(j) ? preflightClaims(p.reqHeaders) : null));
  const groups = new Map<string, { idx: number[]; right: number[]; left: number[] }>();
  claimsOf.forEach((c, j) => {
    if (c === null) return;
    const key = `${(parsed[j] as Parsed).url} ${c.method}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { idx: [], right: [], left: [] }));
    g.right.push(g.idx.length);
    g.left.push(g.idx.length);
    g.idx.push(j);
  });
  /** The first unused position at or after `p` (right) or at or before it (left), with path compression. */
  const find = (links: number[], p: number, step: 1 | -1): number => {
    let root = p;
    while (root >= 0 && root < links.length && links[root] !== root) root = links[root] as number;
    while (p >= 0 && p < links.length && links[p] !== p) {
      const next = links[p] as number;
      links[p] = root;
      p = next;
    }
    return step === 1 ? Math.min(root, links.length) : Math.max(root, -1);
  };
  const pairedPreflight = new Map<number, number>();
  const usedPreflights = new Set<number>();
  for (let i = 0; i < parsed.length; i++) {
    const e = parsed[i] as Parsed;
    if (isPreflight(i)) continue;
    const g = groups.get(`${e.url} ${e.method}`);
    if (!g) continue;
    const origin = header(e.reqHeaders, 'origin');
    const fits = (pos: number): boolean => {
      const claimed = claimsOf[g.idx[pos] as number]?.origin ?? null;
      return origin === undefined || claimed === null || claimed === origin;
    };
    const lo = firstAfter(g.idx, i);
    let r = find(g.right, lo, 1);
    while (r < g.idx.length && !fits(r)) r = find(g.right, r + 1, 1);
    let l = find(g.left, lo - 1, -1);
    while (l >= 0 && !fits(l)) l = find(g.left, l - 1, -1);
    const dr = r < g.idx.length ? (g.idx[r] as number) - i : Infinity;
    const dl = l >= 0 ? i - (g.idx[l] as number) : Infinity;
    if (dr === Infinity && dl === Infinity) continue;
    const pos = dr <= dl ? r : l;
    const j = g.idx[pos] as number;
    g.right[pos] = pos + 1;
    g.left[pos] = pos - 1;
    pairedPreflight.set(i, j);
    usedPreflights.add(j);
  }

  return { pairedPreflight, usedPreflights };
}

type Judged = { verdict: Verdict | null; note: string | null };

/** Whether two verdicts (of the same browsers) reach the same outcome in each browser they cover; two missing verdicts alike. */
function sameCoveredOutcome(a: Verdict | null, b: Verdict | null): boolean {
  if (a === null || b === null) return a === b;
  return a.covers.every((browser) => a.browsers[browser].reasonId === b.browsers[browser].reasonId);
}

/** A verdict is usable when it rests on what the HAR holds: with no response, only a failed preflight does. */
function usableVerdict(r: Judged, at: { noResponse: boolean; lone: boolean; browserError: string | null; preflightInHar: boolean }): Judged {
  if (!at.noResponse || r.verdict === null) return r;
  // Every browser the verdict covers stopped at the preflight: it rests on the preflight alone.
  if (r.verdict.covers.every((b) => r.verdict?.browsers[b].failedAt === 'preflight')) return r;
  return {
    verdict: null,
    note: at.lone
      ? 'only the preflight is in the HAR, and it passes: the request itself is not there to judge (export again after it ran, or run corsproof check on the URL)'
      : `the browser recorded no response for this request${at.browserError ? ` (${at.browserError})` : ''} and its preflight${at.preflightInHar ? ' passes' : ' is not in the HAR'}: it failed before CORS (network, mixed content, an extension), or the HAR is incomplete`,
  };
}

/**
 * Whether the page sent credentials, since no browser records it: the
 * caller's word, a Cookie header, or Chromium's recorded failure that only
 * credentials explain; else judged without them, with the credentialed
 * verdict alongside when it differs.
 */
function decideCredentials(
  given: CredentialsMode | undefined,
  hasCookies: boolean,
  browserError: string | null,
  judgeAs: (mode: CredentialsMode) => Judged,
): { credentialsFrom: CredentialsSource; credentials: CredentialsMode; ifCredentialed: Verdict | null; result: Judged; remark: string | null } {
  if (given !== undefined) return { credentialsFrom: 'option', credentials: given, ifCredentialed: null, result: judgeAs(given), remark: null };
  if (hasCookies) return { credentialsFrom: 'cookie', credentials: 'include', ifCredentialed: null, result: judgeAs('include'), remark: null };
  const without = judgeAs('same-origin');
  const withIt = judgeAs('include');
  if (sameCoveredOutcome(without.verdict, withIt.verdict)) return { credentialsFrom: 'assumed', credentials: 'same-origin', ifCredentialed: null, result: without, remark: null };
  if (browserError !== null && without.verdict?.browsers.chromium.ok === true && withIt.verdict?.browsers.chromium.ok === false) {
    return {
      credentialsFrom: 'browser-failure',
      credentials: 'include',
      ifCredentialed: null,
      result: withIt,
      remark: `The browser recorded this request as failed (${browserError}) though CORS lets it through without credentials: it was sent with credentials, and is judged that way.`,
    };
  }
  // `credentialsFrom: 'assumed'` and `ifCredentialed` say it; the report says what credentials would change.
  return { credentialsFrom: 'assumed', credentials: 'same-origin', ifCredentialed: withIt.verdict, result: without, remark: null };
}
