/**
 * `evaluate(scenario)`: the Fetch Standard's CORS protocol, walked the way
 * Chromium and Firefox walk it: main fetch, CORS-preflight fetch, CORS check,
 * HTTP-redirect fetch, CORS filtered response.
 */
import type { BrowserProfile, CheckFailure } from './browsers.js';
import { BROWSERS } from './browsers.js';
import { corsPreflightRequest, exposedHeaderNames } from './cors.js';
import { asciiLowercase, get } from './headers.js';
import type { ReasonContext, WarningId } from './reasons.js';
import { chromiumCorsError, chromiumMessage, firefoxMessage, reason, warning } from './reasons.js';
import type { BrowserRequest } from './request.js';
import { ScenarioError, prepareRequest } from './request.js';
import type { ParsedUrl } from './url.js';
import { resolveUrl } from './url.js';
import { CORS_NON_WILDCARD_REQUEST_HEADER_NAMES, REQUEST_BODY_HEADER_NAMES, isCorsSafelistedMethod } from './safelist.js';
import type {
  BrowserName,
  BrowserVerdict,
  FailurePoint,
  HeaderList,
  PreflightRequest,
  Scenario,
  ScenarioResponse,
  Verdict,
  VerdictWarning,
} from './types.js';

/** The most redirects a fetch follows (Fetch "HTTP-redirect fetch"). */
export const REDIRECT_LIMIT = 20;

/** What one browser concluded, with the context its messages are written from. */
export interface BrowserOutcome extends BrowserVerdict {
  /** Set when blocked: the context for the row's messages and fix. */
  context: ReasonContext | null;
  /** Whether any hop of the request needed a preflight. */
  preflightRequired: boolean;
  /** Each warning logged, with the URL its message names. */
  warningSites: Array<{ id: WarningId; url: string }>;
  /**
   * The requests this browser sends, one per hop it reaches (after that
   * hop's preflight passed): URL, method and headers as redirects left them,
   * with the Origin header it carries (`null` after a tainting redirect).
   */
  requests: SentRequest[];
}

/** A request as a browser sends it on one hop of the chain. */
export interface SentRequest {
  url: string;
  method: string;
  headers: HeaderList;
}

/** Walk the scenario as one browser does. */
export function evaluateIn(browser: BrowserName, scenario: Scenario): BrowserOutcome {
  return walk(browser, prepareRequest(scenario.request), scenario);
}

/** The readable header names, computed once when both browsers reach the same final response. */
interface ExposureMemo {
  key?: number;
  names?: string[];
}

/**
 * Main fetch, hop by hop: for each URL of the redirect chain, the
 * CORS-preflight fetch when needed, then the CORS check on the response,
 * then HTTP-redirect fetch.
 */
function walk(browser: BrowserName, prepared: BrowserRequest, scenario: Scenario, memo: ExposureMemo = {}): BrowserOutcome {
  const profile = BROWSERS[browser];
  // A redirect may rewrite the method and headers: work on a copy.
  const request: BrowserRequest = { ...prepared };
  const hops = scenario.redirects;
  const hopCount = hops === undefined ? 1 : hops.length + 1;
  const firstUrl = request.url.href;
  const preflights: PreflightRequest[] = [];
  let preflightRequired = false;
  let preflightMaxAgeSeen: number | null = null;
  const warningSites: Array<{ id: WarningId; url: string }> = [];
  const requests: SentRequest[] = [];
  const chain: RedirectChain = {
    current: request.url,
    corsTainted: request.url.origin !== request.origin,
    originTainted: false,
    redirectCount: 0,
    strippedByLastRedirect: [],
  };
  const originalUnsafeNames = profile.keepsOriginalPreflightState ? profile.corsUnsafeRequestHeaderNames(prepared) : [];
  const credentialsIncluded = request.credentials === 'include';

  const block = (failure: CheckFailure, at: FailurePoint, status: number): BrowserOutcome => {
    const context: ReasonContext = {
      url: chain.current.href,
      redirectedFrom: chain.current.href === firstUrl ? null : firstUrl,
      origin: request.origin,
      requestOrigin: chain.originTainted ? 'null' : request.origin,
      initiator: request.initiator,
      credentials: request.credentials,
      method: request.method,
      value: failure.value,
      status,
      preflight: at === 'preflight',
    };
    return { ok: false, failedAt: at, reasonId: failure.id, preflights, exposedHeaders: [], preflightMaxAge: null, warnings: warningSites.map((w) => w.id), context, preflightRequired, warningSites, requests };
  };

  for (let hop = 0; hop < hopCount; hop++) {
    const isLast = hop === hopCount - 1;
    const response = isLast ? scenario.response : (hops as ScenarioResponse[])[hop] as ScenarioResponse;
    const requestOrigin = chain.originTainted ? 'null' : request.origin;
    const unsafeNames = corsPreflightNames(profile, request, chain, hop, preflights.length > 0, originalUnsafeNames);
    if (unsafeNames !== null) {
      const preflightOrigin = profile.preflightKeepsPageOrigin ? request.origin : requestOrigin;
      if (preflights.length === 0) preflightRequired = true;
      preflights.push(corsPreflightRequest(request.method, preflightOrigin, unsafeNames));
      const answer = hop === 0 ? scenario.preflight : (scenario.redirectPreflights?.[hop - 1] ?? scenario.preflight);
      if (answer === null) throw new ScenarioError('preflight', 'the request needs a CORS preflight, but no preflight response is given');
      const result = profile.checkPreflightResponse(request, answer, preflightOrigin, unsafeNames, chain.current.origin === request.origin);
      if (result.failure) return block(result.failure, 'preflight', answer.status);
      preflightMaxAgeSeen = result.maxAge;
      for (const id of result.warnings) warningSites.push({ id, url: chain.current.href });
    }
    // Fetch "append a request Origin header": on CORS requests, and on any request whose method is not GET or HEAD.
    const sendsOrigin = chain.corsTainted || (request.method !== 'GET' && request.method !== 'HEAD');
    requests.push({ url: chain.current.href, method: request.method, headers: sendsOrigin ? [['Origin', requestOrigin], ...request.headers] : [...request.headers] });
    if (chain.corsTainted) {
      const failure = profile.corsCheck({ headers: response.headers, requestOrigin, credentialsIncluded });
      if (failure) return block(failure, isLast ? 'response' : 'redirect', response.status);
    }
    if (isLast) break;
    const failure = httpRedirectFetch(profile, request, chain, response, hop);
    if (failure !== null) return block(failure, 'redirect', response.status);
  }
  const exposedHeaders = exposure(memo, scenario, credentialsIncluded, chain.corsTainted);
  return { ok: true, failedAt: null, reasonId: null, preflights, exposedHeaders, preflightMaxAge: preflightMaxAgeSeen, warnings: warningSites.map((w) => w.id), context: null, preflightRequired, warningSites, requests };
}

/**
 * Whether this hop needs a CORS-preflight fetch, and the CORS-unsafe
 * request-header names it lists (`null`: no preflight). Only CORS requests
 * (not EventSource) are preflighted: for a method that is not safelisted or
 * unsafe header names. Firefox computes the unsafe names once, for the
 * request script made, and keeps them across redirects: once preflighted (or
 * with unsafe names at all), every later cross-origin hop is preflighted,
 * listing the original names except those the last redirect removed.
 */
function corsPreflightNames(
  profile: BrowserProfile,
  request: BrowserRequest,
  chain: RedirectChain,
  hop: number,
  preflightedBefore: boolean,
  originalUnsafeNames: string[],
): string[] | null {
  if (!chain.corsTainted || request.initiator === 'eventsource') return null;
  if (profile.keepsOriginalPreflightState && hop > 0) {
    const needed = preflightedBefore || originalUnsafeNames.length > 0 || !isCorsSafelistedMethod(request.method) || profile.corsUnsafeRequestHeaderNames(request).length > 0;
    return needed ? originalUnsafeNames.filter((n) => !chain.strippedByLastRedirect.includes(n)) : null;
  }
  const unsafeNames = profile.corsUnsafeRequestHeaderNames(request);
  return !isCorsSafelistedMethod(request.method) || unsafeNames.length > 0 ? unsafeNames : null;
}

/** Where a request is on its redirect chain: what HTTP-redirect fetch changes and main fetch reads. */
interface RedirectChain {
  current: ParsedUrl;
  /** Fetch's response tainting is "cors": the request has left the page's origin. */
  corsTainted: boolean;
  /** A redirect from one origin to another after leaving the page's: Origin is `null` from then on. */
  originTainted: boolean;
  redirectCount: number;
  /** Lowercase header names the last redirect removed (Firefox keeps the rest of its original preflight state). */
  strippedByLastRedirect: string[];
}

/**
 * HTTP-redirect fetch: the Location's URL, the checks on it (not HTTP(S),
 * over the redirect limit, credentials in a URL the request may not carry
 * them to), then what the redirect does to the request (headers dropped on a
 * cross-origin hop or away from the page, POST or any method turned into GET,
 * Origin tainted). Returns the failure, or `null` with `chain` and `request`
 * moved to the next URL.
 */
function httpRedirectFetch(profile: BrowserProfile, request: BrowserRequest, chain: RedirectChain, response: ScenarioResponse, hop: number): CheckFailure | null {
  const location = get(response.headers, 'location');
  if (location === null) throw new ScenarioError(`redirects[${hop}]`, 'a redirect needs a Location header');
  const next = resolveUrl(location, chain.current.href);
  if (next === null) throw new ScenarioError(`redirects[${hop}]`, `Location '${location}' is not a valid URL`);
  if (next.protocol !== 'http:' && next.protocol !== 'https:') return { id: 'redirect-not-http', value: next.href };
  if (++chain.redirectCount > REDIRECT_LIMIT) return { id: 'too-many-redirects', value: '' };
  if (next.hasCredentials && (chain.corsTainted || next.origin !== request.origin)) return { id: 'redirect-contains-credentials', value: next.href };
  const stripped: string[] = [];
  const strip = (names: ReadonlySet<string>): void => {
    request.headers = request.headers.filter(([n]) => {
      const lower = asciiLowercase(n);
      if (!names.has(lower)) return true;
      stripped.push(lower);
      return false;
    });
  };
  if (next.origin !== chain.current.origin) {
    if (chain.current.origin !== request.origin) chain.originTainted = true;
    // A cross-origin redirect drops the CORS non-wildcard request-header names (Authorization).
    strip(CORS_NON_WILDCARD_REQUEST_HEADER_NAMES);
  }
  if (next.origin !== request.origin) strip(profile.droppedOnRedirectAwayFromPage);
  // 301/302 turn POST into GET, 303 turns any method but GET and HEAD into GET; the body goes.
  if ((response.status === 303 && request.method !== 'GET' && request.method !== 'HEAD') || ((response.status === 301 || response.status === 302) && request.method === 'POST')) {
    request.method = 'GET';
    strip(REQUEST_BODY_HEADER_NAMES);
  }
  chain.strippedByLastRedirect = stripped;
  chain.current = next;
  if (next.origin !== request.origin) chain.corsTainted = true;
  return null;
}

function exposure(memo: ExposureMemo, scenario: Scenario, credentialsIncluded: boolean, corsFiltered: boolean): string[] {
  const key = (credentialsIncluded ? 1 : 0) + (corsFiltered ? 2 : 0);
  if (memo.key !== key || memo.names === undefined) {
    memo.key = key;
    memo.names = exposedHeaderNames(scenario.response.headers, credentialsIncluded, corsFiltered);
  }
  return memo.names;
}


/**
 * Reach the verdict Chromium and Firefox reach for a scenario: whether the
 * page's script can read the response, the preflight the browsers send, each
 * browser's error code and console message, which response headers script
 * can read, and the fix.
 *
 * Pure: no I/O, no globals beyond `URL`; runs in Node, browsers and edge runtimes.
 *
 * @throws {@link ScenarioError} when the scenario describes a request no page
 * could make (an invalid origin or URL, a header value with CR/LF, a missing
 * preflight response when one is needed). {@link validateScenario} checks the
 * shape of untrusted JSON first.
 */
export function evaluate(scenario: Scenario): Verdict {
  const request = prepareRequest(scenario.request);
  const memo: ExposureMemo = {};
  const chromium = walk('chromium', request, scenario, memo);
  const firefox = walk('firefox', request, scenario, memo);
  const ok = chromium.ok && firefox.ok;
  // The verdict's headline follows the first browser that blocks.
  const lead = !chromium.ok ? chromium : !firefox.ok ? firefox : chromium;
  const row = lead.reasonId !== null ? reason(lead.reasonId) : null;
  const fixes =
    row && lead.context
      ? { server: row.fixServer(lead.context), client: row.fixClient(lead.context) }
      : null;
  return {
    ok,
    failedAt: lead.failedAt,
    preflight: {
      required: lead.preflightRequired,
      request: lead.preflights[0] ?? null,
    },
    firefox: firefoxReport(firefox),
    chromium: chromiumReport(chromium),
    exposedHeaders: ok ? chromium.exposedHeaders : [],
    fix: fixes ? (fixes.client ? `Server: ${fixes.server} Client: ${fixes.client}` : `Server: ${fixes.server}`) : null,
    fixes,
    warnings: [...verdictWarnings('chromium', chromium), ...verdictWarnings('firefox', firefox)],
    browsers: { chromium: strip(chromium), firefox: strip(firefox) },
  };
}

function verdictWarnings(browser: BrowserName, outcome: BrowserOutcome): VerdictWarning[] {
  const out: VerdictWarning[] = [];
  for (const site of outcome.warningSites) {
    const row = warning(site.id);
    const part = browser === 'firefox' ? row.firefox : null;
    if (part) out.push({ browser, id: row.id, key: part.key, message: part.message(site.url), fix: row.fix });
  }
  return out;
}

function strip(outcome: BrowserOutcome): BrowserVerdict {
  return {
    ok: outcome.ok,
    failedAt: outcome.failedAt,
    reasonId: outcome.reasonId,
    preflights: outcome.preflights,
    exposedHeaders: outcome.exposedHeaders,
    preflightMaxAge: outcome.preflightMaxAge,
    warnings: outcome.warnings,
  };
}

function firefoxReport(outcome: BrowserOutcome): Verdict['firefox'] {
  if (outcome.ok || outcome.reasonId === null || outcome.context === null) return null;
  const row = reason(outcome.reasonId);
  if (!row.firefox) return { reason: `unknown:${row.id}`, message: '' };
  return { reason: row.firefox.reason, message: firefoxMessage(row, outcome.context) };
}

function chromiumReport(outcome: BrowserOutcome): Verdict['chromium'] {
  if (outcome.ok || outcome.reasonId === null || outcome.context === null) return null;
  const row = reason(outcome.reasonId);
  if (!row.chromium) return { corsError: `unknown:${row.id}`, failedParameter: '', message: '' };
  return {
    corsError: chromiumCorsError(row, outcome.context),
    ...(row.chromium.netError ? { netError: row.chromium.netError } : {}),
    failedParameter: row.chromium.reportsValue ? outcome.context.value : '',
    message: chromiumMessage(row, outcome.context),
  };
}
