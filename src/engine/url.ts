/**
 * URL parsing for the engine. The WHATWG URL parser is the engine's most
 * expensive step, so two shortcuts come first: a small bounded cache
 * (scenarios repeat the same few URLs and origins), and a fast path for URLs
 * already written the way the parser would serialize them (most real ones),
 * which returns what the parser would without running it. Anything else goes
 * to `URL`.
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
  let parsed = parseCanonicalHttpUrl(input);
  if (parsed !== null && parsed.origin !== input) parsed.origin = flatten(parsed.origin);
  if (parsed === null) {
    try {
      parsed = toParsed(new URL(input));
    } catch {
      parsed = null;
    }
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(input, parsed);
  return parsed;
}

/**
 * `s` as a flat string of its own. The fast path slices a URL's origin out
 * of the URL, and V8 keeps a slice as a view into the longer string:
 * comparing it with another string (the page's origin, on every evaluation)
 * then takes a call into the runtime. A property key is internalized, and
 * the key read back is a flat string: done once per URL, as the cache keeps
 * the result.
 */
function flatten(s: string): string {
  for (const key in { [s]: true }) return key;
  return s;
}

/** Resolve `input` against `base` (a Location header), or `null` on failure. Not cached. */
export function resolveUrl(input: string, base: ParsedUrl): ParsedUrl | null {
  // A path-absolute URL ("/next") against a base without credentials: the base's origin, then the path.
  const pathAbsolute = input.charCodeAt(0) === 0x2f && input.charCodeAt(1) !== 0x2f && input.charCodeAt(1) !== 0x5c && !base.hasCredentials;
  const canonical = parseCanonicalHttpUrl(pathAbsolute ? base.origin + input : input);
  if (canonical !== null) return canonical;
  try {
    return toParsed(new URL(input, base.href));
  } catch {
    return null;
  }
}

/**
 * The characters a canonical http(s) URL's path and query keep as they are
 * (the path's, and `?` from the query on): no percent-encoding, no
 * backslash, no fragment, no space.
 */
const PATH_CHARS = ((): Uint8Array => {
  const table = new Uint8Array(128);
  for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&()*+,;=:@/?') table[c.charCodeAt(0)] = 1;
  return table;
})();

/** A host character of a canonical URL: a lowercase letter, a digit, a dot or a hyphen. */
function isCanonicalHostChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d;
}

/**
 * `input` parsed without the URL parser, when it is an http(s) URL the parser
 * would serialize unchanged (but for the "/" of an empty path): a lowercase
 * scheme; a host of lowercase letters, digits, dots and hyphens that needs no
 * IDNA processing (labels of letters and digits with single inner hyphens) or
 * is an IPv4 address in dotted-decimal form; a port without leading zeros
 * that is not the scheme's default; and a path (with query) of characters the
 * parser keeps as they are, without a dot segment. One pass over the
 * characters, no regular expression. `null` means "ask the parser", not
 * "invalid".
 */
function parseCanonicalHttpUrl(input: string): ParsedUrl | null {
  const secure = input.startsWith('https://');
  if (!secure && !input.startsWith('http://')) return null;
  const n = input.length;
  const hostStart = secure ? 8 : 7;
  let i = hostStart;
  while (i < n && isCanonicalHostChar(input.charCodeAt(i))) i++;
  if (i === hostStart || !isCanonicalHost(input, hostStart, i)) return null;
  if (i < n && input.charCodeAt(i) === 0x3a) {
    const portStart = ++i;
    while (i < n && isDigit(input.charCodeAt(i))) i++;
    if (i === portStart || !isCanonicalPort(input, portStart, i, secure)) return null;
  }
  const authorityEnd = i;
  if (i < n && !isCanonicalPath(input, i)) return null;
  const origin = authorityEnd === n ? input : input.slice(0, authorityEnd);
  return { href: authorityEnd === n ? `${input}/` : input, origin, protocol: secure ? 'https:' : 'http:', hasCredentials: false };
}

/** Whether `input` from `start` is a path (with an optional query) the parser keeps as written, with no "/." in it. */
function isCanonicalPath(input: string, start: number): boolean {
  if (input.charCodeAt(start) !== 0x2f) return false;
  let previous = 0;
  for (let i = start; i < input.length; i++) {
    const c = input.charCodeAt(i);
    if (c >= 128 || PATH_CHARS[c] === 0) return false;
    if (c === 0x2e && previous === 0x2f) return false; // a dot segment, or maybe one: let the parser decide
    previous = c;
  }
  return true;
}

/**
 * Whether `input[start, end)` is a domain of plain ASCII labels, or a
 * dotted-decimal IPv4 address when the last label starts with a digit. Read
 * in place, without splitting.
 */
function isCanonicalHost(input: string, start: number, end: number): boolean {
  const lastDot = input.lastIndexOf('.', end - 1);
  const lastLabel = lastDot < start ? start : lastDot + 1;
  if (lastLabel < end && isDigit(input.charCodeAt(lastLabel))) return isIpv4Decimal(input, start, end);
  let labelStart = start;
  for (let i = start; i <= end; i++) {
    const c = i === end ? 0x2e : input.charCodeAt(i);
    if (c === 0x2e) {
      // Letters and digits, with single hyphens only between them (so no "xn--" label, which would need IDNA).
      if (i === labelStart || input.charCodeAt(labelStart) === 0x2d || input.charCodeAt(i - 1) === 0x2d) return false;
      labelStart = i + 1;
    } else if (c === 0x2d && input.charCodeAt(i + 1) === 0x2d) {
      return false;
    }
  }
  return true;
}

/** Four parts of 0 to 255 in decimal, without leading zeros, separated by dots. */
function isIpv4Decimal(input: string, start: number, end: number): boolean {
  let parts = 0;
  let value = 0;
  let digits = 0;
  for (let i = start; i <= end; i++) {
    const c = i === end ? 0x2e : input.charCodeAt(i);
    if (c === 0x2e) {
      if (digits === 0 || value > 255 || ++parts > 4) return false;
      value = 0;
      digits = 0;
    } else if (!isDigit(c) || (digits === 1 && value === 0) || ++digits > 3) {
      return false;
    } else {
      value = value * 10 + (c - 0x30);
    }
  }
  return parts === 4;
}

/** A port `input[start, end)` the parser keeps as written: no leading zero, at most 65535, not the scheme's default. */
function isCanonicalPort(input: string, start: number, end: number, secure: boolean): boolean {
  if (input.charCodeAt(start) === 0x30 || end - start > 5) return false;
  let n = 0;
  for (let i = start; i < end; i++) n = n * 10 + (input.charCodeAt(i) - 0x30);
  return n <= 65535 && n !== (secure ? 443 : 80);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
