/**
 * `createPolicy(options)`: the CORS decision for a request, with the exact
 * response headers and status. Pure: adapters read the request headers and
 * write what the decision says.
 */
import { isToken } from '../engine/headers.js';
import { isCorsSafelistedMethod } from '../engine/safelist.js';
import type { HeaderList } from '../engine/types.js';
import type { Allowance, CompiledPolicy, PolicyConventions } from './compile.js';
import { compile, credentialsWithWildcard, matchOrigin } from './compile.js';
import { CorsConfigError } from './errors.js';
import { OriginValueCache, allowanceOf, callCredentialsFunction, callOriginFunction, reportError } from './origin-function.js';
import type { CorsOptions, PolicyRequest } from './options.js';
import { MAX_ORIGIN_LENGTH, splitOrigin } from './origins.js';

/** The most bytes of Access-Control-Request-Headers the policy reads; a longer value is refused. */
export const MAX_REQUEST_HEADERS_LENGTH = 8192;
/** The most names Access-Control-Request-Headers may list. */
export const MAX_REQUEST_HEADERS_ELEMENTS = 128;
/** The most empty elements (`a,,b`) Access-Control-Request-Headers may hold; browsers send none. */
export const MAX_REQUEST_HEADERS_EMPTY = 16;

/** The Vary value of every preflight answer. */
export const PREFLIGHT_VARY = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers';

/** What to do with a request that is not a CORS preflight. */
export interface ActualDecision {
  kind: 'actual';
  /** Whether the origin is allowed (false also when there is no Origin). */
  allowed: boolean;
  /** CORS headers to add to the application's response (empty when not allowed). */
  headers: HeaderList;
  /** Token(s) to merge into the response's Vary header, or `null`. */
  vary: string | null;
}

/** The answer to a CORS preflight (OPTIONS with Origin and Access-Control-Request-Method). */
export interface PreflightDecision {
  kind: 'preflight';
  allowed: boolean;
  /** The response status: `optionsSuccessStatus` when allowed, 403 when refused. */
  status: number;
  /** The response headers (none of the CORS headers when refused). */
  headers: HeaderList;
  vary: string;
  /** With `preflightContinue`, an allowed preflight goes on to the next handler after the headers are set. */
  continue: boolean;
  /** The failed check, in words, when refused (for logs). */
  refusal: string | null;
  /** A plain-text body when refused and `debug` is on, else `null`. */
  body: string | null;
}

/** The policy's decision for one request. */
export type CorsDecision = ActualDecision | PreflightDecision;

/**
 * Whether the adapter answers the request itself, without the application:
 * a refused preflight, or an allowed one without `preflightContinue`.
 */
export function answersPreflight(decision: CorsDecision): decision is PreflightDecision {
  return decision.kind === 'preflight' && !(decision.allowed && decision.continue);
}

/** A compiled, validated CORS policy. */
export interface Policy {
  /**
   * Decide for a request. Synchronous unless an origin function returns a
   * promise. `context` is passed to an origin function (adapters pass the
   * framework's request).
   */
  decide(request: PolicyRequest, context?: unknown): CorsDecision | Promise<CorsDecision>;
  /** Whether a request is a CORS preflight: OPTIONS with Origin and Access-Control-Request-Method. */
  isPreflight(request: PolicyRequest): boolean;
  /**
   * Resolves once the policy is fully checked; rejects with a
   * CorsConfigError when the start-up check of an origin function that
   * answers asynchronously finds it unsafe (until then, and after, every
   * decision waits for or fails with the same error).
   */
  ready(): Promise<void>;
}

const NOT_CORS_VARY: ActualDecision = { kind: 'actual', allowed: false, headers: [], vary: 'Origin' };
const NOT_CORS: ActualDecision = { kind: 'actual', allowed: false, headers: [], vary: null };

/**
 * Merge tokens into a Vary header value: keep what the application set,
 * never duplicate a name (case-insensitively), and leave `*` alone.
 * Allocates nothing when there is nothing to merge (no Vary yet, or the same
 * value): the common case, on every response.
 */
export function mergeVary(existing: string | null | undefined, add: string): string {
  if (existing === null || existing === undefined) return add;
  if (existing === add) return existing;
  if (existing.trim() === '') return add;
  const present = existing.toLowerCase();
  if (hasElement(present, '*')) return existing;
  let merged = existing;
  let start = 0;
  for (let i = 0; i <= add.length; i++) {
    if (i < add.length && add.charCodeAt(i) !== 0x2c) continue;
    const token = add.slice(start, i).trim();
    start = i + 1;
    if (token !== '' && !hasElement(present, token.toLowerCase())) merged += `, ${token}`;
  }
  return merged;
}

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09;

/** Whether the comma-separated list `list` has an element equal to `element` once trimmed. */
function hasElement(list: string, element: string): boolean {
  let start = 0;
  for (let i = 0; i <= list.length; i++) {
    if (i < list.length && list.charCodeAt(i) !== 0x2c) continue;
    let a = start;
    let b = i;
    while (a < b && isSpace(list.charCodeAt(a))) a++;
    while (b > a && isSpace(list.charCodeAt(b - 1))) b--;
    start = i + 1;
    if (b - a === element.length && list.startsWith(element, a)) return true;
  }
  return false;
}

/** Parse Access-Control-Request-Headers within bounds: lowercase names, or a reason to refuse. */
export function parseRequestHeaders(value: string | undefined): string[] | { invalid: string } {
  if (value === undefined) return [];
  if (value.length > MAX_REQUEST_HEADERS_LENGTH) return { invalid: `Access-Control-Request-Headers is longer than ${MAX_REQUEST_HEADERS_LENGTH} bytes` };
  const names: string[] = [];
  let empty = 0;
  let start = 0;
  for (let i = 0; i <= value.length; i++) {
    if (i < value.length && value.charCodeAt(i) !== 0x2c) continue;
    let a = start;
    let b = i;
    while (a < b && (value.charCodeAt(a) === 0x20 || value.charCodeAt(a) === 0x09)) a++;
    while (b > a && (value.charCodeAt(b - 1) === 0x20 || value.charCodeAt(b - 1) === 0x09)) b--;
    start = i + 1;
    if (a === b) {
      if (++empty > MAX_REQUEST_HEADERS_EMPTY) {
        return { invalid: `Access-Control-Request-Headers has more than ${MAX_REQUEST_HEADERS_EMPTY} empty elements` };
      }
      continue;
    }
    const name = value.slice(a, b);
    if (!isToken(name)) return { invalid: `'${name.slice(0, 64)}' in Access-Control-Request-Headers is not a header name` };
    if (names.length === MAX_REQUEST_HEADERS_ELEMENTS) {
      return { invalid: `Access-Control-Request-Headers lists more than ${MAX_REQUEST_HEADERS_ELEMENTS} names` };
    }
    names.push(name.toLowerCase());
  }
  return names;
}

/** The most decisions a policy remembers per kind; then it forgets them all and starts again. */
const REMEMBERED = 1024;

function remember<T>(decisions: Map<string, T>, key: string, decision: T): T {
  if (decisions.size >= REMEMBERED) decisions.clear();
  decisions.set(key, decision);
  return decision;
}

/** The most bytes of Origin and Access-Control-Request-Headers together for a preflight's decision to be remembered. */
const REMEMBERED_PREFLIGHT_LENGTH = 512;

/** What a static policy's answer to a preflight depends on, as one string; `null` when too long to keep. */
function preflightKey(r: PolicyRequest, origin: string): string | null {
  const requested = r.accessControlRequestHeaders ?? '';
  if (origin.length + requested.length > REMEMBERED_PREFLIGHT_LENGTH) return null;
  return `${r.accessControlRequestPrivateNetwork === 'true' ? 'p' : '-'}${origin}\n${r.accessControlRequestMethod}\n${requested}`;
}

class CompiledCorsPolicy implements Policy {
  readonly #c: CompiledPolicy;
  /** A static policy's decisions for actual requests, by origin. */
  readonly #actualByOrigin = new Map<string, ActualDecision>();
  /** A static policy's decisions for preflights, by preflightKey. */
  readonly #preflightByKey = new Map<string, PreflightDecision>();
  readonly #values: OriginValueCache;
  /** Decisions can be remembered per origin: nothing per request decides them. */
  readonly #static: boolean;
  /**
   * The answer to a request without Origin. A shared or browser cache may
   * serve it later to a CORS request for the same URL (Fetch Standard, "CORS
   * protocol and HTTP caches"): with `'*'` it carries the same headers as any
   * other answer, and when the answer depends on Origin it says so with
   * `Vary: Origin`.
   */
  readonly #noOrigin: ActualDecision;
  /** Until the start-up check of an asynchronous origin function is done: that check. */
  #pending: Promise<void> | null = null;
  /** What the start-up check found: every request then fails with it. */
  #refused: CorsConfigError | null = null;

  constructor(c: CompiledPolicy) {
    this.#c = c;
    this.#values = new OriginValueCache(c.rules);
    this.#static = c.originFunction === null && c.credentialsFunction === null;
    this.#noOrigin = c.wildcard ? this.#actual('*', '*', false, false) : c.varyOrigin ? NOT_CORS_VARY : NOT_CORS;
    if (c.pendingProbe !== null) {
      this.#pending = c.pendingProbe.then((problems) => {
        this.#pending = null;
        if (problems.length > 0) {
          this.#refused = new CorsConfigError(problems);
          reportError(c, this.#refused);
        }
      });
    }
  }

  ready(): Promise<void> {
    const check = this.#pending ?? Promise.resolve();
    return check.then(() => {
      if (this.#refused !== null) throw this.#refused;
    });
  }

  isPreflight(r: PolicyRequest): boolean {
    return r.method === 'OPTIONS' && r.origin !== undefined && r.accessControlRequestMethod !== undefined;
  }

  decide(r: PolicyRequest, context?: unknown): CorsDecision | Promise<CorsDecision> {
    const c = this.#c;
    if (c.disabled) return NOT_CORS;
    if (this.#pending !== null) return this.#pending.then(() => this.decide(r, context));
    if (this.#refused !== null) return Promise.reject(this.#refused);
    const origin = r.origin;
    if (origin === undefined) return this.#noOrigin;
    const preflight = this.isPreflight(r);
    if (this.#static) return this.#decideStatic(r, origin, preflight);
    const decideWith = (allowance: Allowance, credentials: boolean): CorsDecision => {
      if (allowance === '*' && credentials) {
        // Only an origin function can give '*' here (the option itself is refused at creation).
        reportError(c, new CorsConfigError([credentialsWithWildcard('origin (the value the origin function gave)')]));
        allowance = false;
      }
      return preflight ? this.#preflight(r, origin, allowance, credentials) : this.#actual(origin, allowance, credentials, this.#static);
    };
    let allowance: Allowance | Promise<Allowance>;
    let credentials: boolean | Promise<boolean>;
    try {
      allowance = this.#originAllowed(origin, context);
      credentials = c.credentialsFunction === null ? c.credentials : callCredentialsFunction(c, context);
    } catch (error) {
      reportError(c, error);
      return decideWith(false, false);
    }
    if (!(allowance instanceof Promise) && !(credentials instanceof Promise)) return decideWith(allowance, credentials);
    return Promise.all([allowance, credentials]).then(
      ([a, cred]) => decideWith(a, cred),
      (error: unknown) => {
        reportError(c, error);
        return decideWith(false, false);
      },
    );
  }

  /**
   * A static policy (no origin or credentials function) decides the same way
   * for the same origin and preflight headers, synchronously: its decisions
   * are remembered (bounded), so that a request from a known origin costs a
   * lookup. A refused preflight is decided again when `debug` logs refusals.
   */
  #decideStatic(r: PolicyRequest, origin: string, preflight: boolean): CorsDecision {
    const c = this.#c;
    if (!preflight) return this.#actualByOrigin.get(origin) ?? this.#actual(origin, this.#fixedAllowance(origin), c.credentials, true);
    const key = preflightKey(r, origin);
    const known = key === null ? undefined : this.#preflightByKey.get(key);
    if (known !== undefined) return known;
    const decision = this.#preflight(r, origin, this.#fixedAllowance(origin), c.credentials);
    return key !== null && (decision.allowed || c.debug === null) ? remember(this.#preflightByKey, key, decision) : decision;
  }

  /** How the origin option alone answers an origin. */
  #fixedAllowance(origin: string): Allowance {
    return origin.length > MAX_ORIGIN_LENGTH ? false : matchOrigin(this.#c, origin);
  }

  /** How an origin is answered: static entries first, then the function. */
  #originAllowed(origin: string, context: unknown): Allowance | Promise<Allowance> {
    const c = this.#c;
    const fixed = this.#fixedAllowance(origin);
    if (fixed !== false || c.originFunction === null || origin.length > MAX_ORIGIN_LENGTH) return fixed;
    if (splitOrigin(origin) === null) return false;
    const value = callOriginFunction(c, origin, context);
    if (value instanceof Promise) return value.then((v) => allowanceOf(c, this.#values, origin, v));
    return allowanceOf(c, this.#values, origin, value);
  }

  #allowOriginHeaders(origin: string, allowance: Allowance, credentials: boolean): HeaderList {
    const headers: HeaderList = [['Access-Control-Allow-Origin', allowance === '*' ? '*' : origin]];
    if (credentials) headers.push(['Access-Control-Allow-Credentials', 'true']);
    return headers;
  }

  #actual(origin: string, allowance: Allowance, credentials: boolean, cache: boolean): ActualDecision {
    const c = this.#c;
    const vary = c.varyOrigin ? 'Origin' : null;
    let decision: ActualDecision;
    if (allowance === false) {
      decision = vary ? NOT_CORS_VARY : NOT_CORS;
    } else {
      const headers = this.#allowOriginHeaders(origin, allowance, credentials);
      if (c.exposedHeaders !== null) headers.push(['Access-Control-Expose-Headers', c.exposedHeaders]);
      decision = { kind: 'actual', allowed: true, headers, vary };
    }
    // Static policies decide the same way for the same origin: remember (bounded).
    return cache ? remember(this.#actualByOrigin, origin, decision) : decision;
  }

  #preflight(r: PolicyRequest, origin: string, allowance: Allowance, credentials: boolean): PreflightDecision {
    const c = this.#c;
    const method = r.accessControlRequestMethod as string;
    const refuse = (refusal: string, remedy: string): PreflightDecision => {
      // The line in words only for `debug`: a refusal costs no more than an answer.
      const line = c.debug ? `corsproof: refused the CORS preflight for ${method} from ${JSON.stringify(origin.slice(0, 200))}: ${refusal}. ${remedy}` : null;
      if (c.debug && line !== null) c.debug(line);
      return {
        kind: 'preflight',
        allowed: false,
        status: 403,
        headers: [],
        vary: PREFLIGHT_VARY,
        continue: false,
        refusal,
        body: line !== null ? `${line}\n` : null,
      };
    };
    if (allowance === false) {
      return refuse(`the origin is not allowed`, `To allow it, add '${origin.slice(0, 200)}' to the \`origin\` option.`);
    }
    if (!isToken(method)) return refuse(`Access-Control-Request-Method '${method.slice(0, 64)}' is not a method`, 'Browsers never send this.');
    if (!isCorsSafelistedMethod(method) && !c.methods.has(method)) {
      return refuse(`the method ${method} is not allowed`, `To allow it, add '${method}' to the \`methods\` option.`);
    }
    const requested = parseRequestHeaders(r.accessControlRequestHeaders);
    if (!Array.isArray(requested)) return refuse(requested.invalid, 'Browsers never send this.');
    if (c.allowedHeaders !== null) {
      const missing = requested.filter((h) => !c.allowedHeaders?.has(h));
      if (missing.length > 0) {
        return refuse(
          `the request header${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not allowed`,
          `To allow ${missing.length > 1 ? 'them' : 'it'}, add ${missing.map((h) => `'${h}'`).join(', ')} to the \`allowedHeaders\` option.`,
        );
      }
    }
    const headers = this.#allowOriginHeaders(origin, allowance, credentials);
    // The configured lists, as configured (as the peers send them); the request's own method and
    // headers are in them, or were refused above. A safelisted method needs no listing.
    headers.push(['Access-Control-Allow-Methods', c.methods.has(method) || c.allowMethods === '' ? c.allowMethods || method : `${c.allowMethods}${c.listSeparator}${method}`]);
    // Configured: the list as configured, on every allowed preflight; else the requested names as sent.
    const allowHeaders = c.allowHeaders ?? (requested.length > 0 ? (r.accessControlRequestHeaders as string).trim() : null);
    if (allowHeaders !== null) headers.push(['Access-Control-Allow-Headers', allowHeaders]);
    if (c.maxAge !== null) headers.push(['Access-Control-Max-Age', c.maxAge]);
    // Private network access: answered only when configured; otherwise the preflight is answered as
    // any other and the browser decides (as with the cors packages).
    if (c.privateNetwork && r.accessControlRequestPrivateNetwork === 'true') headers.push(['Access-Control-Allow-Private-Network', 'true']);
    return {
      kind: 'preflight',
      allowed: true,
      status: c.optionsSuccessStatus,
      headers,
      vary: PREFLIGHT_VARY,
      continue: c.preflightContinue,
      refusal: null,
      body: null,
    };
  }
}

/**
 * Create a CORS policy. Every option is checked first; a configuration a
 * browser would reject or an attacker could exploit throws a
 * `CorsConfigError` listing every problem and what to write instead.
 *
 * @example
 * ```ts
 * const policy = createPolicy({ origin: ['https://app.example.com'], credentials: true });
 * const decision = policy.decide({ method: 'GET', origin: 'https://app.example.com', accessControlRequestMethod: undefined, accessControlRequestHeaders: undefined });
 * ```
 */
export function createPolicy<Req = unknown, OriginFn = unknown>(options: CorsOptions<Req, OriginFn> = {}, conventions: PolicyConventions = {}): Policy {
  return new CompiledCorsPolicy(compile(options as CorsOptions, conventions));
}
