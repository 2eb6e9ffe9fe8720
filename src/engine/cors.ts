/**
 * CORS algorithms both browsers share: the CORS headers of a response (got
 * once per evaluation), the CORS-preflight request, the Allow-Methods /
 * Allow-Headers list parsing, and the CORS filtered response's readable
 * header names.
 */
import { isToken, lowercaseName, normalizeHeaderValue, splitList } from './headers.js';
import {
  CORS_SAFELISTED_RESPONSE_HEADER_NAMES,
  FORBIDDEN_RESPONSE_HEADER_NAMES,
  sortNames,
} from './safelist.js';
import type { HeaderList, PreflightRequest, ScenarioResponse } from './types.js';

/** A parsed Access-Control-Allow-Methods or -Headers: its items, or the first element that is not a token. */
export type AllowList = { items: string[] } | { invalid: string };

/** Append a line's value to the combined value so far (Fetch "get a header": values joined with `", "`). */
function combine(out: string | null, value: string): string {
  const normalized = normalizeHeaderValue(value);
  return out === null ? normalized : `${out}, ${normalized}`;
}

/**
 * The headers of one response that the CORS protocol reads, each got (Fetch
 * "get a header") in one pass over the lines, once per evaluation: both
 * browsers, the CORS check, the preflight checks, HTTP-redirect fetch and the
 * CORS filtered response read them from here. The Allow-Methods and
 * Allow-Headers lists are parsed on first use.
 */
export class CorsResponseHeaders {
  readonly status: number;
  readonly list: HeaderList;
  allowOrigin: string | null = null;
  /** Lines spelled exactly `Access-Control-Allow-Origin` (Firefox's duplicate check is case-sensitive). */
  allowOriginLines = 0;
  allowCredentials: string | null = null;
  allowMethods: string | null = null;
  allowHeaders: string | null = null;
  maxAge: string | null = null;
  exposeHeaders: string | null = null;
  location: string | null = null;
  private parsedMethods: AllowList | null = null;
  private parsedHeaders: AllowList | null = null;
  private lowercaseAllowedHeaders: string[] | null = null;

  constructor(response: ScenarioResponse) {
    this.status = response.status;
    this.list = response.headers;
    for (const [name, value] of response.headers) {
      // The names read here are 8 (Location) or 22 to 32 characters long: other lines are passed over unread.
      const n = name.length;
      if (n === 8 || (n >= 22 && n <= 32)) this.read(name, lowercaseName(name), value);
    }
  }

  /** One header line. */
  private read(name: string, lower: string, value: string): void {
    switch (lower) {
      case 'access-control-allow-origin':
        this.allowOrigin = combine(this.allowOrigin, value);
        if (name === 'Access-Control-Allow-Origin') this.allowOriginLines++;
        break;
      case 'access-control-allow-credentials':
        this.allowCredentials = combine(this.allowCredentials, value);
        break;
      case 'access-control-allow-methods':
        this.allowMethods = combine(this.allowMethods, value);
        break;
      case 'access-control-allow-headers':
        this.allowHeaders = combine(this.allowHeaders, value);
        break;
      case 'access-control-max-age':
        this.maxAge = combine(this.maxAge, value);
        break;
      case 'access-control-expose-headers':
        this.exposeHeaders = combine(this.exposeHeaders, value);
        break;
      case 'location':
        this.location = combine(this.location, value);
        break;
    }
  }

  /** Access-Control-Allow-Methods, parsed. */
  methods(): AllowList {
    return (this.parsedMethods ??= parseAllowList(this.allowMethods));
  }

  /** Access-Control-Allow-Headers, parsed. */
  headers(): AllowList {
    return (this.parsedHeaders ??= parseAllowList(this.allowHeaders));
  }

  /** The items of a valid Access-Control-Allow-Headers, in lowercase (header names match ignoring case). */
  allowedHeaderNames(): string[] {
    if (this.lowercaseAllowedHeaders === null) {
      const parsed = this.headers();
      this.lowercaseAllowedHeaders = 'items' in parsed ? parsed.items.map(lowercaseName) : [];
    }
    return this.lowercaseAllowedHeaders;
  }
}

/**
 * Parse Access-Control-Allow-Methods or -Headers (the combined value, `null`
 * when absent) as both browsers do: split on commas, empty elements skipped,
 * every other element a token. An absent header is an empty list.
 */
export function parseAllowList(value: string | null): AllowList {
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
  if (unsafeNames.length > 0) headers.push(['Access-Control-Request-Headers', joinNames(unsafeNames)]);
  return { method: 'OPTIONS', headers };
}

/** `names.join(',')`, by hand: for a list of a few names, several times faster than `Array#join`. */
function joinNames(names: string[]): string {
  let out = names[0] as string;
  for (let i = 1; i < names.length; i++) out += `,${names[i] as string}`;
  return out;
}

/**
 * The response header names script can read (Fetch "CORS filtered
 * response"), lowercase, sorted and unique: the CORS-safelisted
 * response-header names, those in Access-Control-Expose-Headers (`*` meaning
 * all, only without credentials; one invalid element voids the list), never
 * Set-Cookie. An unfiltered (same-origin) response exposes everything but
 * Set-Cookie.
 */
export function exposedHeaderNames(response: CorsResponseHeaders, credentialsIncluded: boolean, corsFiltered: boolean): string[] {
  let exposed: string[] | null = null;
  let wildcard = !corsFiltered;
  if (corsFiltered && response.exposeHeaders !== null) {
    // Extract header list values: one element that is not a token voids the whole list.
    exposed = [];
    for (const element of splitList(response.exposeHeaders)) {
      if (element === '') continue;
      if (!isToken(element)) {
        exposed = [];
        wildcard = false;
        break;
      }
      if (element === '*' && !credentialsIncluded) wildcard = true;
      else exposed.push(lowercaseName(element));
    }
  }
  const out: string[] = [];
  for (const [n] of response.list) {
    const name = lowercaseName(n);
    if (FORBIDDEN_RESPONSE_HEADER_NAMES.has(name) || out.includes(name)) continue;
    if (wildcard || CORS_SAFELISTED_RESPONSE_HEADER_NAMES.has(name) || (exposed !== null && exposed.includes(name))) out.push(name);
  }
  return sortNames(out);
}
