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
 * The shape of a canonical http(s) URL: lowercase scheme, a host of
 * lowercase letters, digits, dots and hyphens, an optional port, and an
 * optional path (with query) of characters the parser keeps as they are (no
 * percent-encoding, no backslash, no fragment). The host and port are
 * checked further in code.
 */
const CANONICAL_SHAPE = /^(https?):\/\/([a-z0-9.-]+)(?::([0-9]+))?(\/[A-Za-z0-9\-._~!$&()*+,;=:@/]*(?:\?[A-Za-z0-9\-._~!$&()*+,;=:@/?]*)?)?$/;

/**
 * `input` parsed without the URL parser, when it is an http(s) URL the parser
 * would serialize unchanged (but for the "/" of an empty path): the shape
 * above, a host that needs no IDNA processing (labels of letters and digits
 * with single inner hyphens) or is an IPv4 address in dotted-decimal form, a
 * port without leading zeros that is not the scheme's default, and no dot
 * segment in the path. `null` means "ask the parser", not "invalid".
 */
function parseCanonicalHttpUrl(input: string): ParsedUrl | null {
  const match = CANONICAL_SHAPE.exec(input);
  if (match === null) return null;
  const [, scheme, host, port, path] = match as unknown as [string, string, string, string | undefined, string | undefined];
  if (!isCanonicalHost(host)) return null;
  if (port !== undefined && !isCanonicalPort(port, scheme)) return null;
  if (path !== undefined && path.includes('/.')) return null; // a dot segment, or maybe one: let the parser decide
  const origin = port === undefined ? `${scheme}://${host}` : `${scheme}://${host}:${port}`;
  return { href: path === undefined ? `${input}/` : input, origin, protocol: `${scheme}:`, hasCredentials: false };
}

/** A domain of plain ASCII labels, or a dotted-decimal IPv4 address when the last label starts with a digit. */
function isCanonicalHost(host: string): boolean {
  const labels = host.split('.');
  const last = labels[labels.length - 1] as string;
  if (isDigit(last.charCodeAt(0))) return labels.length === 4 && labels.every(isIpv4DecimalPart);
  return labels.every(isPlainLabel);
}

/** Letters and digits, with single hyphens only between them (so no "xn--" label, which would need IDNA). */
function isPlainLabel(label: string): boolean {
  const n = label.length;
  if (n === 0 || label.charCodeAt(0) === 0x2d || label.charCodeAt(n - 1) === 0x2d) return false;
  return !label.includes('--');
}

/** 0 to 255 in decimal, without leading zeros. */
function isIpv4DecimalPart(part: string): boolean {
  const n = part.length;
  if (n === 0 || n > 3 || (n > 1 && part.charCodeAt(0) === 0x30)) return false;
  for (let i = 0; i < n; i++) if (!isDigit(part.charCodeAt(i))) return false;
  return Number(part) <= 255;
}

/** A port the parser keeps as written: no leading zero, at most 65535, not the scheme's default. */
function isCanonicalPort(port: string, scheme: string): boolean {
  if (port.charCodeAt(0) === 0x30 || port.length > 5) return false;
  const n = Number(port);
  return n <= 65535 && n !== (scheme === 'https' ? 443 : 80);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
