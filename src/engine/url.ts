/**
 * URL parsing for the engine, with a small bounded cache: scenarios repeat
 * the same few URLs and origins, and the WHATWG URL parser is the engine's
 * most expensive step.
 */

/** The parts of a parsed URL the engine reads. */
export interface ParsedUrl {
  href: string;
  origin: string;
  protocol: string;
  hasCredentials: boolean;
}

const CACHE_LIMIT = 512;
const cache = new Map<string, ParsedUrl | null>();

function toParsed(url: URL): ParsedUrl {
  return { href: url.href, origin: url.origin, protocol: url.protocol, hasCredentials: url.username !== '' || url.password !== '' };
}

/** Parse an absolute URL (WHATWG URL Standard), or `null` on failure. Cached. */
export function parseUrl(input: string): ParsedUrl | null {
  const hit = cache.get(input);
  if (hit !== undefined) return hit;
  let parsed: ParsedUrl | null;
  try {
    parsed = toParsed(new URL(input));
  } catch {
    parsed = null;
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(input, parsed);
  return parsed;
}

/** Resolve `input` against `base` (a Location header), or `null` on failure. Not cached. */
export function resolveUrl(input: string, base: ParsedUrl): ParsedUrl | null {
  try {
    return toParsed(new URL(input, base.href));
  } catch {
    return null;
  }
}
