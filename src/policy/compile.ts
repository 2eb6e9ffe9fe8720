/**
 * Options → a compiled policy, or a CorsConfigError listing every problem.
 * The rules and their reasons are listed in the README ("Validation rules").
 */
import { catastrophicBacktracking } from './backtracking.js';
import { isToken } from '../engine/headers.js';
import { reason } from '../engine/reasons.js';
import { FORBIDDEN_RESPONSE_HEADER_NAMES, isForbiddenMethod, isForbiddenRequestHeader } from '../engine/safelist.js';
import type { ConfigProblem } from './errors.js';
import { CorsConfigError } from './errors.js';
import type { CorsOptions } from './options.js';
import { DEFAULT_METHODS, OPTION_NAMES, PEER_OPTIONS } from './options.js';
import type { OriginFunctionStyle } from './origin-function.js';
import { PROBE_ORIGIN, probeOriginFunction } from './origin-function.js';
import type { OriginPattern } from './origins.js';
import { checkOriginString, isAnchoredRegExp, isLoopbackHost, isPublicSuffixWildcard, matchesPattern, splitOrigin, suggestPatterns } from './origins.js';

/** Each browser's cap on Access-Control-Max-Age, for messages. */
export const MAX_AGE_CAPS = { chromium: 7200, firefox: 86400, safari: 600 } as const;

/**
 * How an adapter calls the functions in the options, and how it formats
 * lists: each adapter follows its own framework's CORS middleware, so that
 * code written for `cors`, `@fastify/cors`, `@koa/cors` or `hono/cors` means
 * the same thing here.
 */
export interface PolicyConventions {
  /**
   * How an origin function is called: `'callback'` as `(origin, callback, request)`
   * (`cors`, `@fastify/cors`; the default), `'context'` as `(ctx)` (`@koa/cors`),
   * `'origin-context'` as `(origin, context)` (`hono/cors`, Web handlers).
   */
  originFunctionStyle?: OriginFunctionStyle;
  /**
   * A stand-in for the framework's request or context whose `Origin` is the
   * given origin: what an origin function receives when the policy checks,
   * at creation, that it does not allow every origin.
   */
  probeContext?: (origin: string) => unknown;
  /** The separator of the lists the policy writes (methods, headers): `','` (the default) or `', '`. */
  listSeparator?: ',' | ', ';
  /** `this` for origin functions (`@fastify/cors` binds the Fastify instance). */
  originThis?: unknown;
  /** The default `methods`, as the adapter's peer has them (default: the `cors` package's). */
  defaultMethods?: readonly string[];
}

/** Which origins a value allows: the static part of the `origin` option, or what an origin function returned. */
export interface OriginMatcher {
  /** `'*'`: any origin, answered with `*`. */
  wildcard: boolean;
  /** `true`: any origin, answered with the origin itself. */
  reflectAny: boolean;
  exact: Set<string>;
  patterns: OriginPattern[];
  regexps: RegExp[];
}

/** What the origin rules depend on. */
export interface OriginRules {
  /** Whether responses may carry credentials (`true`, or a credentials function). */
  credentials: boolean;
  tolerateInsecure: boolean;
  toleratePublicSuffix: boolean;
}

/** How an origin is answered: not allowed, allowed with its own value, or allowed with `*`. */
export type Allowance = false | true | '*';

/** The compiled form the request path reads. */
export interface CompiledPolicy extends OriginMatcher {
  /** `origin: false`: never add CORS headers. */
  disabled: boolean;
  /** The user's origin function, called in {@link originFunctionStyle}. */
  originFunction: ((...args: unknown[]) => unknown) | null;
  originFunctionStyle: OriginFunctionStyle;
  /** `this` for origin functions. */
  originThis: unknown;
  /** `credentials: true`. */
  credentials: boolean;
  /** `credentials` as a function of the adapter's context (as `@koa/cors` allows). */
  credentialsFunction: ((context: unknown) => unknown) | null;
  rules: OriginRules;
  methods: Set<string>;
  /** The Access-Control-Allow-Methods value: the configured list, as configured. */
  allowMethods: string;
  /** Lowercase allowed header names, or `null` to allow whatever the preflight asks for. */
  allowedHeaders: Set<string> | null;
  /** The Access-Control-Allow-Headers value when configured (as configured), else `null`. */
  allowHeaders: string | null;
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
  listSeparator: ',' | ', ';
  /** The start-up check of an origin function that answered asynchronously: its problems, once known. */
  pendingProbe: Promise<ConfigProblem[]> | null;
}

function listOption(value: unknown, path: string, problems: ConfigProblem[]): string[] | null {
  if (value === undefined) return null;
  if (typeof value === 'string') return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.map((s: string) => s.trim());
  problems.push({ code: 'bad-type', path, message: 'expected an array of strings or a comma-separated string.' });
  return null;
}

/** A list option's value as the user wrote it: a string kept, an array joined. */
function listValue(value: unknown, items: readonly string[], separator: string): string {
  return typeof value === 'string' ? value.trim() : items.join(separator);
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

/** The problem `'*'` with credentials is, its browsers' names read from the reason table. */
export function credentialsWithWildcard(path: string): ConfigProblem {
  const row = reason('wildcard-with-credentials');
  return {
    code: 'credentials-with-wildcard',
    path,
    message: `origin '*' with credentials: browsers reject every credentialed response with it (Firefox: ${row.firefox?.reason}, Chromium: ${row.chromium?.corsError}). Name the origins that may send credentials, e.g. origin: ['https://app.example.com'], or drop credentials.`,
  };
}

/** For an unanchored RegExp: an origin it accepts that nobody meant, when one is plain to see. */
function attackerExample(re: RegExp, suggestion: string[] | null): string | null {
  const exact = suggestion?.find((s) => !s.includes('*'));
  if (exact === undefined) return null;
  const attacker = exact.replace('://', '://attacker');
  re.lastIndex = 0;
  return re.test(attacker) ? ` (it accepts '${attacker}'). ` : null;
}

/** An empty matcher: allows nothing. */
export function emptyMatcher(): OriginMatcher {
  return { wildcard: false, reflectAny: false, exact: new Set(), patterns: [], regexps: [] };
}

/** Check one origin entry (an origin string, a pattern or a RegExp) and add it to `matcher`, or push its problems. */
export function addOriginEntry(entry: unknown, path: string, rules: OriginRules, matcher: OriginMatcher, problems: ConfigProblem[]): void {
  if (entry instanceof RegExp) {
    const suggestion = suggestPatterns(entry);
    const instead = suggestion
      ? `Write the patterns instead: ${suggestion.map((s) => `'${s}'`).join(', ')}.`
      : "Write the exact origins (origin: ['https://app.example.com']) or a pattern for your subdomains ('https://*.example.com').";
    if (!isAnchoredRegExp(entry)) {
      problems.push({
        code: 'origin-regexp-unanchored',
        path,
        message:
          `${String(entry)} is not anchored (^...$, every '.' escaped, no top-level '|', no 'm' flag), so it also matches origins you did not mean` +
          (attackerExample(entry, suggestion) ?? '. ') +
          instead,
      });
      return;
    }
    const backtracking = catastrophicBacktracking(entry);
    if (backtracking !== null) {
      problems.push({
        code: 'origin-regexp-backtracking',
        path,
        message:
          `${String(entry)} has ${backtracking}: a crafted Origin header makes matching take exponential or steeply polynomial time and stalls the server. ` +
          (suggestion ? instead : "Write exact origins or patterns such as 'https://*.example.com', or a RegExp whose repeated parts are separated (e.g. ([a-z0-9-]+\\.)*)."),
      });
      return;
    }
    matcher.regexps.push(entry);
    return;
  }
  if (typeof entry !== 'string') {
    problems.push({ code: 'bad-type', path, message: `expected an origin string or a RegExp, got ${JSON.stringify(entry) ?? typeof entry}.` });
    return;
  }
  if (entry === '*') {
    problems.push({ code: 'origin-wildcard-in-list', path, message: "'*' cannot be one entry of a list; use origin: '*' on its own, or list the origins." });
    return;
  }
  const checked = checkOriginString(entry, path, problems);
  if (checked.kind === 'exact') {
    if (rules.credentials && !rules.tolerateInsecure && checked.parts.scheme === 'http' && !isLoopbackHost(checked.parts.host)) {
      problems.push({
        code: 'insecure-origin-with-credentials',
        path,
        message: `'${entry}' is plain http: anyone on the network path can impersonate it and read credentialed responses. Use 'https://${entry.slice('http://'.length)}', or set dangerouslyAllowInsecureOriginsWithCredentials: true.`,
      });
    }
    matcher.exact.add(checked.origin);
  } else if (checked.kind === 'pattern') {
    const p = checked.pattern;
    if (rules.credentials && !rules.toleratePublicSuffix && isPublicSuffixWildcard(p)) {
      problems.push({
        code: 'public-suffix-wildcard',
        path,
        message: `'${entry}' matches every site under the public suffix '${p.host.slice(1)}', which anyone can register; with credentials they could read your users' data. Name your own domain ('https://*.your-domain${p.host}'), or set dangerouslyAllowPublicSuffixWildcards: true.`,
      });
    }
    if (rules.credentials && !rules.tolerateInsecure && p.scheme === 'http' && !isLoopbackHost(p.subdomains ? p.host.slice(1) : p.host)) {
      problems.push({
        code: 'insecure-origin-with-credentials',
        path,
        message: `'${entry}' is plain http: anyone on the network path can impersonate it. Use https, or set dangerouslyAllowInsecureOriginsWithCredentials: true.`,
      });
    }
    matcher.patterns.push(p);
  }
}

/**
 * What a value means as the `origin` option: `true` (any origin, reflected),
 * `'*'` (any, answered with `*`; never with credentials), an origin, a
 * pattern, a RegExp or an array of these; `false`, `null`, `undefined` and
 * `''` allow nothing. Used for the option itself and for every value an
 * origin function returns, so that both follow the same rules.
 */
export function compileOriginValue(value: unknown, path: string, rules: OriginRules, problems: ConfigProblem[]): OriginMatcher {
  const matcher = emptyMatcher();
  if (value === true) matcher.reflectAny = true;
  else if (value === '*') {
    if (rules.credentials) problems.push(credentialsWithWildcard(path));
    else matcher.wildcard = true;
  } else if (value === false || value === null || value === undefined || value === '') {
    // allows nothing
  } else if (Array.isArray(value)) {
    value.forEach((entry: unknown, i) => addOriginEntry(entry, `${path}[${i}]`, rules, matcher, problems));
  } else {
    addOriginEntry(value, path, rules, matcher, problems);
  }
  return matcher;
}

/** How a matcher answers an origin (already checked to be at most MAX_ORIGIN_LENGTH long). */
export function matchOrigin(m: OriginMatcher, origin: string): Allowance {
  if (m.wildcard) return '*';
  if (m.reflectAny || m.exact.has(origin)) return true;
  if (m.patterns.length > 0) {
    const parts = splitOrigin(origin);
    if (parts !== null && m.patterns.some((p) => matchesPattern(parts, p))) return true;
  }
  for (const re of m.regexps) {
    re.lastIndex = 0; // a /g or /y RegExp would otherwise alternate between allow and deny
    if (re.test(origin)) return true;
  }
  return false;
}

export { PROBE_ORIGIN };

/** Check the options and compile them. Throws a {@link CorsConfigError} with every problem found. */
export function compile(options: CorsOptions = {}, conventions: PolicyConventions = {}): CompiledPolicy {
  const problems: ConfigProblem[] = [];
  const o = validateOptionNames(options, problems);
  const bool = (name: string, fallback: boolean): boolean => validateBoolean(o[name], name, fallback, problems);
  const credentialsFunction = typeof o.credentials === 'function' ? (o.credentials as (context: unknown) => unknown) : null;
  const credentials = credentialsFunction === null && bool('credentials', false);
  const rules: OriginRules = {
    credentials: credentials || credentialsFunction !== null,
    tolerateInsecure: bool('dangerouslyAllowInsecureOriginsWithCredentials', false),
    toleratePublicSuffix: bool('dangerouslyAllowPublicSuffixWildcards', false),
  };
  const separator = conventions.listSeparator ?? ',';
  const compiled: CompiledPolicy = {
    ...emptyMatcher(),
    disabled: false,
    originFunction: null,
    originFunctionStyle: conventions.originFunctionStyle ?? 'callback',
    originThis: conventions.originThis,
    credentials,
    credentialsFunction,
    rules,
    methods: new Set(),
    allowMethods: '',
    allowedHeaders: null,
    allowHeaders: null,
    exposedHeaders: null,
    maxAge: null,
    optionsSuccessStatus: 204,
    preflightContinue: false,
    privateNetwork: false,
    debug: null,
    onError: null,
    varyOrigin: true,
    listSeparator: separator,
    pendingProbe: null,
  };
  // In option order, so that the problems are listed as the options are written.
  validateOrigin(o.origin, compiled, conventions, problems);
  Object.assign(compiled, validateMethods(o.methods, conventions.defaultMethods ?? DEFAULT_METHODS, separator, problems));
  Object.assign(compiled, validateAllowedHeaders(o.allowedHeaders, separator, problems));
  compiled.exposedHeaders = validateExposedHeaders(o.exposedHeaders, rules, separator, problems);
  compiled.maxAge = validateMaxAge(o.maxAge, problems);
  compiled.optionsSuccessStatus = validateSuccessStatus(o.optionsSuccessStatus, problems);
  compiled.preflightContinue = bool('preflightContinue', false);
  compiled.privateNetwork = bool('privateNetwork', false);
  compiled.debug = validateDebug(o.debug, problems);
  compiled.onError = validateOnError(o.onError, problems);
  if (problems.length > 0) throw new CorsConfigError(problems);
  return compiled;
}

/**
 * The option names: unknown ones (with the one probably meant) and other
 * packages' names (accepted where they mean what corsproof does, else the
 * corsproof way to write them). Returns the options to read, peers' accepted
 * names translated.
 */
function validateOptionNames(options: unknown, problems: ConfigProblem[]): Record<string, unknown> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new CorsConfigError([{ code: 'bad-type', path: 'options', message: 'expected an options object.' }]);
  }
  const o: Record<string, unknown> = { ...(options as Record<string, unknown>) };
  for (const key of Object.keys(o)) {
    if (OPTION_NAMES.includes(key)) continue;
    const peer = Object.hasOwn(PEER_OPTIONS, key) ? PEER_OPTIONS[key] : undefined;
    if (peer !== undefined) {
      const verdict = peer(o[key], o);
      if (!verdict.accept) problems.push({ code: 'peer-option', path: key, message: verdict.message });
      else {
        delete o[key];
        if (verdict.as !== undefined) o[verdict.as.option] = verdict.as.value;
      }
      continue;
    }
    const near = OPTION_NAMES.map((n) => [n, distance(key.toLowerCase(), n.toLowerCase())] as const).sort((a, b) => a[1] - b[1])[0];
    problems.push({
      code: 'unknown-option',
      path: key,
      message: `unknown option${near && near[1] <= 3 ? `; did you mean '${near[0]}'?` : ''} (options: ${OPTION_NAMES.join(', ')}).`,
    });
  }
  return o;
}

function validateBoolean(value: unknown, path: string, fallback: boolean, problems: ConfigProblem[]): boolean {
  if (value === undefined) return fallback;
  if (typeof value === 'boolean') return value;
  problems.push({ code: 'bad-type', path, message: `expected true or false, got ${JSON.stringify(value) ?? typeof value}.` });
  return fallback;
}

/** `origin`: `'*'` (the default), `true`, `false`, a function, or origins, patterns and RegExps. */
function validateOrigin(value: unknown, compiled: CompiledPolicy, conventions: PolicyConventions, problems: ConfigProblem[]): void {
  const rules = compiled.rules;
  const origin = value === undefined ? '*' : value;
  if (origin === false) {
    compiled.disabled = true;
    compiled.varyOrigin = false;
  } else if (origin === true && rules.credentials) {
    problems.push({
      code: 'credentials-with-reflect-all',
      path: 'origin',
      message: "origin: true reflects every Origin, so with credentials any website can read your users' data. List the allowed origins instead, e.g. origin: ['https://app.example.com'].",
    });
  } else if (typeof origin === 'function') {
    compiled.originFunction = origin as (...args: unknown[]) => unknown;
    if (rules.credentials) {
      const probe = probeOriginFunction(compiled, conventions.probeContext?.(PROBE_ORIGIN));
      if (probe instanceof Promise) compiled.pendingProbe = probe;
      else problems.push(...probe);
    }
  } else if (origin === null || (typeof origin === 'string' && origin.trim() === '') || (Array.isArray(origin) && origin.length === 0)) {
    problems.push({ code: 'origin-empty', path: 'origin', message: `${JSON.stringify(origin)} allows no origin; use origin: false to turn CORS off, or name the origins.` });
  } else if (origin === '*' && rules.credentials) {
    // The one the browsers reject (and the seed of most CORS errors).
    problems.push(credentialsWithWildcard('origin'));
  } else {
    Object.assign(compiled, compileOriginValue(origin, 'origin', rules, problems));
    if (compiled.wildcard) compiled.varyOrigin = false;
  }
}

/** `methods`: tokens in upper case that browsers can send. */
function validateMethods(value: unknown, defaults: readonly string[], separator: string, problems: ConfigProblem[]): { methods: Set<string>; allowMethods: string } {
  const methods = new Set<string>();
  const listed = listOption(value, 'methods', problems) ?? [...defaults];
  listed.forEach((m, i) => {
    const path = Array.isArray(value) ? `methods[${i}]` : 'methods';
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
      methods.add(m);
    }
  });
  return { methods, allowMethods: value === undefined ? defaults.join(separator) : listValue(value, listed, separator) };
}

/** `allowedHeaders`: request header names script can send; `'*'` or nothing means whatever the preflight asks for. */
function validateAllowedHeaders(value: unknown, separator: string, problems: ConfigProblem[]): { allowedHeaders: Set<string> | null; allowHeaders: string | null } {
  const allowed = listOption(value, 'allowedHeaders', problems);
  if (allowed === null || (allowed.length === 1 && allowed[0] === '*')) return { allowedHeaders: null, allowHeaders: null };
  const names = new Set<string>();
  allowed.forEach((h, i) => {
    const path = Array.isArray(value) ? `allowedHeaders[${i}]` : 'allowedHeaders';
    const lower = h.toLowerCase();
    if (h === '*') problems.push({ code: 'header-wildcard-in-list', path, message: "'*' cannot be one entry of a list; use allowedHeaders: '*' on its own." });
    else if (!isToken(h)) problems.push({ code: 'header-invalid', path, message: `'${h}' is not a header name.` });
    else if (lower.startsWith('access-control-')) problems.push({ code: 'header-cors', path, message: `'${h}' is a CORS header the browser sets itself, not a request header script sends; remove it.` });
    else if (isForbiddenRequestHeader(h, '')) problems.push({ code: 'header-forbidden', path, message: `browsers never let script set '${h}'; remove it.` });
    else names.add(lower);
  });
  return { allowedHeaders: names, allowHeaders: allowed.length > 0 ? listValue(value, allowed, separator) : null };
}

/** `exposedHeaders`: response header names script may read, as configured. */
function validateExposedHeaders(value: unknown, rules: OriginRules, separator: string, problems: ConfigProblem[]): string | null {
  const exposed = listOption(value, 'exposedHeaders', problems);
  if (exposed === null) return null;
  const keep: string[] = [];
  exposed.forEach((h, i) => {
    const path = Array.isArray(value) ? `exposedHeaders[${i}]` : 'exposedHeaders';
    if (h === '*' && rules.credentials) {
      problems.push({
        code: 'expose-wildcard-with-credentials',
        path,
        message: "with credentials, browsers read '*' in Access-Control-Expose-Headers as a header named '*', so nothing is exposed; list the header names.",
      });
    } else if (h !== '*' && !isToken(h)) {
      problems.push({ code: 'header-invalid', path, message: `'${h}' is not a header name; browsers ignore the whole list when one name is invalid.` });
    } else if (FORBIDDEN_RESPONSE_HEADER_NAMES.has(h.toLowerCase())) {
      problems.push({ code: 'expose-set-cookie', path, message: `browsers never let script read '${h}', whatever the server says; remove it.` });
    } else if (h !== '') {
      keep.push(h);
    }
  });
  // As configured (a string kept, an array joined): safelisted names are harmless, and users' own
  // header-string tests expect what they wrote.
  if (keep.length === 0) return null;
  return keep.length === exposed.length ? listValue(value, keep, separator) : keep.join(separator);
}

/** `maxAge`: whole seconds from 0 to 86400 (a string of digits means the same, as `cors` and `@koa/cors` send it as given). */
function validateMaxAge(value: unknown, problems: ConfigProblem[]): string | null {
  if (value === undefined) return null;
  const v = typeof value === 'string' && /^\d{1,9}$/.test(value.trim()) ? Number(value.trim()) : value;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_AGE_CAPS.firefox) return String(v);
  problems.push({
    code: 'max-age-invalid',
    path: 'maxAge',
    message: `expected a whole number of seconds from 0 to ${MAX_AGE_CAPS.firefox}, got ${JSON.stringify(value)}. Browsers cap it anyway: Chromium at ${MAX_AGE_CAPS.chromium} (2 hours), Firefox at ${MAX_AGE_CAPS.firefox} (24 hours), Safari at ${MAX_AGE_CAPS.safari} (10 minutes).`,
  });
  return null;
}

/** `optionsSuccessStatus`: an ok status, or browsers fail the preflight. */
function validateSuccessStatus(value: unknown, problems: ConfigProblem[]): number {
  if (value === undefined) return 204;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 200 && value <= 299) return value;
  problems.push({
    code: 'status-not-ok',
    path: 'optionsSuccessStatus',
    message: `browsers fail every preflight whose status is not 200-299 (Chromium: PreflightInvalidStatus); got ${JSON.stringify(value)}. Use 204 or 200.`,
  });
  return 204;
}

function validateDebug(value: unknown, problems: ConfigProblem[]): ((line: string) => void) | null {
  if (value === undefined || value === false) return null;
  if (typeof value === 'function') return value as (line: string) => void;
  if (value === true) return (line) => console.warn(line);
  problems.push({ code: 'bad-type', path: 'debug', message: 'expected true, false or a function (line) => void.' });
  return null;
}

function validateOnError(value: unknown, problems: ConfigProblem[]): ((error: unknown) => void) | null {
  if (value === undefined) return null;
  if (typeof value === 'function') return value as (error: unknown) => void;
  problems.push({ code: 'bad-type', path: 'onError', message: 'expected a function (error) => void.' });
  return null;
}
