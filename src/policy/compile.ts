/**
 * Options → a compiled policy, or a CorsConfigError listing every problem.
 * The rules and their reasons are listed in the README ("Validation rules").
 */
import { catastrophicBacktracking } from './backtracking.js';
import { isToken } from '../engine/headers.js';
import { reason } from '../engine/reasons.js';
import {
  CORS_SAFELISTED_RESPONSE_HEADER_NAMES,
  FORBIDDEN_RESPONSE_HEADER_NAMES,
  isForbiddenMethod,
  isForbiddenRequestHeader,
} from '../engine/safelist.js';
import type { ConfigProblem } from './errors.js';
import { CorsConfigError } from './errors.js';
import type { CorsOptions, OriginFunction } from './options.js';
import { DEFAULT_METHODS, OPTION_NAMES } from './options.js';
import type { OriginPattern } from './origins.js';
import { checkOriginString, isAnchoredRegExp, isLoopbackHost, isPublicSuffixWildcard, suggestPatterns } from './origins.js';

/** Each browser's cap on Access-Control-Max-Age, for messages. */
export const MAX_AGE_CAPS = { chromium: 7200, firefox: 86400, safari: 600 } as const;

/** A callback-style origin function, as the `cors` package calls it. */
type OriginCallback = (error: unknown, allow?: unknown) => void;

/** The compiled form the request path reads. */
export interface CompiledPolicy {
  /** `origin: false`: never add CORS headers. */
  disabled: boolean;
  /** `'*'`: any origin, answered with `*`. */
  wildcard: boolean;
  /** `true`: any origin, answered with the origin itself. */
  reflectAny: boolean;
  exact: Set<string>;
  patterns: OriginPattern[];
  regexps: RegExp[];
  originFunction: ((origin: string, request: unknown) => boolean | Promise<boolean>) | null;
  credentials: boolean;
  methods: Set<string>;
  /** Lowercase allowed header names, or `null` to allow whatever the preflight asks for. */
  allowedHeaders: Set<string> | null;
  /** The Access-Control-Expose-Headers value, or `null`. */
  exposedHeaders: string | null;
  /** The Access-Control-Max-Age value, or `null`. */
  maxAge: string | null;
  optionsSuccessStatus: number;
  preflightContinue: boolean;
  privateNetwork: boolean;
  debug: ((line: string) => void) | null;
  onError: ((error: unknown) => void) | null;
  /** Whether Access-Control-Allow-Origin depends on the request (so responses need `Vary: Origin`). */
  varyOrigin: boolean;
}

function listOption(value: unknown, path: string, problems: ConfigProblem[]): string[] | null {
  if (value === undefined) return null;
  if (typeof value === 'string') return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.map((s: string) => s.trim());
  problems.push({ code: 'bad-type', path, message: 'expected an array of strings or a comma-separated string.' });
  return null;
}

/** Levenshtein distance, for "did you mean" on unknown options. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] as number;
      row[j] = Math.min((row[j] as number) + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] as number;
}

const PROBE_ORIGIN = 'https://corsproof-probe.invalid';

/** Whether an origin function allows an origin no one configured: a reflect-everything function. */
function allowsAnyOrigin(fn: (...args: unknown[]) => unknown): boolean {
  let viaCallback: unknown;
  try {
    const result = fn(PROBE_ORIGIN, (_err: unknown, allow?: unknown) => {
      viaCallback = allow;
    });
    if (result instanceof Promise) {
      result.catch(() => undefined);
      return false;
    }
    return result === true || viaCallback === true || viaCallback === PROBE_ORIGIN;
  } catch {
    return false;
  }
}

/**
 * What a `cors`-style callback value allows: `true`, the origin itself, `'*'`,
 * a RegExp that matches it, or an array holding any of these (the `cors`
 * package evaluates the value like its static `origin` option).
 */
function callbackAllows(origin: string, value: unknown): boolean {
  if (value === true || value === '*' || value === origin) return true;
  if (value instanceof RegExp) {
    value.lastIndex = 0;
    return value.test(origin);
  }
  return Array.isArray(value) && value.some((v) => callbackAllows(origin, v));
}

/** Wrap a `(origin, request)` or `cors`-style `(origin, callback)` function into one returning a boolean or a promise. */
function normalizeOriginFunction(fn: OriginFunction | ((origin: string, callback: OriginCallback) => void)) {
  const raw = fn as (...args: unknown[]) => unknown;
  return (origin: string, request: unknown): boolean | Promise<boolean> => {
    let settle: ((allow: boolean) => void) | null = null;
    let early: boolean | undefined;
    let failure: unknown;
    const callback: OriginCallback = (error, allow) => {
      if (error) failure = error;
      const ok = !error && callbackAllows(origin, allow);
      if (settle) settle(ok);
      else early = ok;
    };
    const result = raw(origin, callback, request);
    if (failure !== undefined) throw failure;
    if (typeof result === 'boolean') return result;
    if (result instanceof Promise) return result.then((v) => callbackAllows(origin, v));
    if (early !== undefined) return early;
    return new Promise<boolean>((resolve) => {
      settle = resolve;
    });
  };
}

/** Check the options and compile them. Throws a {@link CorsConfigError} with every problem found. */
export function compile(options: CorsOptions = {}): CompiledPolicy {
  const problems: ConfigProblem[] = [];
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new CorsConfigError([{ code: 'bad-type', path: 'options', message: 'expected an options object.' }]);
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.includes(key)) {
      const near = OPTION_NAMES.map((n) => [n, distance(key.toLowerCase(), n.toLowerCase())] as const).sort((a, b) => a[1] - b[1])[0];
      problems.push({
        code: 'unknown-option',
        path: key,
        message: `unknown option${near && near[1] <= 3 ? `; did you mean '${near[0]}'?` : ''} (options: ${OPTION_NAMES.join(', ')}).`,
      });
    }
  }
  const o = options as Record<string, unknown>;
  const bool = (name: string, fallback: boolean): boolean => {
    const v = o[name];
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') {
      problems.push({ code: 'bad-type', path: name, message: `expected true or false, got ${JSON.stringify(v)}.` });
      return fallback;
    }
    return v;
  };
  const credentials = bool('credentials', false);
  const tolerateInsecure = bool('dangerouslyAllowInsecureOriginsWithCredentials', false);
  const toleratePublicSuffix = bool('dangerouslyAllowPublicSuffixWildcards', false);
  const wildcardRow = reason('wildcard-with-credentials');
  const browsersSay = `browsers reject every credentialed response with it (Firefox: ${wildcardRow.firefox?.reason}, Chromium: ${wildcardRow.chromium?.corsError})`;

  // origin
  const compiled: CompiledPolicy = {
    disabled: false,
    wildcard: false,
    reflectAny: false,
    exact: new Set(),
    patterns: [],
    regexps: [],
    originFunction: null,
    credentials,
    methods: new Set(),
    allowedHeaders: null,
    exposedHeaders: null,
    maxAge: null,
    optionsSuccessStatus: 204,
    preflightContinue: false,
    privateNetwork: false,
    debug: null,
    onError: null,
    varyOrigin: true,
  };
  const origin = o.origin === undefined ? '*' : o.origin;
  const addEntry = (entry: unknown, path: string): void => {
    if (entry instanceof RegExp) {
      if (!isAnchoredRegExp(entry)) {
        const suggestion = suggestPatterns(entry);
        problems.push({
          code: 'origin-regexp-unanchored',
          path,
          message:
            `${String(entry)} is not anchored (^...$, every '.' escaped, no top-level '|', no 'm' flag), so it also matches origins you did not mean` +
            (suggestion
              ? ` (it accepts 'https://attacker${suggestion[0]?.slice('https://'.length)}'). Write the patterns instead: ${suggestion.map((s) => `'${s}'`).join(', ')}.`
              : '. Write exact origins or patterns such as \'https://*.example.com\'.'),
        });
        return;
      }
      const backtracking = catastrophicBacktracking(entry);
      if (backtracking !== null) {
        const suggestion = suggestPatterns(entry);
        problems.push({
          code: 'origin-regexp-backtracking',
          path,
          message:
            `${String(entry)} has ${backtracking}: a crafted Origin header makes matching take exponential time and stalls the server. ` +
            (suggestion
              ? `Write the patterns instead: ${suggestion.map((s) => `'${s}'`).join(', ')}.`
              : "Write exact origins or patterns such as 'https://*.example.com', or a RegExp whose repeated parts are separated (e.g. ([a-z0-9-]+\\.)*)."),
        });
        return;
      }
      compiled.regexps.push(entry);
      return;
    }
    if (typeof entry !== 'string') {
      problems.push({ code: 'bad-type', path, message: `expected an origin string or a RegExp, got ${JSON.stringify(entry)}.` });
      return;
    }
    if (entry === '*') {
      problems.push({ code: 'origin-wildcard-in-list', path, message: "'*' cannot be one entry of a list; use origin: '*' on its own, or list the origins." });
      return;
    }
    const checked = checkOriginString(entry, path, problems);
    if (checked.kind === 'exact') {
      if (credentials && !tolerateInsecure && checked.parts.scheme === 'http' && !isLoopbackHost(checked.parts.host)) {
        problems.push({
          code: 'insecure-origin-with-credentials',
          path,
          message: `'${entry}' is plain http: anyone on the network path can impersonate it and read credentialed responses. Use 'https://${entry.slice('http://'.length)}', or set dangerouslyAllowInsecureOriginsWithCredentials: true.`,
        });
      }
      compiled.exact.add(checked.origin);
    } else if (checked.kind === 'pattern') {
      const p = checked.pattern;
      if (credentials && !toleratePublicSuffix && isPublicSuffixWildcard(p)) {
        problems.push({
          code: 'public-suffix-wildcard',
          path,
          message: `'${entry}' matches every site under the public suffix '${p.host.slice(1)}', which anyone can register; with credentials they could read your users' data. Name your own domain ('https://*.your-domain${p.host}'), or set dangerouslyAllowPublicSuffixWildcards: true.`,
        });
      }
      if (credentials && !tolerateInsecure && p.scheme === 'http' && !isLoopbackHost(p.subdomains ? p.host.slice(1) : p.host)) {
        problems.push({
          code: 'insecure-origin-with-credentials',
          path,
          message: `'${entry}' is plain http: anyone on the network path can impersonate it. Use https, or set dangerouslyAllowInsecureOriginsWithCredentials: true.`,
        });
      }
      compiled.patterns.push(p);
    }
  };
  if (origin === '*') {
    compiled.wildcard = true;
    compiled.varyOrigin = false;
    if (credentials) {
      problems.push({
        code: 'credentials-with-wildcard',
        path: 'origin',
        message: `origin '*' with credentials: true: ${browsersSay}. Name the origins that may send credentials, e.g. origin: ['https://app.example.com'], or drop credentials.`,
      });
    }
  } else if (origin === true) {
    compiled.reflectAny = true;
    if (credentials) {
      problems.push({
        code: 'credentials-with-reflect-all',
        path: 'origin',
        message:
          'origin: true reflects every Origin, so with credentials any website can read your users\' data. List the allowed origins instead, e.g. origin: [\'https://app.example.com\'].',
      });
    }
  } else if (origin === false) {
    compiled.disabled = true;
    compiled.varyOrigin = false;
  } else if (typeof origin === 'function') {
    const fn = origin as (...args: unknown[]) => unknown;
    if (credentials && allowsAnyOrigin(fn)) {
      problems.push({
        code: 'credentials-with-reflect-all',
        path: 'origin',
        message: `the origin function allowed '${PROBE_ORIGIN}', an origin nobody configured: it reflects every origin, so with credentials any website can read your users' data. Check the origin against an allow-list.`,
      });
    }
    compiled.originFunction = normalizeOriginFunction(fn as OriginFunction);
  } else if (Array.isArray(origin)) {
    if (origin.length === 0) problems.push({ code: 'origin-empty', path: 'origin', message: 'an empty list allows no origin; use origin: false to turn CORS off.' });
    origin.forEach((entry, i) => addEntry(entry, `origin[${i}]`));
  } else {
    addEntry(origin, 'origin');
  }

  // methods
  const methods = listOption(o.methods, 'methods', problems) ?? [...DEFAULT_METHODS];
  methods.forEach((m, i) => {
    const path = Array.isArray(o.methods) ? `methods[${i}]` : 'methods';
    if (!isToken(m)) {
      problems.push({ code: 'method-invalid', path, message: `'${m}' is not a method token.` });
    } else if (isForbiddenMethod(m)) {
      problems.push({ code: 'method-forbidden', path, message: `browsers never send ${m.toUpperCase()} from script; remove it.` });
    } else if (m !== m.toUpperCase()) {
      problems.push({
        code: 'method-case',
        path,
        message: `methods are case-sensitive and browsers send '${m.toUpperCase()}' for fetch(url, { method: '${m}' })${['delete', 'get', 'head', 'options', 'post', 'put'].includes(m.toLowerCase()) ? '' : " only if script writes it in upper case (and Node's HTTP server refuses lowercase methods)"}; write '${m.toUpperCase()}'.`,
      });
    } else {
      compiled.methods.add(m);
    }
  });

  // allowedHeaders
  const allowed = listOption(o.allowedHeaders, 'allowedHeaders', problems);
  if (allowed !== null && !(allowed.length === 1 && allowed[0] === '*')) {
    compiled.allowedHeaders = new Set();
    allowed.forEach((h, i) => {
      const path = Array.isArray(o.allowedHeaders) ? `allowedHeaders[${i}]` : 'allowedHeaders';
      const lower = h.toLowerCase();
      if (h === '*') problems.push({ code: 'header-wildcard-in-list', path, message: "'*' cannot be one entry of a list; use allowedHeaders: '*' on its own." });
      else if (!isToken(h)) problems.push({ code: 'header-invalid', path, message: `'${h}' is not a header name.` });
      else if (lower.startsWith('access-control-')) problems.push({ code: 'header-cors', path, message: `'${h}' is a CORS header the browser sets itself, not a request header script sends; remove it.` });
      else if (isForbiddenRequestHeader(h, '')) problems.push({ code: 'header-forbidden', path, message: `browsers never let script set '${h}'; remove it.` });
      else compiled.allowedHeaders?.add(lower);
    });
  }

  // exposedHeaders
  const exposed = listOption(o.exposedHeaders, 'exposedHeaders', problems);
  if (exposed !== null) {
    const keep: string[] = [];
    exposed.forEach((h, i) => {
      const path = Array.isArray(o.exposedHeaders) ? `exposedHeaders[${i}]` : 'exposedHeaders';
      const lower = h.toLowerCase();
      if (h === '*' && credentials) {
        problems.push({
          code: 'expose-wildcard-with-credentials',
          path,
          message: "with credentials, browsers read '*' in Access-Control-Expose-Headers as a header named '*', so nothing is exposed; list the header names.",
        });
      } else if (h !== '*' && !isToken(h)) {
        problems.push({ code: 'header-invalid', path, message: `'${h}' is not a header name; browsers ignore the whole list when one name is invalid.` });
      } else if (FORBIDDEN_RESPONSE_HEADER_NAMES.has(lower)) {
        problems.push({ code: 'expose-set-cookie', path, message: `browsers never let script read '${h}', whatever the server says; remove it.` });
      } else if (!CORS_SAFELISTED_RESPONSE_HEADER_NAMES.has(lower)) {
        keep.push(h);
      }
    });
    if (keep.length > 0) compiled.exposedHeaders = keep.join(', ');
  }

  // maxAge
  if (o.maxAge !== undefined) {
    const v = o.maxAge;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_AGE_CAPS.firefox) {
      problems.push({
        code: 'max-age-invalid',
        path: 'maxAge',
        message: `expected a whole number of seconds from 0 to ${MAX_AGE_CAPS.firefox}, got ${JSON.stringify(v)}. Browsers cap it anyway: Chromium at ${MAX_AGE_CAPS.chromium} (2 hours), Firefox at ${MAX_AGE_CAPS.firefox} (24 hours), Safari at ${MAX_AGE_CAPS.safari} (10 minutes).`,
      });
    } else {
      compiled.maxAge = String(v);
    }
  }

  // optionsSuccessStatus
  if (o.optionsSuccessStatus !== undefined) {
    const v = o.optionsSuccessStatus;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 200 || v > 299) {
      problems.push({
        code: 'status-not-ok',
        path: 'optionsSuccessStatus',
        message: `browsers fail every preflight whose status is not 200-299 (Chromium: PreflightInvalidStatus); got ${JSON.stringify(v)}. Use 204 or 200.`,
      });
    } else {
      compiled.optionsSuccessStatus = v;
    }
  }

  compiled.preflightContinue = bool('preflightContinue', false);
  compiled.privateNetwork = bool('privateNetwork', false);
  if (o.debug !== undefined) {
    if (typeof o.debug === 'function') compiled.debug = o.debug as (line: string) => void;
    else if (o.debug === true) compiled.debug = (line) => console.warn(line);
    else if (o.debug !== false) problems.push({ code: 'bad-type', path: 'debug', message: 'expected true, false or a function (line) => void.' });
  }
  if (o.onError !== undefined) {
    if (typeof o.onError === 'function') compiled.onError = o.onError as (error: unknown) => void;
    else problems.push({ code: 'bad-type', path: 'onError', message: 'expected a function (error) => void.' });
  }
  if (problems.length > 0) throw new CorsConfigError(problems);
  return compiled;
}
