/**
 * Where Chromium, Firefox and WebKit differ from each other and from the Fetch
 * Standard. Each profile is a set of small functions; the walk through the
 * protocol (`evaluate.ts`) and the shared algorithms (`cors.ts`,
 * `safelist.ts`) call them. Sources are named next to each deviation.
 */
import type { LocalNetworkHop } from './address-space.js';
import { isLocalNetworkRequest } from './address-space.js';
import type { CorsResponseHeaders } from './cors.js';
import { asciiLowercase, listHas } from './headers.js';
import type { BrowserRequest } from './request.js';
import {
  SAFELISTED_TOTAL_MAX,
  SAFELISTED_VALUE_MAX,
  sortNames,
  isCorsSafelistedMethod,
  isCorsSafelistedLowercaseRequestHeader,
} from './safelist.js';
import type { BrowserName } from './types.js';
import type { ReasonId, WarningId } from './reasons.js';
import { parseUrl } from './url.js';
import { isOkStatus, isRedirectStatus } from './status.js';

/** A failed check: a reason-table row id and the offending value. */
export interface CheckFailure {
  id: ReasonId;
  value: string;
}

const NO_WARNINGS: readonly WarningId[] = [];

/** The behaviour of one browser where browsers differ. */
export interface BrowserProfile {
  name: BrowserName;
  /**
   * The release this profile models: the one the differential suite in
   * `npm test` last proved it against (test/browser/versions.test.ts fails
   * when the installed browser is another, until the suite has proved it).
   */
  version: string;
  /** CORS-unsafe request-header names, as this browser computes and writes them in Access-Control-Request-Headers. */
  corsUnsafeRequestHeaderNames(request: BrowserRequest): string[];
  /**
   * The CORS check (Fetch "CORS check"), with this browser's way of naming
   * failures: `requestOrigin` is the Origin the request carried, serialized
   * (`"null"` when tainted).
   */
  corsCheck(response: CorsResponseHeaders, requestOrigin: string, credentialsIncluded: boolean): CheckFailure | null;
  /**
   * Validate the server's answer to a CORS-preflight request that carried
   * `unsafeNames` in Access-Control-Request-Headers: the failure, or `null`
   * when the request may go.
   */
  checkPreflightResponse(
    request: BrowserRequest,
    response: CorsResponseHeaders,
    requestOrigin: string,
    unsafeNames: string[],
    toPageOrigin: boolean,
  ): CheckFailure | null;
  /**
   * For an answer {@link checkPreflightResponse} passed: how long this
   * browser caches the approval, in seconds, or `null` when it does not.
   */
  preflightMaxAge(request: BrowserRequest, response: CorsResponseHeaders, unsafeNames: string[]): number | null;
  /**
   * For an answer {@link checkPreflightResponse} passed: the ids of the
   * warning rows (reasons.ts WARNINGS) this browser logs while letting the
   * request through.
   */
  preflightWarnings(request: BrowserRequest, response: CorsResponseHeaders, unsafeNames: string[]): readonly WarningId[];
  /**
   * After a tainting redirect, whether the preflight still carries (and is
   * checked against) the page's origin while the request itself says `null`
   * (Firefox), or says `null` too (Chromium, the Fetch Standard).
   */
  preflightKeepsPageOrigin: boolean;
  /**
   * Whether the preflight decision and the unsafe names are those of the
   * original request for the whole redirect chain (Firefox keeps them in
   * the load info), rather than recomputed for each hop (Chromium).
   */
  keepsOriginalPreflightState: boolean;
  /**
   * Request headers (lowercase) this browser drops on any redirect to an
   * origin other than the page's (besides Authorization, which every
   * cross-origin redirect drops).
   */
  droppedOnRedirectAwayFromPage: ReadonlySet<string>;
  /**
   * How redirects are followed: `fetch`, the Fetch Standard's HTTP-redirect
   * fetch as Chromium and Firefox do it (evaluate.ts `httpRedirectFetch`);
   * `webkit`, WebKitGTK's network process (evaluate.ts `webkitRedirectFetch`:
   * its checks in its order, libsoup's method rewriting, the first request's
   * headers sent again, the refused redirect's target named in the message).
   */
  redirectModel: 'fetch' | 'webkit';
  /**
   * Local Network Access, checked before anything of a hop is sent (its
   * preflight too): the failure when this browser refuses the hop, or `null`
   * when it sends it (then the ordinary CORS checks follow).
   */
  localNetworkAccess(hop: LocalNetworkHop): CheckFailure | null;
}

/** Whether Chromium's GURL would accept the value as a URL (approximated by the WHATWG URL parser). */
function isValidUrl(value: string): boolean {
  return parseUrl(value) !== null;
}

/** A redirect the preflight would follow: a redirect status with a Location. */
function isRedirect(response: CorsResponseHeaders): boolean {
  return isRedirectStatus(response.status) && response.location !== null;
}

/** Allow-Methods matching: exact bytes, safelisted methods always, `*` only without credentials. */
function methodAllowed(method: string, methods: readonly string[], credentialsIncluded: boolean): boolean {
  if (isCorsSafelistedMethod(method) || listHas(methods, method)) return true;
  return !credentialsIncluded && listHas(methods, '*');
}

/**
 * The first unsafe header name that Allow-Headers (`allowed`, in lowercase)
 * does not allow. Both
 * browsers, by default, let `*` cover `Authorization` too (Chromium:
 * kCorsNonWildcardRequestHeadersSupport is disabled; Firefox:
 * network.cors_preflight.authorization_covered_by_wildcard is true), unlike
 * the Fetch Standard.
 */
function disallowedHeader(unsafeNames: string[], allowed: readonly string[], credentialsIncluded: boolean): string | null {
  if (!credentialsIncluded && listHas(allowed, '*')) return null;
  for (let i = 0; i < unsafeNames.length; i++) if (!listHas(allowed, unsafeNames[i] as string)) return unsafeNames[i] as string;
  return null;
}

/** Whether every name of `names` is in `list`. */
function isSubset(names: string[], list: readonly string[]): boolean {
  for (let i = 0; i < names.length; i++) if (!listHas(list, names[i] as string)) return false;
  return true;
}

/** Whether `*` is what lets Authorization through (Firefox warns that this will stop working). */
function authorizationCoveredByWildcard(unsafeNames: string[], allowed: readonly string[], credentialsIncluded: boolean): boolean {
  if (credentialsIncluded || !listHas(unsafeNames, 'authorization')) return false;
  return listHas(allowed, '*') && !listHas(allowed, 'authorization');
}

// ---------------------------------------------------------------------------
// Chromium

const DIGITS = /^[0-9]+$/;
const DECIMAL = /^[0-9]+(\.[0-9]+)?$/;

/** Chromium's extra CORS-safelisted request-headers (cors.cc IsCorsSafelistedHeader): client hints and friends. */
function isChromiumExtraSafelisted(lowerName: string, value: string): boolean {
  switch (lowerName) {
    case 'device-memory':
    case 'dpr':
    case 'downlink':
      return DECIMAL.test(value);
    case 'width':
    case 'viewport-width':
    case 'rtt':
      return DIGITS.test(value);
    case 'ect':
      return value === 'slow-2g' || value === '2g' || value === '3g' || value === '4g';
    case 'save-data':
      return asciiLowercase(value) === 'on';
    case 'intervention':
      return true;
    default:
      return false;
  }
}

/**
 * Chromium: the legacy client-hint headers, which it removes from a request
 * on every redirect to an origin other than the page's (seen in the
 * differential suite: a `Width` header with an invalid value needs a
 * preflight before such a redirect, even one to the same origin, and none
 * after it; a redirect back to the page's origin keeps it).
 */
const CHROMIUM_CLIENT_HINTS: ReadonlySet<string> = new Set([
  'device-memory',
  'downlink',
  'dpr',
  'ect',
  'rtt',
  'save-data',
  'viewport-width',
  'width',
]);

/** Chromium: forbidden request-headers it drops below the CORS layer as well (net::HttpUtil::IsSafeHeader). */
const CHROMIUM_UNSAFE_TO_SEND: ReadonlySet<string> = new Set(['user-agent']);

/** Chromium: the length of the values of the request's lines it counts as CORS-safelisted, all together (names not repeated). */
function safelistedTotal(request: BrowserRequest): number {
  const { headers, safelisted } = request;
  let total = 0;
  for (let i = 0; i < headers.length; i++) {
    if (((safelisted[i] as number) & (CHROMIUM_SAFELISTED | CHROMIUM_DROPS)) === CHROMIUM_SAFELISTED) total += (headers[i] as [string, string])[1].length;
  }
  return total;
}

/**
 * The names of the request's lines whose judgement has none of the bits of
 * `mask` (for a request whose names are not repeated), in the request's
 * order: counted first, so that the list is allocated at its size.
 */
function namesJudgedWithout(request: BrowserRequest, mask: number): string[] {
  const { headerNames, safelisted } = request;
  let count = 0;
  for (let i = 0; i < headerNames.length; i++) if (((safelisted[i] as number) & mask) === 0) count++;
  if (count === 0) return [];
  const names = new Array<string>(count);
  for (let i = 0, k = 0; k < count; i++) if (((safelisted[i] as number) & mask) === 0) names[k++] = headerNames[i] as string;
  return names;
}

/** Every distinct name of the request but those Chromium drops below the CORS layer, sorted. */
function chromiumAllNames(headerNames: string[]): string[] {
  const names: string[] = [];
  for (const name of headerNames) if (!CHROMIUM_UNSAFE_TO_SEND.has(name) && !listHas(names, name)) names.push(name);
  return sortNames(names);
}

/** Chromium: whether the combined value of a name's lines is CORS-safelisted (see {@link requestHeaderJudgement}). */
function chromiumSafelisted(lowerName: string, value: string): boolean {
  return value.length <= SAFELISTED_VALUE_MAX && (isCorsSafelistedLowercaseRequestHeader(lowerName, value) || isChromiumExtraSafelisted(lowerName, value));
}

/** Chromium: `services/network/public/cpp/cors/cors.cc` and `services/network/cors/`. */
export const CHROMIUM: BrowserProfile = {
  name: 'chromium',
  version: '156',
  corsUnsafeRequestHeaderNames(request) {
    const { headers, headerNames, safelisted, repeatedNames } = request;
    if (headers.length === 0) return [];
    // The usual request: no name on two lines, the safelisted values under the total.
    if (!repeatedNames && safelistedTotal(request) <= SAFELISTED_TOTAL_MAX) {
      return sortNames(namesJudgedWithout(request, CHROMIUM_SAFELISTED | CHROMIUM_DROPS));
    }
    const unsafe: string[] = [];
    let total = 0;
    for (let i = 0; i < headers.length; i++) {
      const judgement = safelisted[i] as number;
      if ((judgement & CHROMIUM_DROPS) !== 0) continue;
      const name = headerNames[i] as string;
      let value = (headers[i] as [string, string])[1];
      let ok = (judgement & CHROMIUM_SAFELISTED) !== 0;
      if (repeatedNames) {
        // Blink keeps one entry per name, the values combined: judge each name once, at its first line.
        if (i > 0 && headerNames.indexOf(name) !== i) continue;
        for (let j = headerNames.indexOf(name, i + 1); j !== -1; j = headerNames.indexOf(name, j + 1)) {
          value = `${value}, ${(headers[j] as [string, string])[1]}`;
          ok = chromiumSafelisted(name, value);
        }
      }
      if (ok) total += value.length;
      else unsafe.push(name);
    }
    // Over the total, the safelisted names count as unsafe too: every name judged (unsafe or not).
    if (total > SAFELISTED_TOTAL_MAX) return chromiumAllNames(headerNames);
    return sortNames(unsafe);
  },
  corsCheck(response, requestOrigin, credentialsIncluded) {
    const allowOrigin = response.allowOrigin;
    if (allowOrigin === '*') {
      return credentialsIncluded ? { id: 'wildcard-with-credentials', value: '' } : null;
    }
    if (allowOrigin === null) return { id: 'missing-allow-origin', value: '' };
    if (allowOrigin !== requestOrigin) {
      if (allowOrigin.includes(' ') || allowOrigin.includes(',')) {
        return { id: 'multiple-allow-origin', value: allowOrigin };
      }
      if (allowOrigin !== 'null' && !isValidUrl(allowOrigin)) return { id: 'invalid-allow-origin', value: allowOrigin };
      return { id: 'allow-origin-mismatch', value: allowOrigin };
    }
    if (credentialsIncluded && response.allowCredentials !== 'true') {
      return { id: 'missing-allow-credentials', value: response.allowCredentials ?? '' };
    }
    return null;
  },
  checkPreflightResponse(request, response, requestOrigin, unsafeNames) {
    // preflight_controller.cc: a followed redirect fails first, then the
    // access check, then the status, then parsing, then matching.
    if (isRedirect(response)) return { id: 'preflight-redirect', value: '' };
    const credentialsIncluded = request.credentials === 'include';
    const access = this.corsCheck(response, requestOrigin, credentialsIncluded);
    if (access) return access;
    if (!isOkStatus(response.status)) return { id: 'preflight-status', value: '' };
    const methods = response.methods();
    if ('invalid' in methods) return { id: 'invalid-allow-methods', value: '' };
    if ('invalid' in response.headers()) return { id: 'invalid-allow-headers', value: '' };
    if (!methodAllowed(request.method, methods.items, credentialsIncluded)) {
      return { id: 'method-not-allowed', value: request.method };
    }
    const header = disallowedHeader(unsafeNames, response.allowedHeaderNames(), credentialsIncluded);
    if (header !== null) return { id: 'header-not-allowed', value: header };
    return null;
  },
  preflightMaxAge(_request, response) {
    return chromiumMaxAge(response.maxAge);
  },
  preflightWarnings() {
    return NO_WARNINGS;
  },
  preflightKeepsPageOrigin: false,
  keepsOriginalPreflightState: false,
  droppedOnRedirectAwayFromPage: CHROMIUM_CLIENT_HINTS,
  redirectModel: 'fetch',
  // Local Network Access (Chromium 142+, on by default in 156; seen with --ip-address-space-overrides): a
  // public page reaching a loopback or LAN server needs the loopback-network / local-network permission; without
  // it nothing is sent (no preflight either: no Private-Network header exists any more). A non-secure page cannot
  // be granted it at all (InsecureLocalNetwork). Headless refuses an unanswered prompt at once.
  localNetworkAccess(hop) {
    if (!isLocalNetworkRequest(hop.page, hop.target)) return null;
    if (!hop.secureContext) return { id: 'insecure-local-network', value: hop.target };
    return hop.permission === 'granted' ? null : { id: 'local-network-permission-denied', value: hop.target };
  },
};

/** Whether `value` from `start` is 1 to `max` ASCII digits and nothing else. */
function isDigitsFrom(value: string, start: number, max: number): boolean {
  const n = value.length - start;
  if (n < 1 || n > max) return false;
  for (let i = start; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** preflight_result.cc ParseAccessControlMaxAge: 5 s default or unparsable, negative is 0, capped at 7200 s. */
function chromiumMaxAge(value: string | null): number {
  // [+-]? followed by 1 to 18 digits.
  const sign = value === null ? 0 : value.charCodeAt(0);
  if (value === null || !isDigitsFrom(value, sign === 0x2b || sign === 0x2d ? 1 : 0, 18)) return 5;
  const n = Number(value);
  return n < 0 ? 0 : Math.min(n, 7200);
}

// ---------------------------------------------------------------------------
// Firefox

/**
 * Firefox: a CORS-safelisted request-header (`fetchSafelisted`, the Fetch
 * Standard's judgement of the line), except that the CORS-unsafe byte check
 * reads bytes as signed chars, so every byte from 0x80 up counts as unsafe in
 * Accept and Content-Type.
 */
function firefoxSafelisted(lowerName: string, value: string, fetchSafelisted: boolean): boolean {
  if (!fetchSafelisted) return false;
  if (lowerName === 'accept' || lowerName === 'content-type') {
    for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) >= 0x80) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------
// Both

/** {@link requestHeaderJudgement}: Chromium counts the line as CORS-safelisted (if its name is on no other line). */
export const CHROMIUM_SAFELISTED = 1;
/** {@link requestHeaderJudgement}: Firefox counts the line as CORS-safelisted. */
export const FIREFOX_SAFELISTED = 2;
/** {@link requestHeaderJudgement}: Chromium drops the line below the CORS layer (neither safelisted nor unsafe). */
export const CHROMIUM_DROPS = 4;
/** {@link requestHeaderJudgement}: WebKit counts the line as CORS-safelisted (the Fetch Standard's judgement of the line). */
export const WEBKIT_SAFELISTED = 8;

/**
 * What each browser makes of a request-header line (name in lowercase,
 * value normalized), judged on its own, as bits: {@link CHROMIUM_SAFELISTED}
 * (a value of at most 128 bytes, CORS-safelisted by the Fetch Standard or by
 * Chromium's extra list), {@link FIREFOX_SAFELISTED},
 * {@link CHROMIUM_DROPS}, {@link WEBKIT_SAFELISTED}. The request computes it
 * once per line for every browser's CORS-unsafe request-header names.
 */
export function requestHeaderJudgement(lowerName: string, value: string): number {
  const fetchSafelisted = isCorsSafelistedLowercaseRequestHeader(lowerName, value);
  let judgement = 0;
  if (fetchSafelisted || (value.length <= SAFELISTED_VALUE_MAX && isChromiumExtraSafelisted(lowerName, value))) judgement |= CHROMIUM_SAFELISTED;
  if (firefoxSafelisted(lowerName, value, fetchSafelisted)) judgement |= FIREFOX_SAFELISTED;
  if (CHROMIUM_UNSAFE_TO_SEND.has(lowerName)) judgement |= CHROMIUM_DROPS;
  if (fetchSafelisted) judgement |= WEBKIT_SAFELISTED;
  return judgement;
}

/** Firefox: `netwerk/protocol/http/nsCORSListenerProxy.cpp`. */
export const FIREFOX: BrowserProfile = {
  name: 'firefox',
  version: '153 ESR',
  corsUnsafeRequestHeaderNames(request) {
    // Each header entry judged on its own; no 1024-byte total.
    const { headerNames, safelisted } = request;
    if (!request.repeatedNames) return sortNames(namesJudgedWithout(request, FIREFOX_SAFELISTED));
    const unsafe: string[] = [];
    for (let i = 0; i < headerNames.length; i++) {
      if (((safelisted[i] as number) & FIREFOX_SAFELISTED) !== 0) continue;
      const name = headerNames[i] as string;
      if (!listHas(unsafe, name)) unsafe.push(name);
    }
    return sortNames(unsafe);
  },
  corsCheck(response, requestOrigin, credentialsIncluded) {
    // The duplicate check counts header lines spelled exactly so (case-sensitive).
    if (response.allowOriginLines > 1) return { id: 'multiple-allow-origin', value: '' };
    const allowOrigin = response.allowOrigin;
    if (allowOrigin === null) return { id: 'missing-allow-origin', value: '' };
    if (credentialsIncluded && allowOrigin === '*') return { id: 'wildcard-with-credentials', value: '' };
    if (allowOrigin !== '*' && allowOrigin !== requestOrigin) return { id: 'allow-origin-mismatch', value: allowOrigin };
    if (credentialsIncluded && response.allowCredentials !== 'true') {
      return { id: 'missing-allow-credentials', value: response.allowCredentials ?? '' };
    }
    return null;
  },
  checkPreflightResponse(request, response, requestOrigin, unsafeNames, toPageOrigin) {
    // The preflight channel's own CORS listener checks access first (also on
    // a 3xx), then the preflight listener refuses a redirect, then checks the
    // status, then Allow-Methods (parse and match), then Allow-Headers. The
    // access check only runs for a cross-origin URL: a preflight sent to the
    // page's own origin (a tainted chain redirected back to it) is judged by
    // its status, methods and headers alone.
    const credentialsIncluded = request.credentials === 'include';
    const access = toPageOrigin ? null : this.corsCheck(response, requestOrigin, credentialsIncluded);
    if (access) return access;
    if (isRedirect(response)) return { id: 'external-redirect-not-allowed', value: '' };
    if (!isOkStatus(response.status)) return { id: 'preflight-status', value: '' };
    const methods = response.methods();
    if ('invalid' in methods) return { id: 'invalid-allow-methods', value: methods.invalid };
    if (!methodAllowed(request.method, methods.items, credentialsIncluded)) {
      return { id: 'method-not-allowed', value: request.method };
    }
    const allowedHeaders = response.headers();
    if ('invalid' in allowedHeaders) return { id: 'invalid-allow-headers', value: allowedHeaders.invalid };
    const header = disallowedHeader(unsafeNames, response.allowedHeaderNames(), credentialsIncluded);
    if (header !== null) return { id: 'header-not-allowed', value: header };
    return null;
  },
  preflightMaxAge(request, response, unsafeNames) {
    // The cache stores the tokens as sent and matches the method and every
    // header name against them: an approval that rests on '*' is never reused.
    const { method } = request;
    const methods = response.methods();
    const methodListed = method === 'GET' || method === 'POST' || ('items' in methods && listHas(methods.items, method));
    const reusable = methodListed && isSubset(unsafeNames, response.allowedHeaderNames());
    return reusable ? firefoxMaxAge(response.maxAge) : null;
  },
  preflightWarnings(request, response, unsafeNames) {
    const credentialsIncluded = request.credentials === 'include';
    return authorizationCoveredByWildcard(unsafeNames, response.allowedHeaderNames(), credentialsIncluded) ? ['authorization-covered-by-wildcard'] : NO_WARNINGS;
  },
  preflightKeepsPageOrigin: true,
  keepsOriginalPreflightState: true,
  droppedOnRedirectAwayFromPage: new Set(),
  redirectModel: 'fetch',
  // Local Network Access is on by default in Firefox 153 (network.lna.blocking): seen with the
  // network.lna.address_space.*.override prefs. A public page reaching a loopback or LAN server waits for the
  // loopback-network / local-network permission: denied fails at once with "CORS request did not succeed",
  // nothing sent (seen); granted sends it (seen); unanswered holds the request (seen; that it then fails as
  // denied, when the prompt times out or is dismissed, is read from Firefox's source: the channel cancelled
  // while waiting denies the permission). A non-secure page is asked as a secure one (seen: held).
  localNetworkAccess(hop) {
    if (!isLocalNetworkRequest(hop.page, hop.target) || hop.permission === 'granted') return null;
    return { id: 'local-network-permission-denied', value: hop.target };
  },
};

/** nsCORSListenerProxy.cpp AddResultToCache: digits only (else not cached), 5 s default, capped at 86400 s; 0 is not cached. */
function firefoxMaxAge(value: string | null): number | null {
  if (value === null || value === '') return 5;
  if (!isDigitsFrom(value, 0, value.length)) return null;
  const n = Math.min(Number(value), 86400);
  return n === 0 ? null : n;
}

// ---------------------------------------------------------------------------
// WebKit

/**
 * WebKit: the request-header names WebCore knows by name (HTTPHeaderNames.in,
 * its `HTTPHeaderName` enum), as it spells them. A request's header map keeps
 * these apart from every other name: it lists them first, spelled so, when it
 * names a header not allowed by the preflight (only Accept, Accept-Language,
 * Content-Language, Content-Type and Range can be CORS-safelisted at all).
 */
const WEBKIT_KNOWN_NAMES: ReadonlyMap<string, string> = new Map(
  (
    'Accept Accept-Charset Accept-Language Accept-Encoding Accept-Ranges Access-Control-Allow-Credentials ' +
    'Access-Control-Allow-Headers Access-Control-Allow-Methods Access-Control-Allow-Origin Access-Control-Expose-Headers ' +
    'Access-Control-Max-Age Access-Control-Request-Headers Access-Control-Request-Method Age Authorization Cache-Control ' +
    'Clear-Site-Data Connection Content-Disposition Content-Encoding Content-Language Content-Length Content-Location ' +
    'Content-Security-Policy Content-Security-Policy-Report-Only Content-Type Content-Range Cookie Cookie2 ' +
    'Cross-Origin-Embedder-Policy Cross-Origin-Embedder-Policy-Report-Only Cross-Origin-Opener-Policy ' +
    'Cross-Origin-Opener-Policy-Report-Only Cross-Origin-Resource-Policy Date DNT Default-Style ETag Expect Expires Host ' +
    'If-Match If-Modified-Since If-None-Match If-Range If-Unmodified-Since Keep-Alive Last-Event-ID Last-Modified Link ' +
    'Location Origin Ping-From Ping-To Purpose Pragma Proxy-Authorization Range Referer Referrer-Policy Refresh Report-To ' +
    'Reporting-Endpoints Sec-Fetch-Dest Sec-Fetch-Mode Sec-Fetch-Site Sec-WebSocket-Accept Sec-WebSocket-Extensions ' +
    'Sec-WebSocket-Key Sec-WebSocket-Protocol Sec-WebSocket-Version Server-Timing Service-Worker Service-Worker-Allowed ' +
    'Service-Worker-Navigation-Preload Set-Cookie Set-Cookie2 SourceMap TE Timing-Allow-Origin Trailer Transfer-Encoding ' +
    'Upgrade Upgrade-Insecure-Requests User-Agent Vary Via X-Content-Type-Options X-DNS-Prefetch-Control X-Frame-Options ' +
    'X-SourceMap X-XSS-Protection X-Temp-Tablet Icy-MetaInt Icy-Metadata'
  )
    .split(' ')
    .map((name) => [asciiLowercase(name), name]),
);

/**
 * WebKit: the first request-header name the preflight's Allow-Headers
 * (`allowed`, lowercase) does not allow, as WebKit names it
 * (CrossOriginPreflightResultCacheItem::validateCrossOriginHeaders walks the
 * request's header map). Seen in real WebKit: the map lists the names WebCore
 * knows ({@link WEBKIT_KNOWN_NAMES}, spelled its way) before all others; a
 * fetch() request's names come sorted and in lowercase (its Headers object's
 * order), an XMLHttpRequest's in the order script set them, spelled as script
 * first wrote them. `*` covers every name, Authorization too, without
 * credentials.
 */
function webkitDisallowedHeader(request: BrowserRequest, unsafeNames: string[], allowed: readonly string[], credentialsIncluded: boolean): string | null {
  if (!credentialsIncluded && listHas(allowed, '*')) return null;
  const refused: string[] = [];
  for (let i = 0; i < unsafeNames.length; i++) if (!listHas(allowed, unsafeNames[i] as string)) refused.push(unsafeNames[i] as string);
  if (refused.length === 0) return null;
  const { headers, headerNames } = request;
  // unsafeNames is sorted: a fetch() request's map order within each group.
  const order = request.initiator === 'xhr' ? headerNames.filter((n, i) => headerNames.indexOf(n) === i) : unsafeNames;
  const first = order.find((n) => WEBKIT_KNOWN_NAMES.has(n) && listHas(refused, n)) ?? order.find((n) => listHas(refused, n)) ?? (refused[0] as string);
  const known = WEBKIT_KNOWN_NAMES.get(first);
  if (known !== undefined) return known;
  return request.initiator === 'xhr' ? (headers[headerNames.indexOf(first)] as [string, string])[0] : first;
}

/**
 * WebKit: CrossOriginPreflightResultCache.cpp: Access-Control-Max-Age read as
 * a 64-bit integer (optional sign; not one: the 5 s default), capped at 600 s;
 * 0 or less is not reused. The cap is WebKit's source (600 s, "short enough
 * to minimize the risk of using a poisoned cache"); the suite sees reuse
 * within seconds and none for 0 or -1.
 */
function webkitMaxAge(value: string | null): number {
  if (value === null || !/^[+-]?[0-9]{1,18}$/.test(value)) return 5;
  const n = Number(value);
  return n <= 0 ? 0 : Math.min(n, 600);
}

/**
 * WebKit (WebKitGTK 2.50: WebCore's CrossOriginAccessControl.cpp and
 * CrossOriginPreflightResultCache.cpp, the network process's
 * NetworkLoadChecker, libsoup's redirects), as the differential suite sees it
 * in real WebKitGTK (test/browser/differential-webkit.test.ts).
 */
export const WEBKIT: BrowserProfile = {
  name: 'webkit',
  version: '2.50.6',
  corsUnsafeRequestHeaderNames(request) {
    // Seen: only the Fetch Standard's names are safelisted (client hints are not, unlike Chromium), each
    // value judged on its own with no 1,024-byte total (unlike Chromium), bytes from 0x80 up allowed in
    // Accept and Content-Type (unlike Firefox); a User-Agent script sets is sent, and listed.
    const { headers, headerNames, safelisted } = request;
    if (!request.repeatedNames) return sortNames(namesJudgedWithout(request, WEBKIT_SAFELISTED));
    // Headers#append: WebKit's header map keeps one entry per name, the values combined.
    const unsafe: string[] = [];
    for (let i = 0; i < headerNames.length; i++) {
      const name = headerNames[i] as string;
      if (headerNames.indexOf(name) !== i || listHas(unsafe, name)) continue;
      let value = (headers[i] as [string, string])[1];
      let ok = ((safelisted[i] as number) & WEBKIT_SAFELISTED) !== 0;
      for (let j = headerNames.indexOf(name, i + 1); j !== -1; j = headerNames.indexOf(name, j + 1)) {
        value = `${value}, ${(headers[j] as [string, string])[1]}`;
        ok = isCorsSafelistedLowercaseRequestHeader(name, value);
      }
      if (!ok) unsafe.push(name);
    }
    return sortNames(unsafe);
  },
  corsCheck(response, requestOrigin, credentialsIncluded) {
    // passesAccessControlCheck: the combined value compared whole. Seen: a missing, mismatched or invalid
    // value give the same message (so the engine names a missing header apart only by its id); two lines
    // or a comma list say "more than one origin".
    const allowOrigin = response.allowOrigin;
    if (allowOrigin === '*' && !credentialsIncluded) return null;
    if (allowOrigin !== requestOrigin) {
      if (allowOrigin === '*') return { id: 'wildcard-with-credentials', value: '' };
      if (allowOrigin === null) return { id: 'missing-allow-origin', value: '' };
      if (allowOrigin.includes(',')) return { id: 'multiple-allow-origin', value: allowOrigin };
      return { id: 'allow-origin-mismatch', value: allowOrigin };
    }
    if (credentialsIncluded && response.allowCredentials !== 'true') {
      return { id: 'missing-allow-credentials', value: response.allowCredentials ?? '' };
    }
    return null;
  },
  checkPreflightResponse(request, response, requestOrigin, unsafeNames) {
    // validatePreflightResponse: seen, the status first (a redirected preflight, or a 401 without CORS
    // headers, is "not successful"), then the access check, then parsing Allow-Methods and Allow-Headers,
    // then matching the method and the headers.
    if (!isOkStatus(response.status)) return { id: 'preflight-status', value: '' };
    const credentialsIncluded = request.credentials === 'include';
    const access = this.corsCheck(response, requestOrigin, credentialsIncluded);
    if (access) return access;
    const methods = response.methods();
    if ('invalid' in methods) return { id: 'invalid-allow-methods', value: response.allowMethods ?? '' };
    if ('invalid' in response.headers()) return { id: 'invalid-allow-headers', value: response.allowHeaders ?? '' };
    if (!methodAllowed(request.method, methods.items, credentialsIncluded)) return { id: 'method-not-allowed', value: request.method };
    const header = webkitDisallowedHeader(request, unsafeNames, response.allowedHeaderNames(), credentialsIncluded);
    if (header !== null) return { id: 'header-not-allowed', value: header };
    return null;
  },
  preflightMaxAge(_request, response) {
    return webkitMaxAge(response.maxAge);
  },
  preflightWarnings() {
    return NO_WARNINGS;
  },
  // Seen: after a tainting redirect the preflight says Origin: null, as the request does.
  preflightKeepsPageOrigin: false,
  // NetworkLoadChecker: the preflight's Access-Control-Request-Headers and its decision read the headers of
  // the request script made (m_originalRequestHeaders), and once a request was preflighted every later
  // cross-origin hop is (seen: PUT, then 303, then `GET` preflighted with Origin: null and no headers).
  keepsOriginalPreflightState: true,
  droppedOnRedirectAwayFromPage: new Set(),
  redirectModel: 'webkit',
  // No Local Network Access: WebKitGTK 2.50's LocalNetworkAccess feature is off by default (`MiniBrowser
  // --features=help` lists it as '- LocalNetworkAccess (unstable)'). Source-derived: this machine cannot make
  // a WebKit page public, so no WebKit run backs it.
  localNetworkAccess() {
    return null;
  },
};

/** The profiles of the verdict's browsers, by name: Chromium, Firefox and WebKit. */
export const BROWSERS: Readonly<Record<BrowserName, BrowserProfile>> = { chromium: CHROMIUM, firefox: FIREFOX, webkit: WEBKIT };

/** @deprecated The same as {@link BROWSERS} (from when WebKit was not yet in the verdict). */
export const ENGINE_BROWSERS = BROWSERS;

/** The verdict's browsers, in the order the verdict reports and the headline follows them. */
export const BROWSER_NAMES: readonly BrowserName[] = ['chromium', 'firefox', 'webkit'];

/** The browser releases the engine models, by name (each profile's `version`). */
export const MODELED_VERSIONS: Readonly<Record<BrowserName, string>> = { chromium: CHROMIUM.version, firefox: FIREFOX.version, webkit: WEBKIT.version };
