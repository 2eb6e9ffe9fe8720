/**
 * `createPolicy(options)`: the CORS decision for a request, with the exact
 * response headers and status. Pure: adapters read the request headers and
 * write what the decision says.
 */
import { isToken } from '../engine/headers.js';
import { isCorsSafelistedMethod } from '../engine/safelist.js';
import type { HeaderList } from '../engine/types.js';
import type { CompiledPolicy } from './compile.js';
import { compile } from './compile.js';
import type { CorsOptions, PolicyRequest } from './options.js';
import { MAX_ORIGIN_LENGTH, matchesPattern, splitOrigin } from './origins.js';

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
}

const NOT_CORS_VARY: ActualDecision = { kind: 'actual', allowed: false, headers: [], vary: 'Origin' };
const NOT_CORS: ActualDecision = { kind: 'actual', allowed: false, headers: [], vary: null };

/**
 * Merge tokens into a Vary header value: keep what the application set,
 * never duplicate a name (case-insensitively), and leave `*` alone.
 */
export function mergeVary(existing: string | null | undefined, add: string): string {
  if (existing === null || existing === undefined || existing.trim() === '') return add;
  const present = existing.split(',').map((t) => t.trim().toLowerCase());
  if (present.includes('*')) return existing;
  const extra = add.split(',').map((t) => t.trim()).filter((t) => !present.includes(t.toLowerCase()));
  return extra.length === 0 ? existing : `${existing}, ${extra.join(', ')}`;
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

class CompiledCorsPolicy implements Policy {
  readonly #c: CompiledPolicy;
  readonly #actualByOrigin = new Map<string, ActualDecision>();

  constructor(c: CompiledPolicy) {
    this.#c = c;
  }

  isPreflight(r: PolicyRequest): boolean {
    return r.method === 'OPTIONS' && r.origin !== undefined && r.accessControlRequestMethod !== undefined;
  }

  decide(r: PolicyRequest, context?: unknown): CorsDecision | Promise<CorsDecision> {
    const c = this.#c;
    if (c.disabled) return NOT_CORS;
    const origin = r.origin;
    const preflight = this.isPreflight(r);
    if (origin === undefined) return c.varyOrigin ? NOT_CORS_VARY : NOT_CORS;
    if (!preflight) {
      const cached = this.#actualByOrigin.get(origin);
      if (cached !== undefined) return cached;
    }
    const allowed = this.#originAllowed(origin, context);
    if (typeof allowed === 'boolean') return preflight ? this.#preflight(r, origin, allowed) : this.#actual(origin, allowed);
    return allowed.then(
      (ok) => (preflight ? this.#preflight(r, origin, ok) : this.#actual(origin, ok, false)),
      (error: unknown) => {
        c.onError?.(error);
        return preflight ? this.#preflight(r, origin, false) : this.#actual(origin, false, false);
      },
    );
  }

  /** Whether an origin is allowed: static checks first, then the function. */
  #originAllowed(origin: string, context: unknown): boolean | Promise<boolean> {
    const c = this.#c;
    if (origin.length > MAX_ORIGIN_LENGTH) return false;
    if (c.wildcard || c.reflectAny) return true;
    if (c.exact.has(origin)) return true;
    if (c.patterns.length > 0) {
      const parts = splitOrigin(origin);
      if (parts !== null && c.patterns.some((p) => matchesPattern(parts, p))) return true;
    }
    for (const re of c.regexps) {
      re.lastIndex = 0; // a /g or /y RegExp would otherwise alternate between allow and deny
      if (re.test(origin)) return true;
    }
    if (c.originFunction !== null) {
      if (splitOrigin(origin) === null) return false;
      try {
        return c.originFunction(origin, context);
      } catch (error) {
        c.onError?.(error);
        return false;
      }
    }
    return false;
  }

  #allowOriginHeaders(origin: string): HeaderList {
    const c = this.#c;
    const headers: HeaderList = [['Access-Control-Allow-Origin', c.wildcard ? '*' : origin]];
    if (c.credentials) headers.push(['Access-Control-Allow-Credentials', 'true']);
    return headers;
  }

  #actual(origin: string, allowed: boolean, cache = true): ActualDecision {
    const c = this.#c;
    const vary = c.varyOrigin ? 'Origin' : null;
    let decision: ActualDecision;
    if (!allowed) {
      decision = vary ? NOT_CORS_VARY : NOT_CORS;
    } else {
      const headers = this.#allowOriginHeaders(origin);
      if (c.exposedHeaders !== null) headers.push(['Access-Control-Expose-Headers', c.exposedHeaders]);
      decision = { kind: 'actual', allowed: true, headers, vary };
    }
    // Static policies decide the same way for the same origin: remember (bounded).
    if (cache && c.originFunction === null) {
      if (this.#actualByOrigin.size >= 1024) this.#actualByOrigin.clear();
      this.#actualByOrigin.set(origin, decision);
    }
    return decision;
  }

  #preflight(r: PolicyRequest, origin: string, originAllowed: boolean): PreflightDecision {
    const c = this.#c;
    const method = r.accessControlRequestMethod as string;
    const refuse = (refusal: string, remedy: string): PreflightDecision => {
      const line = `corsproof: refused the CORS preflight for ${method} from ${JSON.stringify(origin.slice(0, 200))}: ${refusal}. ${remedy}`;
      if (c.debug) c.debug(line);
      return {
        kind: 'preflight',
        allowed: false,
        status: 403,
        headers: [],
        vary: PREFLIGHT_VARY,
        continue: false,
        refusal,
        body: c.debug ? `${line}\n` : null,
      };
    };
    if (!originAllowed) {
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
    const privateNetwork = r.accessControlRequestPrivateNetwork === 'true';
    if (privateNetwork && !c.privateNetwork) {
      return refuse('the request asks for private network access', 'To allow it, set the `privateNetwork` option.');
    }
    const headers = this.#allowOriginHeaders(origin);
    headers.push(['Access-Control-Allow-Methods', method]);
    if (requested.length > 0) headers.push(['Access-Control-Allow-Headers', requested.join(', ')]);
    if (c.maxAge !== null) headers.push(['Access-Control-Max-Age', c.maxAge]);
    if (privateNetwork) headers.push(['Access-Control-Allow-Private-Network', 'true']);
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
export function createPolicy<Req = unknown>(options: CorsOptions<Req> = {}): Policy {
  return new CompiledCorsPolicy(compile(options as CorsOptions));
}
