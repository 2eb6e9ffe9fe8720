/**
 * CORS algorithms both browsers share: the CORS-preflight request, the
 * Allow-Methods / Allow-Headers list parsing, and the CORS filtered
 * response's readable header names.
 */
import { asciiLowercase, get, isToken, lowercaseName, splitList } from './headers.js';
import {
  CORS_SAFELISTED_RESPONSE_HEADER_NAMES,
  FORBIDDEN_RESPONSE_HEADER_NAMES,
  byteCompare,
} from './safelist.js';
import type { HeaderList, PreflightRequest } from './types.js';

/** A parsed Access-Control-Allow-Methods or -Headers: its items, or the first element that is not a token. */
export type AllowList = { items: string[] } | { invalid: string };

/**
 * Parse Access-Control-Allow-Methods or -Headers as both browsers do: the
 * lines combined, split on commas, empty elements skipped, every other
 * element a token. An absent header is an empty list.
 */
export function parseAllowList(headers: HeaderList, name: string): AllowList {
  const value = get(headers, name);
  if (value === null) return { items: [] };
  const items: string[] = [];
  let invalid: string | null = null;
  for (const element of splitList(value)) {
    if (element === '') continue;
    if (!isToken(element)) {
      invalid ??= element;
      continue;
    }
    items.push(element);
  }
  return invalid === null ? { items } : { invalid };
}

/**
 * The CORS-preflight request (Fetch "CORS-preflight fetch", steps 1-4), limited
 * to the headers CORS decides on: Origin, Access-Control-Request-Method and,
 * when there are unsafe names, Access-Control-Request-Headers (joined with
 * "," and no space, as both browsers write it).
 */
export function corsPreflightRequest(method: string, origin: string, unsafeNames: string[]): PreflightRequest {
  const headers: HeaderList = [
    ['Origin', origin],
    ['Access-Control-Request-Method', method],
  ];
  if (unsafeNames.length > 0) headers.push(['Access-Control-Request-Headers', unsafeNames.join(',')]);
  return { method: 'OPTIONS', headers };
}

/**
 * The response header names script can read (Fetch "CORS filtered
 * response"), lowercase, sorted and unique: the CORS-safelisted
 * response-header names, those in Access-Control-Expose-Headers (`*` meaning
 * all, only without credentials; one invalid element voids the list), never
 * Set-Cookie. An unfiltered (same-origin) response exposes everything but
 * Set-Cookie.
 */
export function exposedHeaderNames(headers: HeaderList, credentialsIncluded: boolean, corsFiltered: boolean): string[] {
  let exposed: string[] | null = null;
  let wildcard = !corsFiltered;
  if (corsFiltered) {
    const exposeValue = get(headers, 'access-control-expose-headers');
    if (exposeValue !== null) {
      // Extract header list values: one element that is not a token voids the whole list.
      exposed = [];
      for (const element of splitList(exposeValue)) {
        if (element === '') continue;
        if (!isToken(element)) {
          exposed = [];
          wildcard = false;
          break;
        }
        if (element === '*' && !credentialsIncluded) wildcard = true;
        else exposed.push(asciiLowercase(element));
      }
    }
  }
  const out: string[] = [];
  for (const [n] of headers) {
    const name = lowercaseName(n);
    if (FORBIDDEN_RESPONSE_HEADER_NAMES.has(name) || out.includes(name)) continue;
    if (wildcard || CORS_SAFELISTED_RESPONSE_HEADER_NAMES.has(name) || (exposed !== null && exposed.includes(name))) out.push(name);
  }
  return out.length > 1 ? out.sort(byteCompare) : out;
}
