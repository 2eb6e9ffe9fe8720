/**
 * The Fetch Standard's lists of names and the checks built on them:
 * CORS-safelisted methods, request-headers and response-header names,
 * forbidden names, and the CORS-unsafe request-header names of a request.
 * This module is the one place these lists live.
 */
import { asciiLowercase, isHttpWhitespace, isNamed, isTokenCodePoint } from './headers.js';
import type { HeaderList } from './types.js';

/** CORS-safelisted methods (byte-exact). */
export const CORS_SAFELISTED_METHODS: readonly string[] = ['GET', 'HEAD', 'POST'];

/** A CORS-safelisted method: `GET`, `HEAD` or `POST`, byte for byte. */
export function isCorsSafelistedMethod(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'POST';
}

/** Methods that `fetch()` and `XMLHttpRequest` upper-case (Fetch "normalize a method"). */
const NORMALIZED_METHODS: readonly string[] = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT'];

/** Fetch "normalize a method": upper-case the six well-known methods, leave the rest as written. */
export function normalizeMethod(method: string): string {
  if (isCorsSafelistedMethod(method) || method === 'PUT' || method === 'DELETE' || method === 'OPTIONS') return method;
  const upper = method.toUpperCase();
  return NORMALIZED_METHODS.includes(upper) && upper.length === method.length ? upper : method;
}

/** Forbidden methods (Fetch): `CONNECT`, `TRACE`, `TRACK`, in any case. `fetch()` throws on them. */
export function isForbiddenMethod(method: string): boolean {
  return isNamed(method, 'connect') || isNamed(method, 'trace') || isNamed(method, 'track');
}

/** Forbidden request-header names (Fetch), lowercase. Script cannot set these; browsers drop them. */
export const FORBIDDEN_REQUEST_HEADER_NAMES: ReadonlySet<string> = new Set([
  'accept-charset',
  'accept-encoding',
  'access-control-request-headers',
  'access-control-request-method',
  'connection',
  'content-length',
  'cookie',
  'cookie2',
  'date',
  'dnt',
  'expect',
  'host',
  'keep-alive',
  'origin',
  'referer',
  'set-cookie',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'via',
]);

const METHOD_OVERRIDE_HEADERS: ReadonlySet<string> = new Set([
  'x-http-method',
  'x-http-method-override',
  'x-method-override',
]);

/**
 * Forbidden request-header (Fetch): a forbidden name, a `proxy-` or `sec-`
 * name, or a method-override header naming a forbidden method.
 */
export function isForbiddenRequestHeader(name: string, value: string): boolean {
  return isForbiddenLowercaseRequestHeader(asciiLowercase(name), value);
}

/** {@link isForbiddenRequestHeader} for a name already in lowercase. */
export function isForbiddenLowercaseRequestHeader(lower: string, value: string): boolean {
  if (FORBIDDEN_REQUEST_HEADER_NAMES.has(lower)) return true;
  if (lower.startsWith('proxy-') || lower.startsWith('sec-')) return true;
  if (METHOD_OVERRIDE_HEADERS.has(lower)) {
    for (const part of value.split(',')) {
      if (isForbiddenMethod(part.trim())) return true;
    }
  }
  return false;
}

/** CORS-safelisted response-header names (Fetch), lowercase. */
export const CORS_SAFELISTED_RESPONSE_HEADER_NAMES: ReadonlySet<string> = new Set([
  'cache-control',
  'content-language',
  'content-length',
  'content-type',
  'expires',
  'last-modified',
  'pragma',
]);

/** Forbidden response-header names (Fetch), lowercase: never readable by script. */
export const FORBIDDEN_RESPONSE_HEADER_NAMES: ReadonlySet<string> = new Set(['set-cookie', 'set-cookie2']);

/** CORS non-wildcard request-header names (Fetch): not covered by `Access-Control-Allow-Headers: *`. */
export const CORS_NON_WILDCARD_REQUEST_HEADER_NAMES: ReadonlySet<string> = new Set(['authorization']);

/** Request-body-header names (Fetch), removed when a redirect turns the request into a GET. */
export const REQUEST_BODY_HEADER_NAMES: ReadonlySet<string> = new Set([
  'content-encoding',
  'content-language',
  'content-location',
  'content-type',
]);

/** The MIME type essences a CORS-safelisted `Content-Type` may have. */
export const CORS_SAFELISTED_CONTENT_TYPES: ReadonlySet<string> = new Set([
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'text/plain',
]);

/** The longest value a CORS-safelisted request-header may have, in bytes. */
export const SAFELISTED_VALUE_MAX = 128;
/** The most bytes all CORS-safelisted request-header values together may have. */
export const SAFELISTED_TOTAL_MAX = 1024;

/** CORS-unsafe request-header byte (Fetch). */
export function isCorsUnsafeRequestHeaderByte(c: number): boolean {
  if (c < 0x20) return c !== 0x09;
  switch (c) {
    case 0x22: // "
    case 0x28: // (
    case 0x29: // )
    case 0x3a: // :
    case 0x3c: // <
    case 0x3e: // >
    case 0x3f: // ?
    case 0x40: // @
    case 0x5b: // [
    case 0x5c: // \
    case 0x5d: // ]
    case 0x7b: // {
    case 0x7d: // }
    case 0x7f: // DEL
      return true;
    default:
      return false;
  }
}

function hasCorsUnsafeRequestHeaderByte(value: string): boolean {
  for (let i = 0; i < value.length; i++) if (isCorsUnsafeRequestHeaderByte(value.charCodeAt(i))) return true;
  return false;
}

/** The bytes `Accept-Language` and `Content-Language` may hold to stay safelisted. */
function isLanguageByte(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    c === 0x20 ||
    c === 0x2a ||
    c === 0x2c ||
    c === 0x2d ||
    c === 0x2e ||
    c === 0x3b ||
    c === 0x3d
  );
}

/**
 * The essence (`type/subtype`, lowercase) of a MIME type (MIME Sniffing
 * "parse a MIME type", steps that decide success), or `null` on failure.
 */
export function mimeTypeEssence(input: string): string | null {
  let start = 0;
  let end = input.length;
  while (start < end && isHttpWhitespace(input.charCodeAt(start))) start++;
  while (end > start && isHttpWhitespace(input.charCodeAt(end - 1))) end--;
  let i = start;
  while (i < end && input.charCodeAt(i) !== 0x2f) {
    if (!isTokenCodePoint(input.charCodeAt(i))) return null;
    i++;
  }
  if (i === start || i >= end) return null;
  i++; // "/"
  const subStart = i;
  while (i < end && input.charCodeAt(i) !== 0x3b) i++;
  let subEnd = i;
  while (subEnd > subStart && isHttpWhitespace(input.charCodeAt(subEnd - 1))) subEnd--;
  if (subEnd === subStart) return null;
  for (let j = subStart; j < subEnd; j++) if (!isTokenCodePoint(input.charCodeAt(j))) return null;
  // type "/" subtype, one slice of the input (a concatenation would be slower to lowercase).
  return asciiLowercase(input.slice(start, subEnd));
}

/**
 * Fetch "parse a single range header value" with allowWhitespace false:
 * `[start, end]` (either may be `null`) or `null` on failure.
 */
export function parseSingleRangeHeaderValue(value: string): [number | null, number | null] | null {
  const n = value.length;
  let i = 0;
  while (i < n && value.charCodeAt(i) !== 0x3d) i++;
  if (asciiLowercase(value.slice(0, i)) !== 'bytes' || i >= n) return null;
  i++; // "="
  const s0 = i;
  while (i < n && value.charCodeAt(i) >= 0x30 && value.charCodeAt(i) <= 0x39) i++;
  const startDigits = value.slice(s0, i);
  if (i >= n || value.charCodeAt(i) !== 0x2d) return null;
  i++; // "-"
  const e0 = i;
  while (i < n && value.charCodeAt(i) >= 0x30 && value.charCodeAt(i) <= 0x39) i++;
  const endDigits = value.slice(e0, i);
  if (i !== n) return null;
  const start = startDigits === '' ? null : Number(startDigits);
  const end = endDigits === '' ? null : Number(endDigits);
  if (start === null && end === null) return null;
  if (start !== null && end !== null && start > end) return null;
  return [start, end];
}

/** Byte length of a header value (header values are byte sequences; code points above 0xFF are refused earlier). */
function byteLength(value: string): number {
  return value.length;
}

/**
 * CORS-safelisted request-header (Fetch): whether `(name, value)` can be sent
 * cross-origin without a preflight, judged on its own.
 */
export function isCorsSafelistedRequestHeader(name: string, value: string): boolean {
  return isCorsSafelistedLowercaseRequestHeader(asciiLowercase(name), value);
}

/** {@link isCorsSafelistedRequestHeader} for a name already in lowercase. */
export function isCorsSafelistedLowercaseRequestHeader(lower: string, value: string): boolean {
  if (byteLength(value) > SAFELISTED_VALUE_MAX) return false;
  switch (lower) {
    case 'accept':
      return !hasCorsUnsafeRequestHeaderByte(value);
    case 'accept-language':
    case 'content-language':
      for (let i = 0; i < value.length; i++) if (!isLanguageByte(value.charCodeAt(i))) return false;
      return true;
    case 'content-type': {
      if (hasCorsUnsafeRequestHeaderByte(value)) return false;
      const essence = mimeTypeEssence(value);
      return essence !== null && CORS_SAFELISTED_CONTENT_TYPES.has(essence);
    }
    case 'range': {
      const range = parseSingleRangeHeaderValue(value);
      return range !== null && range[0] !== null;
    }
    default:
      return false;
  }
}

/** No-CORS-safelisted request-header names (Fetch), lowercase: all a `no-cors` request may carry of script's headers. */
const NO_CORS_SAFELISTED_REQUEST_HEADER_NAMES: ReadonlySet<string> = new Set(['accept', 'accept-language', 'content-language', 'content-type']);

/**
 * No-CORS-safelisted request-header (Fetch): whether script can put
 * `(name, value)` on a `no-cors` request (`fetch(url, {mode: 'no-cors'})`);
 * an `<img>` or a `<script>` carries none of script's headers.
 */
export function isNoCorsSafelistedRequestHeader(name: string, value: string): boolean {
  return NO_CORS_SAFELISTED_REQUEST_HEADER_NAMES.has(asciiLowercase(name)) && isCorsSafelistedRequestHeader(name, value);
}

/**
 * CORS-unsafe request-header names (Fetch): the names of the request's
 * headers that need a preflight, lowercased, de-duplicated and sorted
 * (byte order). When the safelisted values add up to more than 1024 bytes,
 * they all count as unsafe.
 */
export function corsUnsafeRequestHeaderNames(headers: HeaderList): string[] {
  const unsafe = new Set<string>();
  const potentiallyUnsafe: string[] = [];
  let safelistValueSize = 0;
  for (const [name, value] of headers) {
    if (!isCorsSafelistedRequestHeader(name, value)) {
      unsafe.add(asciiLowercase(name));
    } else {
      potentiallyUnsafe.push(asciiLowercase(name));
      safelistValueSize += byteLength(value);
    }
  }
  if (safelistValueSize > SAFELISTED_TOTAL_MAX) for (const name of potentiallyUnsafe) unsafe.add(name);
  return [...unsafe].sort(byteCompare);
}

/** Byte-wise string comparison, for sorting header names. */
export function byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Sort header names in byte order, in place (as {@link byteCompare} does),
 * by insertion: the lists are a few names long, where this is several times
 * faster than `Array#sort` with a comparator.
 */
export function sortNames(names: string[]): string[] {
  for (let i = 1; i < names.length; i++) {
    const name = names[i] as string;
    let j = i - 1;
    for (; j >= 0 && (names[j] as string) > name; j--) names[j + 1] = names[j] as string;
    names[j + 1] = name;
  }
  return names;
}
