/**
 * CORS algorithms both browsers share: the CORS headers of a response (got
 * once per evaluation), the CORS-preflight request, the Allow-Methods /
 * Allow-Headers list parsing, and the CORS filtered response's readable
 * header names.
 *
 * Caches: three pure parsing steps keep their results in small bounded maps,
 * keyed only by the string they parse, because callers evaluate many
 * scenarios whose servers send the same header names and the same list
 * values: a response-header name's meaning here (lowercase, which CORS header
 * it is, safelisted or forbidden for script), an Access-Control-Allow-Methods
 * or -Headers value's parsed list (with its names in lowercase), and an
 * Access-Control-Expose-Headers value's parsed list. Each map holds at most
 * {@link CACHE_MAX} entries (cleared when full, before the next insertion),
 * and only keys of up to {@link KEY_MAX} characters; longer strings are
 * parsed anew each time. In front of the names' map, {@link RECENT} slots
 * keep the last name looked up of each length (modulo {@link RECENT}) with
 * its meaning, so that a response's few names are found by one string
 * comparison, without hashing. Cached results are shared, so they are
 * read-only.
 */
import { isToken, listHas, lowercaseName, normalizeHeaderValue, splitList } from './headers.js';
import {
  CORS_SAFELISTED_RESPONSE_HEADER_NAMES,
  FORBIDDEN_RESPONSE_HEADER_NAMES,
  sortNames,
} from './safelist.js';
import type { HeaderList, PreflightRequest, ScenarioResponse } from './types.js';

/** A parsed Access-Control-Allow-Methods or -Headers: its items, or the first element that is not a token. */
export type AllowList = { readonly items: readonly string[] } | { readonly invalid: string };

const CACHE_MAX = 256;
const KEY_MAX = 256;

/** `cache.set(key, value)`, for a key short enough to keep, clearing the map first when it is full. */
function remember<T>(cache: Map<string, T>, key: string, value: T): T {
  if (key.length <= KEY_MAX) {
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(key, value);
  }
  return value;
}

// Which CORS header a response-header line is, as a small number (0: none the CORS protocol reads).
const ALLOW_ORIGIN = 1;
const ALLOW_CREDENTIALS = 2;
const ALLOW_METHODS = 3;
const ALLOW_HEADERS = 4;
const MAX_AGE = 5;
const EXPOSE_HEADERS = 6;
const LOCATION = 7;

const CORS_FIELDS: ReadonlyMap<string, number> = new Map([
  ['access-control-allow-origin', ALLOW_ORIGIN],
  ['access-control-allow-credentials', ALLOW_CREDENTIALS],
  ['access-control-allow-methods', ALLOW_METHODS],
  ['access-control-allow-headers', ALLOW_HEADERS],
  ['access-control-max-age', MAX_AGE],
  ['access-control-expose-headers', EXPOSE_HEADERS],
  ['location', LOCATION],
]);

/** What a response-header name means here (see the cache above). */
interface ResponseName {
  lower: string;
  /** Which CORS header it is (`ALLOW_ORIGIN`...), or 0. */
  field: number;
  /** Never readable by script (Set-Cookie). */
  forbidden: boolean;
  /** A CORS-safelisted response-header name: readable by script without Access-Control-Expose-Headers. */
  safelisted: boolean;
}

const responseNames = new Map<string, ResponseName>();
// In front of the map: the last name looked up of each length (modulo RECENT), with its meaning.
const RECENT = 32;
const recentNames = new Array<string | null>(RECENT).fill(null);
const recentMeanings = new Array<ResponseName | null>(RECENT).fill(null);

/**
 * Which CORS header a response-header line is (`ALLOW_ORIGIN`...), or 0:
 * the usual spelling of the name's length compared whole first, any other
 * name through the cache.
 */
function corsField(name: string): number {
  switch (name.length) {
    case 27:
      if (name === 'Access-Control-Allow-Origin') return ALLOW_ORIGIN;
      break;
    case 32:
      if (name === 'Access-Control-Allow-Credentials') return ALLOW_CREDENTIALS;
      break;
    case 28:
      if (name === 'Access-Control-Allow-Methods') return ALLOW_METHODS;
      if (name === 'Access-Control-Allow-Headers') return ALLOW_HEADERS;
      break;
    case 22:
      if (name === 'Access-Control-Max-Age') return MAX_AGE;
      break;
    case 29:
      if (name === 'Access-Control-Expose-Headers') return EXPOSE_HEADERS;
      break;
    case 8:
      if (name === 'Location') return LOCATION;
      break;
  }
  return responseName(name).field;
}

function responseName(name: string): ResponseName {
  const slot = name.length % RECENT;
  if (recentNames[slot] === name) return recentMeanings[slot] as ResponseName;
  let meaning = responseNames.get(name);
  if (meaning === undefined) {
    const lower = lowercaseName(name);
    meaning = remember(responseNames, name, {
      lower,
      field: CORS_FIELDS.get(lower) ?? 0,
      forbidden: FORBIDDEN_RESPONSE_HEADER_NAMES.has(lower),
      safelisted: CORS_SAFELISTED_RESPONSE_HEADER_NAMES.has(lower),
    });
  }
  recentNames[slot] = name;
  recentMeanings[slot] = meaning;
  return meaning;
}

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
  // Declared, and set in the constructor: V8 sets fields several times faster than it defines class fields.
  declare readonly status: number;
  declare readonly list: HeaderList;
  declare allowOrigin: string | null;
  /** Lines spelled exactly `Access-Control-Allow-Origin` (Firefox's duplicate check is case-sensitive). */
  declare allowOriginLines: number;
  declare allowCredentials: string | null;
  declare allowMethods: string | null;
  declare allowHeaders: string | null;
  declare maxAge: string | null;
  declare exposeHeaders: string | null;
  declare location: string | null;
  private declare parsedMethods: AllowList | null;
  private declare parsedHeaders: ParsedAllowList | null;

  constructor(response: ScenarioResponse) {
    this.status = response.status;
    const list = (this.list = response.headers);
    this.allowOrigin = null;
    this.allowOriginLines = 0;
    this.allowCredentials = null;
    this.allowMethods = null;
    this.allowHeaders = null;
    this.maxAge = null;
    this.exposeHeaders = null;
    this.location = null;
    this.parsedMethods = null;
    this.parsedHeaders = null;
    for (let i = 0; i < list.length; i++) {
      const line = list[i] as [string, string];
      const name = line[0];
      // The names read here are 8 (Location) or 22 to 32 characters long: other lines are passed over unread.
      const n = name.length;
      if (n === 8 || (n >= 22 && n <= 32)) {
        const field = corsField(name);
        if (field !== 0) this.read(field, name, line[1]);
      }
    }
  }

  /** One header line of a CORS header. */
  private read(field: number, name: string, value: string): void {
    switch (field) {
      case ALLOW_ORIGIN:
        this.allowOrigin = combine(this.allowOrigin, value);
        if (name === 'Access-Control-Allow-Origin') this.allowOriginLines++;
        break;
      case ALLOW_CREDENTIALS:
        this.allowCredentials = combine(this.allowCredentials, value);
        break;
      case ALLOW_METHODS:
        this.allowMethods = combine(this.allowMethods, value);
        break;
      case ALLOW_HEADERS:
        this.allowHeaders = combine(this.allowHeaders, value);
        break;
      case MAX_AGE:
        this.maxAge = combine(this.maxAge, value);
        break;
      case EXPOSE_HEADERS:
        this.exposeHeaders = combine(this.exposeHeaders, value);
        break;
      case LOCATION:
        this.location = combine(this.location, value);
        break;
    }
  }

  /** Access-Control-Allow-Methods, parsed. */
  methods(): AllowList {
    return (this.parsedMethods ??= allowList(this.allowMethods).list);
  }

  /** Access-Control-Allow-Headers, parsed. */
  headers(): AllowList {
    return (this.parsedHeaders ??= allowList(this.allowHeaders)).list;
  }

  /** The items of a valid Access-Control-Allow-Headers, in lowercase (header names match ignoring case). */
  allowedHeaderNames(): readonly string[] {
    return (this.parsedHeaders ??= allowList(this.allowHeaders)).lowercase;
  }
}

/** A parsed Allow-Methods or Allow-Headers value, with its items in lowercase (none when invalid). */
interface ParsedAllowList {
  list: AllowList;
  lowercase: readonly string[];
}

const ABSENT: ParsedAllowList = { list: { items: [] }, lowercase: [] };
const allowLists = new Map<string, ParsedAllowList>();

/** {@link parseAllowList}, from the cache. */
function allowList(value: string | null): ParsedAllowList {
  if (value === null) return ABSENT;
  const hit = allowLists.get(value);
  if (hit !== undefined) return hit;
  const list = parseAllowList(value);
  return remember(allowLists, value, { list, lowercase: 'items' in list ? list.items.map(lowercaseName) : [] });
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
  const headers: HeaderList =
    unsafeNames.length === 0
      ? [
          ['Origin', origin],
          ['Access-Control-Request-Method', method],
        ]
      : [
          ['Origin', origin],
          ['Access-Control-Request-Method', method],
          ['Access-Control-Request-Headers', joinNames(unsafeNames)],
        ];
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
  let exposed: readonly string[] | null = null;
  let wildcard = !corsFiltered;
  if (corsFiltered && response.exposeHeaders !== null) {
    const parsed = exposeList(response.exposeHeaders);
    exposed = parsed.names;
    if (parsed.star && !credentialsIncluded) wildcard = true;
  }
  // Collected in a scratch list, then copied out at its size.
  const out = scratch;
  let count = 0;
  const { list } = response;
  for (let i = 0; i < list.length; i++) {
    const { lower, forbidden, safelisted } = responseName((list[i] as [string, string])[0]);
    if (forbidden || indexOf(out, count, lower) !== -1) continue;
    if (wildcard || safelisted || (exposed !== null && listHas(exposed, lower))) out[count++] = lower;
  }
  const names = new Array<string>(count);
  for (let i = 0; i < count; i++) names[i] = out[i] as string;
  return sortNames(names);
}

/** {@link exposedHeaderNames}'s working list, reused (the engine is synchronous): its first entries are the last call's. */
const scratch: string[] = [];

/** Where `item` is among the first `count` entries of `list`, or -1. */
function indexOf(list: readonly string[], count: number, item: string): number {
  for (let i = 0; i < count; i++) if (list[i] === item) return i;
  return -1;
}

/** A parsed Access-Control-Expose-Headers value: its elements in lowercase, and whether one is `*`. */
interface ExposeList {
  names: readonly string[];
  star: boolean;
}

const exposeLists = new Map<string, ExposeList>();

/** Extract header list values: one element that is not a token voids the whole list (no names, no `*`). */
function exposeList(value: string): ExposeList {
  const hit = exposeLists.get(value);
  if (hit !== undefined) return hit;
  const names: string[] = [];
  let star = false;
  for (const element of splitList(value)) {
    if (element === '') continue;
    if (!isToken(element)) return remember(exposeLists, value, { names: [], star: false });
    if (element === '*') star = true;
    names.push(lowercaseName(element));
  }
  return remember(exposeLists, value, { names, star });
}
