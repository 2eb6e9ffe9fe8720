/**
 * Beyond "does it pass": what the CORS headers expose to other sites. A
 * server that sends back any Origin it is given lets every website read its
 * responses (with the user's cookies, when it also allows credentials); a
 * response whose Access-Control-Allow-Origin depends on the request but
 * lacks `Vary: Origin` can be served from a shared cache to the wrong page;
 * and the answer to the same URL requested without Origin (an `<img>`, a
 * `<script>`, a server-side fetch) can be served from a cache to the page's
 * CORS request, which then fails (Fetch Standard, "CORS protocol and HTTP
 * caches").
 *
 * Pure: the doctor sends one probe request from a foreign origin and the
 * request without Origin, and passes their answers here. What caches may
 * store and reuse comes from caching.ts; whether an answer passes the CORS
 * check, from the engine.
 */
import { evaluate } from '../engine/evaluate.js';
import { get, splitList } from '../engine/headers.js';
import type { ReasonId } from '../engine/reasons.js';
import { reason } from '../engine/reasons.js';
import { isRedirectStatus } from '../engine/status.js';
import type { HeaderList, Scenario, ScenarioResponse, Verdict } from '../engine/types.js';
import type { Cacheable, CacheReuse } from './caching.js';
import { cacheReuse, conditionalHeaders, updatedBy304, varyTokens } from './caching.js';
import { PROBE_ORIGIN } from '../policy/probes.js';
import type { Severity } from '../policy/findings.js';
import { severityOf } from '../policy/findings.js';
import { leadReasonId } from './text.js';

/** An origin no site has: `.invalid` never resolves (RFC 6761); the probe table's first (src/policy/probes.ts). */
export { PROBE_ORIGIN };

/** A finding about what the server exposes. */
export interface ExposureFinding {
  id: 'reflects-any-origin' | 'missing-vary-origin' | 'expose-wildcard-with-credentials';
  /**
   * `error`: any website can read users' data, or a cache makes the page's
   * request fail; `warning`: risky or ineffective, or fails only with some
   * caches' configuration.
   */
  severity: 'error' | 'warning';
  /**
   * The finding's severity in the finding table (src/policy/findings.ts),
   * as `corsproof scan` rates it: what an attacker gains (reflects-any-origin
   * high with credentials, low without; missing-vary-origin low;
   * expose-wildcard-with-credentials info).
   */
  security: Severity;
  message: string;
  /**
   * `missing-vary-origin` only: the response without `Vary: Origin`: the
   * answer to the page's request (`cors-response`), or the answer to the same
   * request without Origin (`no-origin-response`), which a cache can hand to
   * the page's request.
   */
  cause?: 'cors-response' | 'no-origin-response';
  /** `no-origin-response` only: how the browser's cache and shared caches (CDN, proxy) may reuse that answer. */
  caches?: CacheReuse;
  /** `missing-vary-origin` only: the header line to send, e.g. `[['Vary', 'Origin']]`. */
  fixHeaders?: HeaderList;
}

/** The probe sent and what came back. */
export interface ProbeResult {
  method: string;
  url: string;
  headers: HeaderList;
}

/** What the answer to a request from {@link PROBE_ORIGIN} says. */
export function probeFindings(probe: ProbeResult): ExposureFinding[] {
  const allowOrigin = get(probe.headers, 'access-control-allow-origin');
  if (allowOrigin !== PROBE_ORIGIN) return [];
  const credentials = get(probe.headers, 'access-control-allow-credentials') === 'true';
  return [
    credentials
      ? {
          id: 'reflects-any-origin',
          severity: 'error',
          security: severityOf('reflects-any-origin', true),
          message: `The server sends back any Origin with Access-Control-Allow-Credentials: true: a ${probe.method} from ${PROBE_ORIGIN} was allowed. Any website a user visits can read these responses with the user's cookies. Allow an explicit list of your own origins instead.`,
        }
      : {
          id: 'reflects-any-origin',
          severity: 'warning',
          security: severityOf('reflects-any-origin', false),
          message: `The server sends back any Origin: a ${probe.method} from ${PROBE_ORIGIN} was allowed. That is '*' in effect; if these responses are not public (an intranet API, data behind IP allow-lists), allow an explicit list of origins.`,
        },
  ];
}

/** Whether a cache keeps this response apart from requests with another Origin (`Vary: Origin`, or `Vary: *`: reused for none). */
export function variesByOrigin(headers: HeaderList): boolean {
  const vary = varyTokens(headers);
  return vary.includes('origin') || vary.includes('*');
}

/** What the final response's own headers say, for the page's request (its method, and whether it carried Authorization). */
export function responseFindings(response: Cacheable, pageOrigin: string, credentials: boolean, now: number = Date.now()): ExposureFinding[] {
  const out: ExposureFinding[] = [];
  const { headers } = response;
  const allowOrigin = get(headers, 'access-control-allow-origin');
  const caches = cacheReuse(response, now);
  const reusable = caches.browser !== 'none' || caches.shared !== 'none';
  if (allowOrigin === pageOrigin && !variesByOrigin(headers) && reusable) {
    out.push({
      id: 'missing-vary-origin',
      severity: 'warning',
      security: severityOf('missing-vary-origin', false),
      message: `Access-Control-Allow-Origin names this page's origin but the response has no \`Vary: Origin\`: a browser or CDN cache can hand this response to a page on another origin (which then fails), or another origin's to this page. Add \`Vary: Origin\` wherever the value depends on the request.`,
      cause: 'cors-response',
      fixHeaders: [['Vary', 'Origin']],
    });
  }
  const expose = splitList(get(headers, 'access-control-expose-headers') ?? '');
  if (credentials && expose.includes('*')) {
    out.push({
      id: 'expose-wildcard-with-credentials',
      severity: 'warning',
      security: severityOf('expose-wildcard-with-credentials', false),
      message: "Access-Control-Expose-Headers: * exposes nothing extra to a credentialed request (browsers then read '*' as a header name): list the header names script needs.",
    });
  }
  return out;
}

/** The request sent without Origin, credentials or script's own headers (as an `<img>` or a `<script>` sends it), and its answer. */
export interface NoOriginAnswer {
  method: string;
  url: string;
  status: number;
  headers: HeaderList;
}

/**
 * Which caches may hand the answer without Origin to the page's request, and
 * the page's request answered that way, when it then fails; `null` when no
 * cache would, or when it would pass anyway (the page's request fails
 * without any cache, the answer varies by Origin, is not reusable, passes the
 * CORS check as it is, or is a redirect, which is not compared).
 */
function servedFromCache(scenario: Scenario, answer: NoOriginAnswer, now: number): { caches: CacheReuse; verdict: Verdict } | null {
  if (!evaluate(scenario).ok) return null;
  if (isRedirectStatus(answer.status) || variesByOrigin(answer.headers)) return null;
  const caches = cacheReuse(answer, now);
  if (caches.browser === 'none' && caches.shared === 'none') return null;
  const verdict = evaluate({ ...scenario, response: { status: answer.status, headers: answer.headers } });
  return verdict.ok ? null : { caches, verdict };
}

/**
 * The conditional headers (`If-None-Match`, `If-Modified-Since`) a cache
 * adds to the page's request to revalidate the stored answer without Origin,
 * when the finding depends on what that revalidation brings back (no cache
 * may serve the answer without asking); else `null`. The doctor sends the
 * page's request with them and passes the answer to {@link noOriginFindings}.
 */
export function noOriginRevalidation(scenario: Scenario, answer: NoOriginAnswer, now: number = Date.now()): HeaderList | null {
  const served = servedFromCache(scenario, answer, now);
  if (served === null) return null;
  const { browser, shared } = served.caches;
  if (browser === 'fresh' || shared === 'fresh' || (browser !== 'revalidate' && shared !== 'revalidate')) return null;
  return conditionalHeaders(answer.headers);
}

/** The caching headers of an answer, as the report quotes them. */
const CACHING_HEADERS = ['Cache-Control', 'Expires', 'Last-Modified', 'ETag'];

/**
 * What the answer to the page's request without Origin means for the page's
 * request (Fetch Standard, "CORS protocol and HTTP caches"): when a cache
 * may store that answer and hand it to the page's request, which then fails
 * the CORS check, `missing-vary-origin` with cause `no-origin-response`.
 * An `error` when a cache may hand it out without asking the server, or
 * when the revalidation (`revalidation`: the answer to the page's request
 * with {@link noOriginRevalidation}'s headers) keeps it failing; a `warning`
 * when it depends on a CDN's default TTL, or on a revalidation not seen.
 */
export function noOriginFindings(scenario: Scenario, answer: NoOriginAnswer, revalidation: ScenarioResponse | null, now: number = Date.now()): ExposureFinding[] {
  const served = servedFromCache(scenario, answer, now);
  if (served === null) return [];
  const { caches } = served;
  const fresh = caches.browser === 'fresh' || caches.shared === 'fresh';
  const revalidating = [caches.browser === 'revalidate' ? "the browser's HTTP cache" : null, caches.shared === 'revalidate' ? 'a CDN or proxy' : null].filter((x) => x !== null);
  // Whether the page's request passes once a cache revalidates the stored answer with it (a 304 updates the stored headers).
  let passesAfterRevalidation: boolean | null = null;
  if (revalidating.length > 0 && revalidation !== null) {
    const response = revalidation.status === 304 ? { status: answer.status, headers: updatedBy304(answer.headers, revalidation.headers) } : revalidation;
    passesAfterRevalidation = evaluate({ ...scenario, response }).ok;
  }
  const error = fresh || passesAfterRevalidation === false;
  if (!error && caches.shared !== 'heuristic' && !(revalidating.length > 0 && passesAfterRevalidation === null)) return [];

  const how: string[] = [];
  if (caches.browser === 'fresh') how.push("the browser's HTTP cache can serve it to this page's request without asking the server (Chromium does after an <img> or a <script> loaded the URL, Firefox after a no-cors fetch() without cookies)");
  if (caches.shared === 'fresh') how.push('a CDN or proxy can store it and serve it to every page until it expires (any client that requests the URL without Origin fills it)');
  if (caches.shared === 'heuristic') how.push('a CDN or proxy that applies a default TTL can store it and serve it to every page (no Cache-Control says otherwise)');
  if (revalidating.length > 0 && passesAfterRevalidation !== true) {
    const who = `${revalidating.join(' and ')} ${revalidating.length > 1 ? 'revalidate' : 'revalidates'} it with this page's request`;
    how.push(passesAfterRevalidation === false ? `${who}, and the answer to that revalidation still does not pass, so the stored answer is used` : `${who}: if the 304 answer lacks the CORS headers, the stored answer is used`);
  }
  const pageAllow = get(scenario.response.headers, 'access-control-allow-origin');
  const allow = get(answer.headers, 'access-control-allow-origin');
  const caching = CACHING_HEADERS.flatMap((n) => {
    const v = get(answer.headers, n.toLowerCase());
    return v === null ? [] : [`${n}: ${v}`];
  });
  const failure = reason(leadReasonId(served.verdict) as ReasonId).title;
  const wildcard = pageAllow === '*';
  const seen = `${answer.method} ${answer.url} without Origin (as an <img>, a <script> or a server-side fetch requests it) got ${answer.status} with ${caching.length > 0 ? caching.join(', ') : 'no caching headers'}, ${allow === null ? 'no Access-Control-Allow-Origin' : `Access-Control-Allow-Origin: ${allow}`} and no Vary: Origin, while this page's request gets Access-Control-Allow-Origin: ${pageAllow ?? ''}.`;
  const fix = wildcard
    ? 'Send `Access-Control-Allow-Origin: *` on every response, with or without Origin in the request (or `Vary: Origin` on the responses to requests without it).'
    : 'Send `Vary: Origin` on every response whose CORS headers depend on Origin, the answers to requests without Origin included (or `Cache-Control: no-store` on those).';
  const also = !fresh && passesAfterRevalidation === false ? ' Sending the CORS headers on 304 answers too also fixes it.' : '';
  return [
    {
      id: 'missing-vary-origin',
      severity: error ? 'error' : 'warning',
      security: severityOf('missing-vary-origin', false),
      message: `${seen} ${capitalize(how.join('; '))}. Served from there, this page's request fails: ${failure} ${fix}${also}`,
      cause: 'no-origin-response',
      caches,
      fixHeaders: wildcard ? [['Access-Control-Allow-Origin', '*']] : [['Vary', 'Origin']],
    },
  ];
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
