/**
 * `evaluate(scenario)`: the Fetch Standard's CORS protocol, walked the way
 * Chromium and Firefox walk it: main fetch, CORS-preflight fetch, CORS check,
 * HTTP-redirect fetch, CORS filtered response.
 */
import type { CheckFailure } from './browsers.js';
import { BROWSERS } from './browsers.js';
import { corsPreflightRequest, exposedHeaderNames } from './cors.js';
import { asciiLowercase, get } from './headers.js';
import type { ReasonContext } from './reasons.js';
import { chromiumCorsError, chromiumMessage, firefoxMessage, reason } from './reasons.js';
import { ScenarioError, prepareRequest } from './request.js';
import { isCorsSafelistedMethod } from './safelist.js';
import type {
  BrowserName,
  BrowserVerdict,
  FailurePoint,
  PreflightRequest,
  Scenario,
  ScenarioResponse,
  Verdict,
} from './types.js';

/** The most redirects a fetch follows (Fetch "HTTP-redirect fetch"). */
export const REDIRECT_LIMIT = 20;

/** What one browser concluded, with the context its messages are written from. */
export interface BrowserOutcome extends BrowserVerdict {
  /** Set when blocked: the context for the row's messages and fix. */
  context: ReasonContext | null;
  /** Whether the request needed a preflight (at the first cross-origin hop). */
  preflightRequired: boolean;
}

/** Whether `a` and `b` have the same origin. */
function sameOrigin(a: URL, b: URL): boolean {
  return a.origin === b.origin;
}

/** Walk the scenario as one browser does. */
export function evaluateIn(browser: BrowserName, scenario: Scenario): BrowserOutcome {
  const profile = BROWSERS[browser];
  const request = prepareRequest(scenario.request);
  const hops: ScenarioResponse[] = [...(scenario.redirects ?? []), scenario.response];
  const firstUrl = request.url.href;
  const preflights: PreflightRequest[] = [];
  let preflightRequired = false;
  let preflightMaxAgeSeen: number | null = null;
  let current = request.url;
  let corsTainted = !sameOrigin(current, new URL(request.origin));
  let originTainted = false;
  let redirectCount = 0;

  const block = (failure: CheckFailure, at: FailurePoint, status: number): BrowserOutcome => {
    const context: ReasonContext = {
      url: current.href,
      redirectedFrom: current.href === firstUrl && redirectCount === 0 ? null : firstUrl,
      origin: request.origin,
      requestOrigin: originTainted ? 'null' : request.origin,
      initiator: request.initiator,
      credentials: request.credentials,
      method: request.method,
      value: failure.value,
      status,
      preflight: at === 'preflight',
    };
    return {
      ok: false,
      failedAt: at,
      reasonId: failure.id,
      preflights,
      exposedHeaders: [],
      preflightMaxAge: null,
      context,
      preflightRequired,
    };
  };

  for (let hop = 0; hop < hops.length; hop++) {
    const response = hops[hop] as ScenarioResponse;
    const isLast = hop === hops.length - 1;
    const requestOrigin = originTainted ? 'null' : request.origin;
    const unsafeNames = corsTainted ? profile.corsUnsafeRequestHeaderNames(request) : [];
    if (corsTainted && request.initiator !== 'eventsource' && (!isCorsSafelistedMethod(request.method) || unsafeNames.length > 0)) {
      if (preflights.length === 0) preflightRequired = true;
      preflights.push(corsPreflightRequest(request.method, requestOrigin, unsafeNames));
      if (scenario.preflight === null) {
        throw new ScenarioError('preflight', 'the request needs a CORS preflight, but no preflight response is given');
      }
      const result = profile.checkPreflightResponse(request, scenario.preflight, requestOrigin);
      if (result.failure) return block(result.failure, 'preflight', scenario.preflight.status);
      preflightMaxAgeSeen = result.maxAge;
    }
    const credentialsIncluded = request.credentials === 'include';
    if (!isLast) {
      if (corsTainted) {
        const failure = profile.corsCheck({ headers: response.headers, requestOrigin, credentialsIncluded });
        if (failure) return block(failure, 'redirect', response.status);
      }
      const location = get(response.headers, 'location');
      if (location === null) throw new ScenarioError(`redirects[${hop}]`, 'a redirect needs a Location header');
      let next: URL;
      try {
        next = new URL(location, current);
      } catch {
        throw new ScenarioError(`redirects[${hop}]`, `Location '${location}' is not a valid URL`);
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        return block({ id: 'request-not-http', value: next.href }, 'redirect', response.status);
      }
      redirectCount++;
      if (redirectCount > REDIRECT_LIMIT) return block({ id: 'did-not-succeed', value: '' }, 'redirect', response.status);
      const hasCredentials = next.username !== '' || next.password !== '';
      if (hasCredentials && (corsTainted || !sameOrigin(next, new URL(request.origin)))) {
        return block({ id: 'redirect-contains-credentials', value: next.href }, 'redirect', response.status);
      }
      if (!sameOrigin(next, current) && !sameOrigin(current, new URL(request.origin))) originTainted = true;
      if (
        (response.status === 303 && request.method !== 'GET' && request.method !== 'HEAD') ||
        ((response.status === 301 || response.status === 302) && request.method === 'POST')
      ) {
        request.method = 'GET';
        request.headers = request.headers.filter(([n]) => !REQUEST_BODY_HEADER_NAMES.has(asciiLowercase(n)));
      }
      current = next;
      if (!sameOrigin(current, new URL(request.origin))) corsTainted = true;
      continue;
    }
    if (corsTainted) {
      const failure = profile.corsCheck({
        headers: response.headers,
        requestOrigin: originTainted ? 'null' : request.origin,
        credentialsIncluded,
      });
      if (failure) return block(failure, 'response', response.status);
    }
    return {
      ok: true,
      failedAt: null,
      reasonId: null,
      preflights,
      exposedHeaders: exposedHeaderNames(response.headers, credentialsIncluded, corsTainted),
      preflightMaxAge: preflightMaxAgeSeen,
      context: null,
      preflightRequired,
    };
  }
  throw new Error('unreachable');
}

/** Request-body-header names (Fetch), removed when a redirect turns the request into a GET. */
const REQUEST_BODY_HEADER_NAMES: ReadonlySet<string> = new Set([
  'content-encoding',
  'content-language',
  'content-location',
  'content-type',
]);

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
  const chromium = evaluateIn('chromium', scenario);
  const firefox = evaluateIn('firefox', scenario);
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
    browsers: { chromium: strip(chromium), firefox: strip(firefox) },
  };
}

function strip(outcome: BrowserOutcome): BrowserVerdict {
  return {
    ok: outcome.ok,
    failedAt: outcome.failedAt,
    reasonId: outcome.reasonId,
    preflights: outcome.preflights,
    exposedHeaders: outcome.exposedHeaders,
    preflightMaxAge: outcome.preflightMaxAge,
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
    failedParameter: row.chromium.reportsValue ? outcome.context.value : '',
    message: chromiumMessage(row, outcome.context),
  };
}
