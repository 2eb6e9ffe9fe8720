/**
 * Header primitives of the Fetch Standard ("Headers" section): header names
 * and values, header lists, and the list-value parsers the CORS protocol
 * uses. All linear, no backtracking regular expressions.
 */
import type { HeaderList } from './types.js';

/** HTTP tab or space (Fetch). */
export function isHttpTabOrSpace(c: number): boolean {
  return c === 0x09 || c === 0x20;
}

/** HTTP whitespace: tab, space, LF, CR (Fetch). */
export function isHttpWhitespace(c: number): boolean {
  return c === 0x09 || c === 0x20 || c === 0x0a || c === 0x0d;
}

/** A `tchar` of RFC 9110's `token`. */
export function isTokenCodePoint(c: number): boolean {
  if (c >= 0x30 && c <= 0x39) return true; // DIGIT
  if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) return true; // ALPHA
  switch (c) {
    case 0x21: // !
    case 0x23: // #
    case 0x24: // $
    case 0x25: // %
    case 0x26: // &
    case 0x27: // '
    case 0x2a: // *
    case 0x2b: // +
    case 0x2d: // -
    case 0x2e: // .
    case 0x5e: // ^
    case 0x5f: // _
    case 0x60: // `
    case 0x7c: // |
    case 0x7e: // ~
      return true;
    default:
      return false;
  }
}

/** RFC 9110 `token`: one or more tchars. Used for methods and header names. */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTokenCodePoint(s.charCodeAt(i))) return false;
  return true;
}

/** A header name (Fetch): a token. */
export const isHeaderName = isToken;

/**
 * A header value (Fetch): no leading or trailing HTTP tab or space, and no
 * NUL, LF or CR. Checked on a value already normalized when `normalized`.
 */
export function isHeaderValue(s: string): boolean {
  const n = s.length;
  if (n > 0 && (isHttpTabOrSpace(s.charCodeAt(0)) || isHttpTabOrSpace(s.charCodeAt(n - 1)))) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x00 || c === 0x0a || c === 0x0d || c > 0xff) return false;
  }
  return true;
}

/** Normalize a value (Fetch): strip leading and trailing HTTP whitespace. */
export function normalizeHeaderValue(s: string): string {
  let end = s.length;
  // Most values have nothing to strip.
  if (end === 0 || (!isHttpWhitespace(s.charCodeAt(0)) && !isHttpWhitespace(s.charCodeAt(end - 1)))) return s;
  let start = 0;
  while (start < end && isHttpWhitespace(s.charCodeAt(start))) start++;
  while (end > start && isHttpWhitespace(s.charCodeAt(end - 1))) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/** ASCII lowercase, without touching non-ASCII (Infra "ASCII lowercase"). */
export function asciiLowercase(s: string): string {
  let upper = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
    if (c >= 0x41 && c <= 0x5a) upper = true;
  }
  return upper ? s.toLowerCase() : s;
}

const lowerNames = new Map<string, string>();

/**
 * A header name in lowercase, from a small bounded cache: requests and
 * responses repeat the same few names, and the engine lowercases each name
 * it reads (a map lookup costs a fraction of a character-by-character pass).
 */
export function lowercaseName(name: string): string {
  let lower = lowerNames.get(name);
  if (lower === undefined) {
    lower = asciiLowercase(name);
    if (lowerNames.size >= 1024) lowerNames.clear();
    lowerNames.set(name, lower);
  }
  return lower;
}

/**
 * Whether `list` holds `item`: `Array#includes` as a loop, which the
 * optimizing compiler inlines (on the engine's lists of a few names, the
 * builtin's call costs more than the search).
 */
export function listHas(list: readonly string[], item: string): boolean {
  for (let i = 0; i < list.length; i++) if (list[i] === item) return true;
  return false;
}

/** Byte-case-insensitive equality of two header names. */
export function namesMatch(a: string, b: string): boolean {
  return a.length === b.length && asciiLowercase(a) === asciiLowercase(b);
}

/** Whether `name` equals `lower` (already lowercase) ignoring ASCII case, without allocating. */
export function isNamed(name: string, lower: string): boolean {
  const n = name.length;
  if (n !== lower.length) return false;
  for (let i = 0; i < n; i++) {
    let c = name.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** Whether the list has a line named `name` (lowercase). */
export function contains(list: HeaderList, name: string): boolean {
  for (const [n] of list) if (isNamed(n, name)) return true;
  return false;
}

/**
 * Get (Fetch "get a header"): the values of every line named `name`,
 * combined with `", "`, or `null` when there is none. Each value is
 * normalized first, as an HTTP parser hands it over (a raw header line
 * `Name:  value  ` carries the value `value`).
 */
export function get(list: HeaderList, name: string): string | null {
  let out: string | null = null;
  for (const [n, v] of list) {
    if (!isNamed(n, name)) continue;
    const value = normalizeHeaderValue(v);
    out = out === null ? value : `${out}, ${value}`;
  }
  return out;
}

/**
 * Split a header value on commas, trimming HTTP tab or space around each
 * element (Fetch "get, decode, and split" without quoted strings, which the
 * CORS list headers do not use). Empty elements are kept as `""` so that
 * callers can decide what a browser does with them.
 */
export function splitList(value: string): string[] {
  const out: string[] = [];
  const n = value.length;
  let start = 0;
  for (;;) {
    const comma = value.indexOf(',', start);
    let a = start;
    let b = comma === -1 ? n : comma;
    while (a < b && isHttpTabOrSpace(value.charCodeAt(a))) a++;
    while (b > a && isHttpTabOrSpace(value.charCodeAt(b - 1))) b--;
    out.push(value.slice(a, b));
    if (comma === -1) return out;
    start = comma + 1;
  }
}
