/**
 * `evaluate(scenario)`: the Fetch Standard's CORS protocol, walked the way
 * Chromium and Firefox walk it: main fetch, CORS-preflight fetch, CORS check,
 * HTTP-redirect fetch, CORS filtered response, and the way WebKit walks it.
 * `evaluateIn` walks one browser; `webkitConsole` gives WebKit's console
 * lines.
 */
import type { BrowserProfile, CheckFailure } from './browsers.js';
import { BROWSERS, BROWSER_NAMES, CHROMIUM, FIREFOX, WEBKIT } from './browsers.js';
import { Exchange } from './exchange.js';
import type { ReasonContext, WarningId } from './reasons.js';
import type { WebKitConsoleLine } from './reasons.js';
import { chromiumCorsError, chromiumMessage, firefoxMessage, reason, warning, webkitConsoleLines, webkitMessage } from './reasons.js';
import type { BrowserRequest } from './request.js';
import { forbiddenHeaderNames } from './request.js';
import type { ParsedUrl } from './url.js';
import { resolveUrl } from './url.js';
import { CORS_NON_WILDCARD_REQUEST_HEADER_NAMES, REQUEST_BODY_HEADER_NAMES, isCorsSafelistedMethod } from './safelist.js';
import type { BrowserName, BrowserVerdict, EvaluateOptions, FailurePoint, HeaderList, PreflightRequest, Scenario, SentRequest, Verdict, VerdictWarning } from './types.js';

export type { SentRequest } from './types.js';

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

/** Walk the scenario as one browser does: Chromium, Firefox or WebKit, with the requests it sends recorded. */
export function evaluateIn(browser: BrowserName, scenario: Scenario): BrowserOutcome {
  const walk = new MainFetch(BROWSERS[browser], new Exchange(scenario));
  const { ok, failedAt, reasonId, preflights, exposedHeaders, preflightMaxAge, warnings, opaque } = walk.run();
  const { context, requests } = walk;
  const warningSites = walk.warningSites ?? [];
  // Spelled out: an object spread with properties added after it is several times slower here.
  const outcome: BrowserOutcome = { ok, failedAt, reasonId, preflights, exposedHeaders, preflightMaxAge, warnings, context, preflightRequired: preflights.length > 0, warningSites, requests };
  if (opaque) outcome.opaque = true;
  return outcome;
}

/**
 * Every console line WebKit logs for a scenario it walked (`outcome`, from
 * `evaluateIn('webkit', scenario)`): the refused headers, then the blocked
 * load's three lines or a passing load's error status (reasons.ts
 * {@link webkitConsoleLines}).
 */
export function webkitConsole(scenario: Scenario, outcome: Pick<BrowserOutcome, 'ok' | 'reasonId' | 'context'>): WebKitConsoleLine[] {
  const refused = scenario.request.initiator === 'xhr' ? forbiddenHeaderNames(scenario.request) : [];
  const row = outcome.reasonId === null ? null : reason(outcome.reasonId);
  return webkitConsoleLines(refused, row, outcome.context, outcome.ok ? scenario.response.status : 0);
}

const NONE_STRIPPED: readonly string[] = [];

/**
 * Main fetch, as one browser walks it, hop by hop: for each URL of the
 * redirect chain, the CORS-preflight fetch when needed, then the CORS check
 * on the response, then HTTP-redirect fetch. What does not depend on the
 * browser (the request, the responses' headers, the redirect targets) comes
 * from the {@link Exchange}, shared with the other browser's walk.
 *
 * The fields are declared (`declare`) and set in the constructor: V8 sets
 * them several times faster than it defines class fields.
 */
class MainFetch {
  private declare readonly profile: BrowserProfile;
  private declare readonly exchange: Exchange;
  /** The request; a redirect that rewrites its method or headers makes this walk's own copy first. */
  private declare request: BrowserRequest;
  private declare requestIsOwn: boolean;
  // Where the request is on its redirect chain: what HTTP-redirect fetch changes and main fetch reads.
  private declare current: ParsedUrl;
  /** The request has left the page's origin: Fetch's response tainting is "cors" (mode `no-cors`: "opaque"). */
  private declare corsTainted: boolean;
  /** fetch()'s mode is `no-cors`: no preflight, no CORS check, the response opaque once the request left the page's origin. */
  private declare noCors: boolean;
  /** A redirect from one origin to another after leaving the page's: Origin is `null` from then on. */
  private declare originTainted: boolean;
  private declare redirectCount: number;
  /** Lowercase header names the last redirect removed (Firefox keeps the rest of its original preflight state). */
  private declare strippedByLastRedirect: readonly string[];
  /** The CORS-unsafe request-header names of the request script made, once computed. */
  private declare initialUnsafeNames: string[] | null;
  private declare preflightMaxAge: number | null;
  /** The CORS-preflight requests sent, in order (`null`: none yet). */
  private declare preflights: PreflightRequest[] | null;
  // What the walk leaves for the verdict besides this browser's own (`run`'s result).
  /** Set when blocked: the context for the messages and the fix. */
  declare context: ReasonContext | null;
  /** Each warning logged, with the URL its message names. */
  declare warningSites: Array<{ id: WarningId; url: string }> | null;
  /** The requests sent, one per hop reached. */
  declare readonly requests: SentRequest[];

  constructor(profile: BrowserProfile, exchange: Exchange) {
    this.profile = profile;
    this.exchange = exchange;
    this.request = exchange.request;
    this.requestIsOwn = false;
    this.current = exchange.request.url;
    this.corsTainted = exchange.crossOrigin;
    this.noCors = exchange.request.mode === 'no-cors';
    this.originTainted = false;
    this.redirectCount = 0;
    this.strippedByLastRedirect = NONE_STRIPPED;
    this.initialUnsafeNames = null;
    this.preflightMaxAge = null;
    this.preflights = null;
    this.context = null;
    this.warningSites = null;
    this.requests = [];
  }

  /** Walk the chain: this browser's conclusion. */
  run(): BrowserVerdict {
    const { exchange } = this;
    for (let hop = 0; hop < exchange.hopCount; hop++) {
      const isLast = hop === exchange.hopCount - 1;
      const requestOrigin = this.originTainted ? 'null' : this.request.origin;
      const unsafeNames = this.corsPreflightNames(hop);
      if (unsafeNames !== null) {
        const blocked = this.corsPreflightFetch(hop, unsafeNames, requestOrigin);
        if (blocked !== null) return blocked;
      } else if (exchange.localNetwork !== null) {
        // Local Network Access refuses the request before it is sent: the request is what failed.
        const failure = this.profile.localNetworkAccess(exchange.localNetwork.hop(hop));
        if (failure !== null) return this.blocked(failure, 'response', 0);
      }
      this.recordRequest(requestOrigin);
      const response = exchange.response(hop);
      if (this.corsTainted && !this.noCors) {
        const failure = this.profile.corsCheck(response, requestOrigin, exchange.credentialsIncluded);
        if (failure) return this.blocked(failure, isLast ? 'response' : 'redirect', response.status);
      }
      if (isLast) break;
      const failure = this.httpRedirectFetch(hop);
      if (failure !== null) return this.blocked(failure, 'redirect', response.status);
    }
    // mode no-cors (seen in all three): an opaque response, nothing readable; a same-origin one is readable as usual.
    if (this.noCors && this.corsTainted) return this.conclude(null, null, [], true);
    return this.conclude(null, null, exchange.exposedHeaders(this.corsTainted));
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
  private corsPreflightNames(hop: number): string[] | null {
    const { profile, request } = this;
    if (!this.corsTainted || request.initiator === 'eventsource' || this.noCors) return null;
    // On the first hop the request is still the one script made.
    const initial = (this.initialUnsafeNames ??= profile.corsUnsafeRequestHeaderNames(this.exchange.request));
    if (profile.keepsOriginalPreflightState && hop > 0) {
      const needed = this.preflights !== null || initial.length > 0 || !isCorsSafelistedMethod(request.method) || profile.corsUnsafeRequestHeaderNames(request).length > 0;
      return needed ? initial.filter((n) => !this.strippedByLastRedirect.includes(n)) : null;
    }
    const unsafeNames = hop === 0 ? initial : profile.corsUnsafeRequestHeaderNames(request);
    return !isCorsSafelistedMethod(request.method) || unsafeNames.length > 0 ? unsafeNames : null;
  }

  /** CORS-preflight fetch: send the preflight, validate the answer. Returns the outcome when it blocks. */
  private corsPreflightFetch(hop: number, unsafeNames: string[], requestOrigin: string): BrowserVerdict | null {
    const { profile, request } = this;
    const preflightOrigin = profile.preflightKeepsPageOrigin ? request.origin : requestOrigin;
    const preflight = this.exchange.preflightRequest(request.method, preflightOrigin, unsafeNames);
    if (this.preflights === null) this.preflights = [preflight];
    else this.preflights.push(preflight);
    // Local Network Access refuses the preflight before it is sent (seen in Chromium: its OPTIONS fails with
    // ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS; the console line is the same as for a request without one).
    const { localNetwork } = this.exchange;
    if (localNetwork !== null) {
      const refused = profile.localNetworkAccess(localNetwork.hop(hop));
      if (refused !== null) return this.blocked(refused, 'preflight', 0);
    }
    const answer = this.exchange.preflightResponse(hop);
    // A preflight goes to the page's own origin only after a redirect (the first hop's is cross-origin).
    const toPageOrigin = hop > 0 && this.current.origin === request.origin;
    const failure = profile.checkPreflightResponse(request, answer, preflightOrigin, unsafeNames, toPageOrigin);
    if (failure !== null) return this.blocked(failure, 'preflight', answer.status);
    this.preflightMaxAge = profile.preflightMaxAge(request, answer, unsafeNames);
    const warnings = profile.preflightWarnings(request, answer, unsafeNames);
    for (let i = 0; i < warnings.length; i++) (this.warningSites ??= []).push({ id: warnings[i] as WarningId, url: this.current.href });
    return null;
  }

  /**
   * The request this hop sends. Fetch "append a request Origin header": on CORS requests, and on any request whose
   * method is not GET or HEAD (mode no-cors too: seen in all three, a POST's Origin, `null` after a tainting redirect;
   * a no-cors GET or HEAD carries none, also after a POST turned into a GET).
   */
  private recordRequest(requestOrigin: string): void {
    const { method, headers } = this.request;
    const { requests } = this;
    // WebKit (seen): a request that sent Origin keeps it on every later hop, also one redirected to GET on the page's origin.
    const keptOrigin = this.profile.redirectModel === 'webkit' && !this.noCors && requests.length > 0 && (requests[requests.length - 1] as SentRequest).headers[0]?.[0] === 'Origin';
    const sendsOrigin = (this.corsTainted && !this.noCors) || (method !== 'GET' && method !== 'HEAD') || keptOrigin;
    requests.push({ url: this.current.href, method, headers: sendsOrigin ? [['Origin', requestOrigin], ...headers] : [...headers] });
  }

  /**
   * HTTP-redirect fetch: the Location's URL, the checks on it (not HTTP(S),
   * over the redirect limit, credentials in a URL the request may not carry
   * them to), then what the redirect does to the request (headers dropped on a
   * cross-origin hop or away from the page, POST or any method turned into GET,
   * Origin tainted). Returns the failure, or `null` with the walk moved to the
   * next URL.
   */
  private httpRedirectFetch(hop: number): CheckFailure | null {
    if (this.profile.redirectModel === 'webkit') return this.webkitRedirectFetch(hop);
    const { current } = this;
    const next = this.exchange.redirectTarget(hop, current);
    if (next.protocol !== 'http:' && next.protocol !== 'https:') return { id: 'redirect-not-http', value: next.href };
    if (++this.redirectCount > REDIRECT_LIMIT) return { id: 'too-many-redirects', value: '' };
    const pageOrigin = this.request.origin;
    // Fetch refuses credentials in a Location for mode cors only: Firefox follows a no-cors one; Chromium refuses it too (seen).
    if (next.hasCredentials && (this.corsTainted || next.origin !== pageOrigin) && (!this.noCors || this.profile.name === 'chromium')) {
      return { id: 'redirect-contains-credentials', value: next.href };
    }
    const stripped: string[] = [];
    if (next.origin !== current.origin) {
      if (current.origin !== pageOrigin) this.originTainted = true;
      // A cross-origin redirect drops the CORS non-wildcard request-header names (Authorization).
      this.stripHeaders(CORS_NON_WILDCARD_REQUEST_HEADER_NAMES, stripped);
    }
    if (next.origin !== pageOrigin) this.stripHeaders(this.profile.droppedOnRedirectAwayFromPage, stripped);
    // 301/302 turn POST into GET, 303 turns any method but GET and HEAD into GET; the body goes.
    const status = this.exchange.response(hop).status;
    const { method } = this.request;
    if ((status === 303 && method !== 'GET' && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST')) {
      this.ownRequest().method = 'GET';
      this.stripHeaders(REQUEST_BODY_HEADER_NAMES, stripped);
    }
    this.strippedByLastRedirect = stripped;
    this.current = next;
    if (next.origin !== pageOrigin) this.corsTainted = true;
    return null;
  }

  /**
   * HTTP-redirect fetch as WebKitGTK does it (the network process's
   * NetworkLoadChecker::checkRedirection, then NetworkDataTaskSoup): once the
   * request is a CORS one, a Location that is not http(s), then one with
   * `user:password@`, is refused; then more than 20 redirects. libsoup turns
   * the method into GET on a 303 (all but GET and HEAD), on a 301 or 302 for
   * POST, and for DELETE on a redirect to another origin (seen for 301 and
   * 302; libsoup's rule for every redirect status). The next hop is sent
   * with the first request's headers again (seen: Content-Type stays after
   * the switch to GET, Authorization after a cross-origin redirect), so
   * nothing is stripped. Origin becomes `null` as in Fetch.
   */
  private webkitRedirectFetch(hop: number): CheckFailure | null {
    const { current } = this;
    const next = this.exchange.redirectTarget(hop, current);
    const pageOrigin = this.request.origin;
    if (next.protocol !== 'http:' && next.protocol !== 'https:') return { id: 'redirect-not-http', value: next.href };
    // A no-cors request follows a Location with credentials (seen).
    if (next.hasCredentials && !this.noCors && (this.corsTainted || next.origin !== pageOrigin)) return { id: 'redirect-contains-credentials', value: next.href };
    if (++this.redirectCount > REDIRECT_LIMIT) return { id: 'too-many-redirects', value: '' };
    const crossOrigin = next.origin !== current.origin;
    if (crossOrigin && current.origin !== pageOrigin) this.originTainted = true;
    const status = this.exchange.response(hop).status;
    const { method } = this.request;
    if (method !== 'GET' && method !== 'HEAD' && (status === 303 || ((status === 301 || status === 302) && method === 'POST') || (crossOrigin && method === 'DELETE'))) {
      this.ownRequest().method = 'GET';
      // Seen in mode no-cors (test/browser/no-cors.test.ts): the GET goes without script's Content-Type.
      if (this.noCors) this.stripHeaders(REQUEST_BODY_HEADER_NAMES, []);
    }
    this.current = next;
    if (next.origin !== pageOrigin) this.corsTainted = true;
    return null;
  }

  /** The request, as this walk's own copy (the prepared request is shared with the other browser). */
  private ownRequest(): BrowserRequest {
    if (!this.requestIsOwn) {
      const { url, origin, method, headers, headerNames, safelisted, repeatedNames, credentials, initiator, mode } = this.request;
      this.request = { url, origin, method, headers, headerNames, safelisted, repeatedNames, credentials, initiator, mode };
      this.requestIsOwn = true;
    }
    return this.request;
  }

  /** Remove the request's headers named in `names` (lowercase), adding each removed name to `stripped`. */
  private stripHeaders(names: ReadonlySet<string>, stripped: string[]): void {
    const { headerNames } = this.request;
    if (!headerNames.some((name) => names.has(name))) return;
    const request = this.ownRequest();
    const headers: HeaderList = [];
    const kept: string[] = [];
    const safelisted: number[] = [];
    headerNames.forEach((name, i) => {
      if (names.has(name)) {
        stripped.push(name);
      } else {
        headers.push(request.headers[i] as [string, string]);
        kept.push(name);
        safelisted.push(request.safelisted[i] as number);
      }
    });
    request.headers = headers;
    request.headerNames = kept;
    request.safelisted = safelisted;
  }

  /**
   * WebKit names the URL of a redirect it refuses (its answer or its
   * Location; not for too many redirects): `ctx.redirectTo`, and whether the
   * load was still a same-origin one. The refused redirect is the response of
   * hop `redirectCount` (the redirects followed so far).
   */
  private nameRefusedRedirect(ctx: ReasonContext, failure: CheckFailure): void {
    if (failure.id === 'too-many-redirects') return;
    const location = this.exchange.response(this.redirectCount).location;
    if (location === null) return;
    const target = resolveUrl(location, this.current);
    // Seen: WebKit names the redirect's URL without its user:password@ (the request's URL; its message names them).
    ctx.redirectTo = target === null ? location : target.hasCredentials ? target.href.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1') : target.href;
    if (!this.corsTainted) ctx.sameOriginLoad = true;
  }

  /** The conclusion when a check fails, with the context its messages and fix are written from. */
  private blocked(failure: CheckFailure, at: FailurePoint, status: number): BrowserVerdict {
    const { request } = this;
    const url = this.current.href;
    const firstUrl = this.exchange.request.url.href;
    this.context = {
      url,
      redirectedFrom: url === firstUrl ? null : firstUrl,
      origin: request.origin,
      requestOrigin: this.originTainted ? 'null' : request.origin,
      initiator: request.initiator,
      credentials: request.credentials,
      method: request.method,
      value: failure.value,
      status,
      preflight: at === 'preflight',
    };
    if (at === 'redirect' && this.profile.redirectModel === 'webkit') this.nameRefusedRedirect(this.context, failure);
    return this.conclude(at, failure, []);
  }

  /** What this browser concluded: passed (`failedAt` null; `opaque`: a no-cors response) or blocked. */
  private conclude(failedAt: FailurePoint | null, failure: CheckFailure | null, exposedHeaders: string[], opaque = false): BrowserVerdict {
    const { warningSites } = this;
    const verdict: BrowserVerdict = {
      ok: failure === null,
      failedAt,
      reasonId: failure === null ? null : failure.id,
      preflights: this.preflights ?? [],
      exposedHeaders,
      preflightMaxAge: failure === null ? this.preflightMaxAge : null,
      warnings: warningSites === null ? [] : warningSites.map((w) => w.id),
    };
    if (opaque) verdict.opaque = true;
    return verdict;
  }
}

/**
 * Reach the verdict Chromium, Firefox and WebKit reach for a scenario:
 * whether the page's script can read the response, the preflight the
 * browsers send, each browser's error code and console message, which
 * response headers script can read, and the fix.
 *
 * All three browsers are walked and reported; `options.browsers` narrows
 * the browsers `ok`, `failedAt`, `preflight`, `exposedHeaders` and the fix
 * cover (all three by default). The headline follows the first covered
 * browser that blocks, in the order Chromium, Firefox, WebKit.
 *
 * Pure: no I/O, no globals beyond `URL`; runs in Node, browsers and edge runtimes.
 *
 * @throws {@link ScenarioError} when the scenario describes a request no page
 * could make (an invalid origin or URL, a header value with CR/LF, a missing
 * preflight response when one is needed, a method other than GET, HEAD or
 * POST with mode `no-cors`). {@link validateScenario} checks the shape of
 * untrusted JSON first.
 *
 * Mode `no-cors` (`request.mode`): no preflight, no CORS check, only the
 * no-CORS-safelisted headers sent; a response from another origin passes
 * (`ok`) as an opaque one script reads nothing of (`verdict.opaque`).
 * @throws TypeError when `options.browsers` is empty or names another browser.
 */
export function evaluate(scenario: Scenario, options?: EvaluateOptions): Verdict {
  const covers = options?.browsers === undefined ? BROWSER_NAMES : coveredBrowsers(options.browsers);
  const exchange = new Exchange(scenario);
  const walks: Record<BrowserName, MainFetch> = {
    chromium: new MainFetch(CHROMIUM, exchange),
    firefox: new MainFetch(FIREFOX, exchange),
    webkit: new MainFetch(WEBKIT, exchange),
  };
  const browsers: Record<BrowserName, BrowserVerdict> = { chromium: walks.chromium.run(), firefox: walks.firefox.run(), webkit: walks.webkit.run() };
  // The verdict's headline follows the first covered browser that blocks (else the first covered one).
  let leadName = covers[0] as BrowserName;
  let ok = true;
  for (let i = 0; i < covers.length; i++) {
    const name = covers[i] as BrowserName;
    if (!browsers[name].ok) {
      leadName = name;
      ok = false;
      break;
    }
  }
  const lead = browsers[leadName];
  const row = lead.reasonId !== null ? reason(lead.reasonId) : null;
  const context = walks[leadName].context;
  const fixes = row && context ? { server: row.fixServer(context), client: row.fixClient(context) } : null;
  const verdict: Verdict = {
    ok,
    covers: [...covers],
    failedAt: lead.failedAt,
    preflight: {
      required: lead.preflights.length > 0,
      request: lead.preflights[0] ?? null,
    },
    firefox: firefoxReport(browsers.firefox, walks.firefox.context),
    chromium: chromiumReport(browsers.chromium, walks.chromium.context),
    webkit: webkitReport(scenario, browsers.webkit, walks.webkit.context),
    exposedHeaders: ok ? readableInAll(covers, browsers) : [],
    fix: fixes ? (fixes.client ? `Server: ${fixes.server} Client: ${fixes.client}` : `Server: ${fixes.server}`) : null,
    fixes,
    warnings: verdictWarnings(covers, walks),
    browsers,
    requests: { chromium: walks.chromium.requests, firefox: walks.firefox.requests, webkit: walks.webkit.requests },
  };
  // mode no-cors: every covered browser passes with an opaque response (types.ts Verdict.opaque).
  if (ok && exchange.request.mode === 'no-cors' && covers.every((b) => browsers[b].opaque)) verdict.opaque = true;
  return verdict;
}

/** `options.browsers` checked and put in the verdict's order. */
function coveredBrowsers(given: readonly BrowserName[]): readonly BrowserName[] {
  if (!Array.isArray(given) || given.length === 0) throw new TypeError('corsproof: evaluate() options.browsers must list at least one of chromium, firefox, webkit');
  for (const name of given) {
    if (!BROWSER_NAMES.includes(name)) throw new TypeError(`corsproof: evaluate() options.browsers: unknown browser ${JSON.stringify(name)} (chromium, firefox, webkit)`);
  }
  return BROWSER_NAMES.filter((name) => given.includes(name));
}

/** The header names script can read in every covered browser (each list sorted and unique). */
function readableInAll(covers: readonly BrowserName[], browsers: Record<BrowserName, BrowserVerdict>): string[] {
  const first = browsers[covers[0] as BrowserName].exposedHeaders;
  if (covers.length === 1) return first;
  return first.filter((name) => covers.every((b) => browsers[b].exposedHeaders.includes(name)));
}

/** The console warnings of the covered browsers, in the verdict's order. */
function verdictWarnings(covers: readonly BrowserName[], walks: Record<BrowserName, MainFetch>): VerdictWarning[] {
  const out: VerdictWarning[] = [];
  for (const browser of covers) addWarnings(out, browser, walks[browser]);
  return out;
}

function addWarnings(out: VerdictWarning[], browser: BrowserName, walk: MainFetch): void {
  if (walk.warningSites === null) return;
  for (const site of walk.warningSites) {
    const row = warning(site.id);
    // The table words the warnings Firefox logs; Chromium and WebKit log none of them.
    const part = browser === 'firefox' ? row.firefox : null;
    if (part) out.push({ browser, id: row.id, key: part.key, message: part.message(site.url), fix: row.fix });
  }
}

function webkitReport(scenario: Scenario, verdict: BrowserVerdict, context: ReasonContext | null): Verdict['webkit'] {
  if (verdict.ok || verdict.reasonId === null || context === null) return null;
  const row = reason(verdict.reasonId);
  if (!row.webkit) return { reason: `unknown:${row.id}`, message: '', messages: [] };
  const messages = webkitConsole(scenario, { ok: false, reasonId: verdict.reasonId, context }).map((line) => line.text);
  return { reason: row.webkit.id, message: webkitMessage(row, context), messages };
}

function firefoxReport(verdict: BrowserVerdict, context: ReasonContext | null): Verdict['firefox'] {
  if (verdict.ok || verdict.reasonId === null || context === null) return null;
  const row = reason(verdict.reasonId);
  if (!row.firefox) return { reason: `unknown:${row.id}`, message: '' };
  return { reason: row.firefox.reason, message: firefoxMessage(row, context) };
}

function chromiumReport(verdict: BrowserVerdict, context: ReasonContext | null): Verdict['chromium'] {
  if (verdict.ok || verdict.reasonId === null || context === null) return null;
  const row = reason(verdict.reasonId);
  if (!row.chromium) return { corsError: `unknown:${row.id}`, failedParameter: '', message: '' };
  const corsError = chromiumCorsError(row, context);
  const failedParameter = row.chromium.reportsValue ? context.value : '';
  const message = chromiumMessage(row, context);
  const { netError } = row.chromium;
  return netError ? { corsError, netError, failedParameter, message } : { corsError, failedParameter, message };
}
