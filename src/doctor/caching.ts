/**
 * What HTTP caches may do with a response (RFC 9111), for the exposure
 * findings: whether the browser's own HTTP cache (a private cache) and a
 * CDN or proxy (a shared cache) may store it, and whether they may then
 * hand it to a later request without asking the server, only after a
 * conditional request, or not at all. The one place these rules live.
 *
 * Assumptions, where RFC 9111 leaves a choice:
 * - Heuristic freshness (no `max-age`, `s-maxage` or `Expires`): the browser
 *   uses it only with `Last-Modified` (10% of the time since, as Chromium and
 *   Firefox do); a shared cache may use it without (CDNs apply a default
 *   TTL), which is `heuristic`: it depends on the cache's configuration.
 * - Only status codes heuristically cacheable by default (RFC 9110 §15.1),
 *   or a `public` response, get heuristic freshness; any other status is
 *   stored only with explicit freshness.
 * - `stale-while-revalidate` lets a cache hand out the stored response
 *   while it revalidates (Chromium does), so it counts as `fresh`.
 * - A stored response without a validator (`ETag`, `Last-Modified`) cannot
 *   be revalidated: once stale, the next request replaces it.
 * - A `max-age` or `Expires` that cannot be parsed means already stale
 *   (RFC 9111 §4.2.1, §5.3).
 */
import { get, isNamed, splitList } from '../engine/headers.js';
import { normalizeMethod } from '../engine/safelist.js';
import type { HeaderList } from '../engine/types.js';

/** How a cache may hand a stored response to a later request. */
export type Reuse =
  /** Without asking the server, while fresh (explicit freshness, the browser's `Last-Modified` heuristic, `stale-while-revalidate`). */
  | 'fresh'
  /** Shared caches only: after a freshness lifetime the cache picks itself (a CDN's default TTL). */
  | 'heuristic'
  /** Only after a conditional request the server answers 304 (Not Modified). */
  | 'revalidate'
  /** Never: not stored, or stale with no validator. */
  | 'none';

/** What the browser's cache and shared caches may do with one response. */
export interface CacheReuse {
  /** The browser's own HTTP cache (a private cache). */
  browser: Exclude<Reuse, 'heuristic'>;
  /** CDNs and proxies (shared caches). */
  shared: Reuse;
}

/** The response and the request it answers, as far as caching goes. */
export interface Cacheable {
  /** The request's method. */
  method: string;
  /** Whether the request carried Authorization (shared caches then store only what says they may). */
  authorization?: boolean;
  status: number;
  headers: HeaderList;
}

/** Status codes heuristically cacheable by default (RFC 9110 §15.1). */
const HEURISTICALLY_CACHEABLE: ReadonlySet<number> = new Set([200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501]);

/** The fraction of the time since Last-Modified a browser takes as heuristic freshness (RFC 9111 §4.2.2; Chromium and Firefox). */
const HEURISTIC_FRACTION = 0.1;

/**
 * Header fields a 304 does not update in the stored response: Chromium's
 * list (net/http/http_response_headers.cc, kNonUpdatedHeaders), a superset of
 * Firefox's. Every CORS header is updated.
 */
const NOT_UPDATED_BY_304: ReadonlySet<string> = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'www-authenticate',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-location',
  'content-md5',
  'etag',
  'content-encoding',
  'content-range',
  'content-type',
  'content-length',
  'x-frame-options',
  'x-xss-protection',
]);
const NOT_UPDATED_BY_304_PREFIXES: readonly string[] = ['x-content-', 'x-webkit-'];

/**
 * Cache-Control directives: lowercase names, each with its value (quotes
 * removed) or `null`. The first occurrence of a directive wins. Commas
 * inside quoted strings (`private="Set-Cookie, X-A"`) do not split.
 */
export function cacheDirectives(headers: HeaderList): Map<string, string | null> {
  const out = new Map<string, string | null>();
  const value = get(headers, 'cache-control') ?? '';
  let i = 0;
  const n = value.length;
  while (i < n) {
    let name = '';
    while (i < n && value[i] !== '=' && value[i] !== ',') name += value[i++];
    let arg: string | null = null;
    if (value[i] === '=') {
      i++;
      while (i < n && (value[i] === ' ' || value[i] === '\t')) i++;
      arg = '';
      if (value[i] === '"') {
        i++;
        while (i < n && value[i] !== '"') {
          if (value[i] === '\\' && i + 1 < n) i++;
          arg += value[i++];
        }
        i++;
        while (i < n && value[i] !== ',') i++;
      } else {
        while (i < n && value[i] !== ',') arg += value[i++];
        arg = arg.trim();
      }
    }
    i++; // the comma
    const key = name.trim().toLowerCase();
    if (key !== '' && !out.has(key)) out.set(key, arg);
  }
  return out;
}

/** A delta-seconds value; anything else (RFC 9111: treat as stale) is 0. */
function seconds(value: string | null | undefined): number {
  return value !== null && value !== undefined && /^[0-9]+$/.test(value) ? Number(value) : 0;
}

/** An HTTP-date in milliseconds, or `null` when it cannot be parsed (`0`, `-1`, ...). */
function httpDate(value: string | null): number | null {
  if (value === null || !/[a-z]/i.test(value)) return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : t;
}

/** The field names a response's Vary lists, lowercase. */
export function varyTokens(headers: HeaderList): string[] {
  return splitList(get(headers, 'vary') ?? '').map((v) => v.toLowerCase());
}

/**
 * Which caches may store the response (RFC 9111 §3, §3.5) and how each may
 * reuse it (§4.2, §4.3). `now` stands for the time of receipt when the
 * response has no `Date`.
 */
export function cacheReuse(response: Cacheable, now: number = Date.now()): CacheReuse {
  const none: CacheReuse = { browser: 'none', shared: 'none' };
  const method = normalizeMethod(response.method);
  if (method !== 'GET' && method !== 'HEAD') return none; // the methods caches store
  if (response.status < 200 || response.status === 304) return none; // final answers only
  const cc = cacheDirectives(response.headers);
  if (cc.has('no-store')) return none;
  if (varyTokens(response.headers).includes('*')) return none; // stored, but it matches no later request (§4.1)

  const date = httpDate(get(response.headers, 'date')) ?? now;
  const expiresValue = get(response.headers, 'expires');
  const expires = expiresValue === null ? null : (httpDate(expiresValue) ?? -Infinity);
  const maxAge = cc.has('max-age') ? seconds(cc.get('max-age')) : null;
  const sMaxAge = cc.has('s-maxage') ? seconds(cc.get('s-maxage')) : null;
  const expiresLifetime = expires === null ? null : Math.max(0, (expires - date) / 1000);
  const isPublic = cc.has('public');
  const heuristic = HEURISTICALLY_CACHEABLE.has(response.status) || isPublic;
  // Unqualified private / no-cache only: `private="Set-Cookie"` keeps the rest storable, `no-cache="X"` reusable.
  const isPrivate = cc.has('private') && cc.get('private') === null;
  const noCache = cc.has('no-cache') && cc.get('no-cache') === null;
  const swr = seconds(cc.get('stale-while-revalidate'));
  const lastModified = httpDate(get(response.headers, 'last-modified'));
  const validator = get(response.headers, 'etag') !== null || lastModified !== null;

  const reuse = (stored: boolean, lifetime: number | null, canGuess: boolean): Reuse => {
    if (!stored) return 'none';
    if (!noCache && ((lifetime !== null && lifetime > 0) || (lifetime !== null && swr > 0))) return 'fresh';
    if (!noCache && lifetime === null && canGuess) return 'heuristic';
    return validator ? 'revalidate' : 'none';
  };

  // The browser: a private cache (s-maxage is for shared caches only).
  const browserLifetime = maxAge ?? expiresLifetime;
  const browserStores = browserLifetime !== null || heuristic || cc.has('private');
  const guess = heuristic && lastModified !== null && lastModified < date ? ((date - lastModified) / 1000) * HEURISTIC_FRACTION : null;
  const browser = reuse(browserStores, browserLifetime ?? guess, false) as CacheReuse['browser']; // never 'heuristic' without canGuess

  // Shared caches: not a private response; with Authorization only when told they may (§3.5).
  const sharedLifetime = sMaxAge ?? maxAge ?? expiresLifetime;
  const authorizationOk = !response.authorization || isPublic || sMaxAge !== null || cc.has('must-revalidate');
  const sharedStores = !isPrivate && authorizationOk && (sharedLifetime !== null || heuristic);
  const shared = reuse(sharedStores, sharedLifetime, heuristic);

  return { browser, shared };
}

/**
 * The conditional headers a cache adds when it revalidates the stored
 * response (`If-None-Match` from `ETag`, `If-Modified-Since` from
 * `Last-Modified`), or `null` when it has no validator.
 */
export function conditionalHeaders(stored: HeaderList): HeaderList | null {
  const out: HeaderList = [];
  const etag = get(stored, 'etag');
  const lastModified = get(stored, 'last-modified');
  if (etag !== null) out.push(['If-None-Match', etag]);
  if (lastModified !== null) out.push(['If-Modified-Since', lastModified]);
  return out.length > 0 ? out : null;
}

/**
 * The stored response's headers after a 304 (RFC 9111 §3.2, §4.3.4): each
 * field the 304 carries replaces the stored one, except those browsers
 * never update ({@link NOT_UPDATED_BY_304}).
 */
export function updatedBy304(stored: HeaderList, notModified: HeaderList): HeaderList {
  const updates = (name: string): boolean => {
    const lower = name.toLowerCase();
    return !NOT_UPDATED_BY_304.has(lower) && !NOT_UPDATED_BY_304_PREFIXES.some((p) => lower.startsWith(p));
  };
  const replaced = new Set(notModified.filter(([n]) => updates(n)).map(([n]) => n.toLowerCase()));
  return [...stored.filter(([n]) => ![...replaced].some((r) => isNamed(n, r))), ...notModified.filter(([n]) => updates(n))];
}
