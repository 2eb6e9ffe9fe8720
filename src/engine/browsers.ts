/**
 * Where Chromium and Firefox differ from each other and from the Fetch
 * Standard. Each profile is a set of small functions; the walk through the
 * protocol (`evaluate.ts`) and the shared algorithms (`cors.ts`,
 * `safelist.ts`) call them. Sources are named next to each deviation.
 */
import { parseAllowList } from './cors.js';
import { asciiLowercase, get } from './headers.js';
import type { BrowserRequest } from './request.js';
import {
  SAFELISTED_TOTAL_MAX,
  SAFELISTED_VALUE_MAX,
  byteCompare,
  isCorsSafelistedMethod,
  isCorsSafelistedRequestHeader,
} from './safelist.js';
import type { BrowserName, HeaderList, ScenarioResponse } from './types.js';
import type { ReasonId, WarningId } from './reasons.js';
import { parseUrl } from './url.js';
import { isOkStatus, isRedirectStatus } from './status.js';

/** A failed check: a reason-table row id and the offending value. */
export interface CheckFailure {
  id: ReasonId;
  value: string;
}

/** The inputs of a CORS check. */
export interface CorsCheckInput {
  headers: HeaderList;
  /** The Origin the request carried, serialized (`"null"` when tainted). */
  requestOrigin: string;
  credentialsIncluded: boolean;
}

/** The outcome of validating a CORS-preflight response. */
export type PreflightOutcome =
  | { failure: CheckFailure }
  | {
      failure: null;
      maxAge: number | null;
      /** Ids of warning rows (reasons.ts WARNINGS) the browser logs while letting the request through. */
      warnings: WarningId[];
    };

/** The behaviour of one browser where browsers differ. */
export interface BrowserProfile {
  name: BrowserName;
  /** CORS-unsafe request-header names, as this browser computes and writes them in Access-Control-Request-Headers. */
  corsUnsafeRequestHeaderNames(request: BrowserRequest): string[];
  /** The CORS check (Fetch "CORS check"), with this browser's way of naming failures. */
  corsCheck(input: CorsCheckInput): CheckFailure | null;
  /**
   * Validate the server's answer to a CORS-preflight request that carried
   * `unsafeNames` in Access-Control-Request-Headers.
   */
  checkPreflightResponse(
    request: BrowserRequest,
    response: ScenarioResponse,
    requestOrigin: string,
    unsafeNames: string[],
    toPageOrigin: boolean,
  ): PreflightOutcome;
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
}

/** Whether Chromium's GURL would accept the value as a URL (approximated by the WHATWG URL parser). */
function isValidUrl(value: string): boolean {
  return parseUrl(value) !== null;
}

function hasLocation(response: ScenarioResponse): boolean {
  return get(response.headers, 'location') !== null;
}

/** Allow-Methods matching: exact bytes, safelisted methods always, `*` only without credentials. */
function methodAllowed(method: string, methods: string[], credentialsIncluded: boolean): boolean {
  if (isCorsSafelistedMethod(method) || methods.includes(method)) return true;
  return !credentialsIncluded && methods.includes('*');
}

/**
 * The first unsafe header name that Allow-Headers does not allow. Both
 * browsers, by default, let `*` cover `Authorization` too (Chromium:
 * kCorsNonWildcardRequestHeadersSupport is disabled; Firefox:
 * network.cors_preflight.authorization_covered_by_wildcard is true), unlike
 * the Fetch Standard.
 */
function disallowedHeader(unsafeNames: string[], allowed: string[], credentialsIncluded: boolean): string | null {
  const lower = new Set(allowed.map(asciiLowercase));
  if (!credentialsIncluded && lower.has('*')) return null;
  for (const name of unsafeNames) if (!lower.has(name)) return name;
  return null;
}

/** Whether `*` is what lets Authorization through (Firefox warns that this will stop working). */
function authorizationCoveredByWildcard(unsafeNames: string[], allowed: string[], credentialsIncluded: boolean): boolean {
  if (credentialsIncluded || !unsafeNames.includes('authorization')) return false;
  const lower = allowed.map(asciiLowercase);
  return lower.includes('*') && !lower.includes('authorization');
}

// ---------------------------------------------------------------------------
// Chromium

/** Chromium's extra CORS-safelisted request-headers (cors.cc IsCorsSafelistedHeader): client hints and friends. */
function isChromiumExtraSafelisted(lowerName: string, value: string): boolean {
  switch (lowerName) {
    case 'device-memory':
    case 'dpr':
    case 'downlink':
      return /^[0-9]+(\.[0-9]+)?$/.test(value);
    case 'width':
    case 'viewport-width':
    case 'rtt':
      return /^[0-9]+$/.test(value);
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

/** Chromium: `services/network/public/cpp/cors/cors.cc` and `services/network/cors/`. */
export const CHROMIUM: BrowserProfile = {
  name: 'chromium',
  corsUnsafeRequestHeaderNames(request) {
    // Blink keeps one entry per name (values combined), so names are unique.
    const combined = new Map<string, string>();
    for (const [n, v] of request.headers) {
      const lower = asciiLowercase(n);
      const prev = combined.get(lower);
      combined.set(lower, prev === undefined ? v : `${prev}, ${v}`);
    }
    const unsafe: string[] = [];
    const safelisted: string[] = [];
    let total = 0;
    for (const [name, value] of combined) {
      if (CHROMIUM_UNSAFE_TO_SEND.has(name)) continue;
      const ok =
        value.length <= SAFELISTED_VALUE_MAX &&
        (isCorsSafelistedRequestHeader(name, value) || isChromiumExtraSafelisted(name, value));
      if (ok) {
        safelisted.push(name);
        total += value.length;
      } else {
        unsafe.push(name);
      }
    }
    if (total > SAFELISTED_TOTAL_MAX) unsafe.push(...safelisted);
    return unsafe.sort(byteCompare);
  },
  corsCheck({ headers, requestOrigin, credentialsIncluded }) {
    const allowOrigin = get(headers, 'access-control-allow-origin');
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
    if (credentialsIncluded) {
      const allowCredentials = get(headers, 'access-control-allow-credentials');
      if (allowCredentials !== 'true') return { id: 'missing-allow-credentials', value: allowCredentials ?? '' };
    }
    return null;
  },
  checkPreflightResponse(request, response, requestOrigin, unsafeNames) {
    // preflight_controller.cc: a followed redirect fails first, then the
    // access check, then the status, then parsing, then matching.
    if (isRedirectStatus(response.status) && hasLocation(response)) {
      return { failure: { id: 'preflight-redirect', value: '' } };
    }
    const credentialsIncluded = request.credentials === 'include';
    const access = this.corsCheck({ headers: response.headers, requestOrigin, credentialsIncluded });
    if (access) return { failure: access };
    if (!isOkStatus(response.status)) return { failure: { id: 'preflight-status', value: '' } };
    const methods = parseAllowList(response.headers, 'access-control-allow-methods');
    if ('invalid' in methods) return { failure: { id: 'invalid-allow-methods', value: '' } };
    const allowedHeaders = parseAllowList(response.headers, 'access-control-allow-headers');
    if ('invalid' in allowedHeaders) return { failure: { id: 'invalid-allow-headers', value: '' } };
    if (!methodAllowed(request.method, methods.items, credentialsIncluded)) {
      return { failure: { id: 'method-not-allowed', value: request.method } };
    }
    const header = disallowedHeader(unsafeNames, allowedHeaders.items, credentialsIncluded);
    if (header !== null) return { failure: { id: 'header-not-allowed', value: header } };
    return { failure: null, maxAge: chromiumMaxAge(response.headers), warnings: [] };
  },
  preflightKeepsPageOrigin: false,
  keepsOriginalPreflightState: false,
  droppedOnRedirectAwayFromPage: CHROMIUM_CLIENT_HINTS,
};

/** preflight_result.cc ParseAccessControlMaxAge: 5 s default or unparsable, negative is 0, capped at 7200 s. */
function chromiumMaxAge(headers: HeaderList): number {
  const value = get(headers, 'access-control-max-age');
  if (value === null || !/^[+-]?[0-9]{1,18}$/.test(value)) return 5;
  const n = Number(value);
  return n < 0 ? 0 : Math.min(n, 7200);
}

// ---------------------------------------------------------------------------
// Firefox

/**
 * Firefox: the CORS-unsafe byte check reads bytes as signed chars, so every
 * byte from 0x80 up counts as unsafe in Accept and Content-Type.
 */
function firefoxSafelisted(lowerName: string, value: string): boolean {
  if (value.length > SAFELISTED_VALUE_MAX) return false;
  if (lowerName === 'accept' || lowerName === 'content-type') {
    for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) >= 0x80) return false;
  }
  return isCorsSafelistedRequestHeader(lowerName, value);
}

/** Firefox: `netwerk/protocol/http/nsCORSListenerProxy.cpp`. */
export const FIREFOX: BrowserProfile = {
  name: 'firefox',
  corsUnsafeRequestHeaderNames(request) {
    // Each header entry judged on its own; no 1024-byte total.
    const unsafe: string[] = [];
    for (const [n, v] of request.headers) {
      const lower = asciiLowercase(n);
      if (!firefoxSafelisted(lower, v) && !unsafe.includes(lower)) unsafe.push(lower);
    }
    return unsafe.sort(byteCompare);
  },
  corsCheck({ headers, requestOrigin, credentialsIncluded }) {
    // The duplicate check counts header lines spelled exactly so (case-sensitive).
    let lines = 0;
    for (const [n] of headers) if (n === 'Access-Control-Allow-Origin') lines++;
    if (lines > 1) return { id: 'multiple-allow-origin', value: '' };
    const allowOrigin = get(headers, 'access-control-allow-origin');
    if (allowOrigin === null) return { id: 'missing-allow-origin', value: '' };
    if (credentialsIncluded && allowOrigin === '*') return { id: 'wildcard-with-credentials', value: '' };
    if (allowOrigin !== '*' && allowOrigin !== requestOrigin) return { id: 'allow-origin-mismatch', value: allowOrigin };
    if (credentialsIncluded) {
      const allowCredentials = get(headers, 'access-control-allow-credentials');
      if (allowCredentials !== 'true') return { id: 'missing-allow-credentials', value: allowCredentials ?? '' };
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
    const access = toPageOrigin ? null : this.corsCheck({ headers: response.headers, requestOrigin, credentialsIncluded });
    if (access) return { failure: access };
    if (isRedirectStatus(response.status) && hasLocation(response)) {
      return { failure: { id: 'external-redirect-not-allowed', value: '' } };
    }
    if (!isOkStatus(response.status)) return { failure: { id: 'preflight-status', value: '' } };
    const methods = parseAllowList(response.headers, 'access-control-allow-methods');
    if ('invalid' in methods) return { failure: { id: 'invalid-allow-methods', value: methods.invalid } };
    if (!methodAllowed(request.method, methods.items, credentialsIncluded)) {
      return { failure: { id: 'method-not-allowed', value: request.method } };
    }
    const allowedHeaders = parseAllowList(response.headers, 'access-control-allow-headers');
    if ('invalid' in allowedHeaders) return { failure: { id: 'invalid-allow-headers', value: allowedHeaders.invalid } };
    const header = disallowedHeader(unsafeNames, allowedHeaders.items, credentialsIncluded);
    if (header !== null) return { failure: { id: 'header-not-allowed', value: header } };
    const warnings: WarningId[] = authorizationCoveredByWildcard(unsafeNames, allowedHeaders.items, credentialsIncluded)
      ? ['authorization-covered-by-wildcard']
      : [];
    // The cache stores the tokens as sent and matches the method and every
    // header name against them: an approval that rests on '*' is never reused.
    const listed = allowedHeaders.items.map(asciiLowercase);
    const reusable =
      (request.method === 'GET' || request.method === 'POST' || methods.items.includes(request.method)) &&
      unsafeNames.every((n) => listed.includes(n));
    return { failure: null, maxAge: reusable ? firefoxMaxAge(response.headers) : null, warnings };
  },
  preflightKeepsPageOrigin: true,
  keepsOriginalPreflightState: true,
  droppedOnRedirectAwayFromPage: new Set(),
};

/** nsCORSListenerProxy.cpp AddResultToCache: digits only (else not cached), 5 s default, capped at 86400 s; 0 is not cached. */
function firefoxMaxAge(headers: HeaderList): number | null {
  const value = get(headers, 'access-control-max-age');
  if (value === null || value === '') return 5;
  if (!/^[0-9]+$/.test(value)) return null;
  const n = Math.min(Number(value), 86400);
  return n === 0 ? null : n;
}

/** The profiles, by name. */
export const BROWSERS: Readonly<Record<BrowserName, BrowserProfile>> = { chromium: CHROMIUM, firefox: FIREFOX };
