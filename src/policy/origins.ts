/**
 * Allowed origins: exact origins, patterns and anchored RegExps, checked
 * when the policy is created and matched without backtracking at run time.
 */
import { parse as parseDomain } from 'tldts';
import type { ConfigProblem, ConfigProblemCode } from './errors.js';

/** The longest Origin header the policy reads; longer ones are refused. */
export const MAX_ORIGIN_LENGTH = 2048;

/** A pattern entry: `scheme://*.suffix[:port]` and/or `scheme://host:*`. */
export interface OriginPattern {
  source: string;
  scheme: string;
  /** With a leading `*.`: the suffix after it, starting with a dot (`.example.com`); else the exact host. */
  host: string;
  subdomains: boolean;
  /** `'*'` for any port, `''` for the scheme's default port, else the port digits. */
  port: string;
}

/** An origin split into its parts, or `null` when the string is not a plausible serialized origin. */
export interface OriginParts {
  scheme: string;
  host: string;
  port: string;
}

/**
 * Split a serialized origin (`scheme://host[:port]`) without a URL parser:
 * the run-time path. Only the shape is checked; exact matching against the
 * configured, normalized origins does the rest.
 */
export function splitOrigin(origin: string): OriginParts | null {
  if (origin.length === 0 || origin.length > MAX_ORIGIN_LENGTH) return null;
  const sep = origin.indexOf('://');
  if (sep <= 0) return null;
  const scheme = origin.slice(0, sep);
  let hostEnd = origin.length;
  let port = '';
  // The port follows the last colon, unless that colon is inside an IPv6 literal.
  const lastColon = origin.lastIndexOf(':');
  if (lastColon > sep + 2 && origin.charCodeAt(origin.length - 1) !== 0x5d /* ] */) {
    port = origin.slice(lastColon + 1);
    hostEnd = lastColon;
    for (let i = 0; i < port.length; i++) {
      const c = port.charCodeAt(i);
      if (c < 0x30 || c > 0x39) return null;
    }
    if (port === '') return null;
  }
  const host = origin.slice(sep + 3, hostEnd);
  if (host === '' || host.includes('/') || host.includes('@')) return null;
  return { scheme, host, port };
}

/** Whether an origin matches a pattern. */
export function matchesPattern(parts: OriginParts, pattern: OriginPattern): boolean {
  if (parts.scheme !== pattern.scheme) return false;
  if (pattern.port !== '*' && parts.port !== pattern.port) return false;
  if (!pattern.subdomains) return parts.host === pattern.host;
  // One or more labels before the suffix.
  return parts.host.length > pattern.host.length && parts.host.endsWith(pattern.host) && parts.host.charCodeAt(0) !== 0x2e;
}

/** Whether a host is loopback (`localhost`, `*.localhost`, 127.0.0.0/8, `[::1]`). */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost') || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The result of checking one configured origin string. */
export type CheckedOrigin =
  | { kind: 'exact'; origin: string; parts: OriginParts }
  | { kind: 'pattern'; pattern: OriginPattern }
  | { kind: 'invalid' };

const DEFAULT_PORTS: Readonly<Record<string, string>> = { 'http:': '80', 'https:': '443' };

/**
 * Check one configured origin string; push problems (with what to write
 * instead) and return what it is.
 */
export function checkOriginString(value: string, path: string, problems: ConfigProblem[]): CheckedOrigin {
  const add = (code: ConfigProblemCode, message: string): CheckedOrigin => {
    problems.push({ code, path, message });
    return { kind: 'invalid' };
  };
  if (value === 'null') {
    return add(
      'null-origin',
      "'null' is the origin of sandboxed iframes, file: pages and redirected requests; any site can produce it, so allowing it allows everyone. Name the real origins instead.",
    );
  }
  if (value.includes(',')) {
    const parts = value.split(',').map((p) => p.trim()).filter((p) => p !== '');
    return add('origin-list-in-string', `'${value}' is several origins in one string, which never equals an Origin header; write an array: [${parts.map((p) => `'${p}'`).join(', ')}].`);
  }
  if (value.trim() === '') return add('origin-empty', `${JSON.stringify(value)} allows no origin; name the origins, or use origin: false to turn CORS off.`);
  if (value.trim() !== value || /\s/.test(value)) return add('origin-whitespace', `'${value}' contains white space; write '${value.replace(/\s+/g, '')}'.`);
  if (value.includes('*')) return checkPattern(value, path, problems);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return add('origin-not-url', `'${value}' is not an origin; write scheme://host[:port], e.g. 'https://app.example.com'.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return add('origin-bad-scheme', `'${value}' is not an http or https origin.`);
  }
  const serialized = url.origin;
  if (serialized !== value) {
    const why: string[] = [];
    if (url.username || url.password) why.push('it has user:password@');
    if (url.pathname !== '/' || value.endsWith('/')) why.push(url.pathname === '/' ? 'it has a trailing slash' : 'it has a path');
    if (url.search) why.push('it has a query');
    if (url.hash || value.includes('#')) why.push('it has a fragment');
    const rawPort = /:(\d+)(?:[/?#]|$)/.exec(value.slice(value.indexOf('//') + 2))?.[1];
    if (rawPort !== undefined && rawPort === DEFAULT_PORTS[url.protocol]) why.push(`:${rawPort} is the default port, which browsers leave out`);
    if (/[A-Z]/.test(value.split('/').slice(0, 3).join('/'))) why.push('browsers send scheme and host in lowercase');
    if (/[^\x00-\x7f]/.test(value)) why.push('browsers send international host names in punycode');
    return add(
      'origin-not-serialized',
      `'${value}' never equals an Origin header (${why.length ? why.join('; ') : 'it is not in serialized form'}); write '${serialized}'.`,
    );
  }
  return { kind: 'exact', origin: serialized, parts: splitOrigin(serialized) as OriginParts };
}

function checkPattern(value: string, path: string, problems: ConfigProblem[]): CheckedOrigin {
  const m = /^(https?):\/\/(\*\.)?([^*/:?#@]+)(?::(\*|\d{1,5}))?$/.exec(value);
  if (!m) {
    problems.push({
      code: 'origin-bad-pattern',
      path,
      message: `'${value}' is not a pattern corsproof understands: use a leading '*.' for subdomains ('https://*.example.com') and/or ':*' for any port ('http://localhost:*').`,
    });
    return { kind: 'invalid' };
  }
  const [, scheme, star, hostRaw, portRaw] = m as unknown as [string, string, string | undefined, string, string | undefined];
  let host: string;
  try {
    host = new URL(`${scheme}://${hostRaw}`).hostname;
  } catch {
    problems.push({ code: 'origin-bad-pattern', path, message: `'${value}': '${hostRaw}' is not a host name.` });
    return { kind: 'invalid' };
  }
  if (host !== hostRaw) {
    problems.push({ code: 'origin-bad-pattern', path, message: `'${value}': write the host as browsers send it, '${host}'.` });
    return { kind: 'invalid' };
  }
  let port = portRaw ?? '';
  if (port === DEFAULT_PORTS[`${scheme}:`]) port = '';
  if (port !== '' && port !== '*' && Number(port) > 65535) {
    problems.push({ code: 'origin-bad-pattern', path, message: `'${value}': ${port} is not a port.` });
    return { kind: 'invalid' };
  }
  if (!star && port !== '*') {
    problems.push({ code: 'origin-bad-pattern', path, message: `'${value}' has a '*' that is neither a leading '*.' label nor ':*'.` });
    return { kind: 'invalid' };
  }
  return {
    kind: 'pattern',
    pattern: { source: value, scheme, host: star ? `.${host}` : host, subdomains: Boolean(star), port },
  };
}

/** Whether a pattern's wildcard sits directly on a public suffix (`*.com`, `*.co.uk`, `*.github.io`). */
export function isPublicSuffixWildcard(pattern: OriginPattern): boolean {
  if (!pattern.subdomains) return false;
  const base = pattern.host.slice(1);
  if (isLoopbackHost(base)) return false;
  const info = parseDomain(base, { allowPrivateDomains: true });
  if (info.isIp) return false;
  return info.domain === null || info.publicSuffix === base;
}

/**
 * Whether a RegExp provably matches only whole origins: anchored with `^`
 * and `$`, no multiline flag, no top-level alternation, and no unescaped
 * `.` (which would let `api.example.com` match `apiXexample.com`).
 */
export function isAnchoredRegExp(re: RegExp): boolean {
  const src = re.source;
  if (re.flags.includes('m') || !src.startsWith('^') || !src.endsWith('$') || src.endsWith('\\$')) return false;
  let depth = 0;
  let inClass = false;
  for (let i = 1; i < src.length - 1; i++) {
    const c = src[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) return false;
    else if (c === '.') return false;
  }
  return true;
}

/**
 * Patterns equivalent to what a RegExp like `/example\.com$/`,
 * `/(^|\.)example\.com$/`, `/^https?:\/\/(www\.)?example\.com$/` or
 * `/\.localhost(:\d+)?$/` was meant to allow, for the error message; `null`
 * when no host can be read from it.
 */
export function suggestPatterns(re: RegExp): string[] | null {
  let src = re.source.replace(/^\^/, '').replace(/\$$/, '');
  let scheme = 'https';
  const schemeMatch = /^\(?(?:\?:)?(https?)(\?|\(s\)\?)?(?::|:\\\/\\\/|:\/\/)?\)?\??(?:\\\/\\\/|\/\/)?/.exec(src);
  if (schemeMatch && schemeMatch[0] !== '') {
    if (schemeMatch[1] === 'http' && schemeMatch[2] === undefined) scheme = 'http';
    src = src.slice(schemeMatch[0].length);
  }
  src = src.replace(/^(?::\\\/\\\/|:\/\/|\\\/\\\/|\/\/)/, '');
  let subdomains = false;
  let exact = true;
  let www = false;
  // What stands for "any subdomain, or none".
  const optionalSub = /^(?:\(\?:)?(?:\(\^\|\\\.\)|\(\.\+\\\.\)\?|\(\.\*\\\.\)\?|\((?:\?:)?\[[^\]]*\]\+\\\.\)[*?])/;
  const requiredSub = /^(?:\.\+\\\.|\.\*\\\.|\[[^\]]*\]\+\\\.|\\\.)/;
  const wwwSub = /^\((?:\?:)?www\\\.\)\?/;
  if (optionalSub.test(src)) {
    src = src.replace(optionalSub, '');
    subdomains = true;
  } else if (wwwSub.test(src)) {
    src = src.replace(wwwSub, '');
    www = true;
  } else if (requiredSub.test(src)) {
    src = src.replace(requiredSub, '');
    subdomains = true;
    exact = false;
  } else if (src.startsWith('.*')) {
    src = src.slice(2);
    subdomains = true;
  } else if (!re.source.startsWith('^')) {
    subdomains = true; // unanchored at the start: anything before it matched
  }
  let port = '';
  const portMatch = /(?:\((?:\?:)?:(?:\\d|\[0-9\])[+*](?:\))?\)?\??|:(?:\\d|\[0-9\])[+*]|:\d{1,5})$/.exec(src);
  if (portMatch) {
    const fixed = /^:(\d{1,5})$/.exec(portMatch[0]);
    port = fixed ? `:${fixed[1]}` : ':*';
    src = src.slice(0, portMatch.index);
  }
  const host = src.replace(/\\\./g, '.').toLowerCase();
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(host) || (!host.includes('.') && host !== 'localhost')) return null;
  if (isLoopbackHost(host) && !/https/.test(re.source)) scheme = 'http';
  const out: string[] = [];
  if (exact) out.push(`${scheme}://${host}${port}`);
  if (www) out.push(`${scheme}://www.${host}${port}`);
  if (subdomains) out.push(`${scheme}://*.${host}${port}`);
  return out;
}
