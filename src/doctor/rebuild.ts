/**
 * Rebuilding the request script made from what DevTools kept of it. When a
 * preflight fails, the browser never sends the request itself: Chromium's
 * DevTools then keeps only its provisional headers (no Origin, often no
 * Content-Type) and both browsers record no response. The preflight still
 * names the method and the CORS-unsafe header names, and carries the Origin.
 */
import { get, splitList } from '../engine/headers.js';
import { isCorsSafelistedRequestHeader } from '../engine/safelist.js';
import type { HeaderList } from '../engine/types.js';

/** Values tried, in order, for a header whose real value DevTools did not keep. */
const UNSAFE_CANDIDATES = ['application/x-corsproof-unknown', 'corsproof unknown value', '\u0001'];

/**
 * A value the engine treats as CORS-unsafe for `name`: the preflight listed
 * the name in Access-Control-Request-Headers, so its real value was unsafe;
 * its exact text no longer matters to any CORS rule.
 */
export function unsafeValueFor(name: string): string {
  for (const v of UNSAFE_CANDIDATES) if (!isCorsSafelistedRequestHeader(name, v)) return v;
  return UNSAFE_CANDIDATES[UNSAFE_CANDIDATES.length - 1] as string;
}

/** Whether a request is a CORS-preflight request: OPTIONS with Access-Control-Request-Method. */
export function isPreflightRequest(method: string, headers: HeaderList): boolean {
  return method.toUpperCase() === 'OPTIONS' && get(headers, 'access-control-request-method') !== null;
}

/** What a preflight says about the request it precedes. */
export interface PreflightClaims {
  method: string;
  origin: string | null;
  /** Lowercase names from Access-Control-Request-Headers. */
  headerNames: string[];
}

/** Read a preflight's Access-Control-Request-Method, -Headers and Origin. */
export function preflightClaims(headers: HeaderList): PreflightClaims {
  return {
    method: get(headers, 'access-control-request-method') ?? 'GET',
    origin: get(headers, 'origin'),
    headerNames: splitList(get(headers, 'access-control-request-headers') ?? '').map((n) => n.toLowerCase()).filter((n) => n !== ''),
  };
}

/**
 * `headers` completed with every name the preflight listed that they lack
 * (with an unsafe placeholder value). Returns the names added.
 */
export function completeFromPreflight(headers: HeaderList, claims: PreflightClaims): { headers: HeaderList; added: string[] } {
  const have = new Set(headers.map(([n]) => n.toLowerCase()));
  const added = claims.headerNames.filter((n) => !have.has(n));
  return { headers: [...headers, ...added.map((n) => [n, unsafeValueFor(n)] as [string, string])], added };
}
