/**
 * CORS algorithms both browsers share: the CORS-preflight request, the
 * Allow-Methods / Allow-Headers list parsing, and the CORS filtered
 * response's readable header names.
 */
import { asciiLowercase, get, isToken, splitList } from './headers.js';
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
 * all, only without credentials), never Set-Cookie. An unfiltered
 * (same-origin) response exposes everything but Set-Cookie.
 */
export function exposedHeaderNames(headers: HeaderList, credentialsIncluded: boolean, corsFiltered: boolean): string[] {
  const names = new Set<string>();
  for (const [n] of headers) names.add(asciiLowercase(n));
  for (const forbidden of FORBIDDEN_RESPONSE_HEADER_NAMES) names.delete(forbidden);
  if (!corsFiltered) return [...names].sort(byteCompare);
  const exposeValue = get(headers, 'access-control-expose-headers');
  const exposed = new Set<string>();
  let wildcard = false;
  if (exposeValue !== null) {
    for (const element of splitList(exposeValue)) {
      if (element === '*' && !credentialsIncluded) wildcard = true;
      else if (element !== '') exposed.add(asciiLowercase(element));
    }
  }
  const out: string[] = [];
  for (const name of names) {
    if (wildcard || CORS_SAFELISTED_RESPONSE_HEADER_NAMES.has(name) || exposed.has(name)) out.push(name);
  }
  return out.sort(byteCompare);
}
