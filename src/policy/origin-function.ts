/**
 * Origin and credentials functions, called the way each framework's own CORS
 * middleware calls them, and never left hanging.
 *
 * Whatever a function gives back (returned, passed to the `cors`-style
 * callback, or resolved by any thenable) means what the same value means as
 * the `origin` option itself, checked with the same rules per request:
 * `true`, `'*'`, an origin, a pattern, a RegExp or an array of these allow;
 * `false`, `null`, `undefined` and `''` deny. A value the rules refuse (e.g.
 * `'*'` with credentials, `'https://app.example.com/'`) denies and is
 * reported to `onError` as a CorsConfigError.
 */
import type { Allowance, CompiledPolicy, OriginMatcher, OriginRules } from './compile.js';
import { compileOriginValue, matchOrigin } from './compile.js';
import type { ConfigProblem } from './errors.js';
import { CorsConfigError } from './errors.js';
import { PROBE_ORIGIN } from './probes.js';

/**
 * How an adapter calls an origin function: `'callback'` as
 * `(origin, callback, request)` (`cors`, `@fastify/cors`), `'context'` as
 * `(ctx)` (`@koa/cors`), `'origin-context'` as `(origin, context)`
 * (`hono/cors`, Web handlers).
 */
export type OriginFunctionStyle = 'callback' | 'context' | 'origin-context';

/** An origin no site has (`.invalid` never resolves; the probe table's first): the start-up check asks whether a function allows it. */
export { PROBE_ORIGIN };

/**
 * An error passed to a `cors`-style callback: the function's way of saying
 * "not allowed" (`callback(new Error('Not allowed by CORS'))`), not a fault.
 */
export class CallbackError {
  constructor(readonly error: unknown) {}
}

/** How long a function may take to answer (return, call back or settle) before the origin counts as not allowed. */
export const ORIGIN_FUNCTION_TIMEOUT_MS = 10_000;

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** A promise for a thenable's value that rejects if it does not settle in time. */
function settleInTime<T>(start: (resolve: (v: T) => void, reject: (e: unknown) => void) => void, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`corsproof: the ${what} did not answer within ${ORIGIN_FUNCTION_TIMEOUT_MS / 1000} s; the origin is treated as not allowed.`)),
      ORIGIN_FUNCTION_TIMEOUT_MS,
    );
    (timer as { unref?: () => void }).unref?.();
    start(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/**
 * Call an origin function for `origin` in the adapter's style. Returns the
 * value it gave, synchronously when it could, else a promise; throws or
 * rejects when the function did.
 */
export function callOriginFunction(c: CompiledPolicy, origin: string, context: unknown): unknown {
  const fn = c.originFunction as (...args: unknown[]) => unknown;
  if (c.originFunctionStyle === 'context') return awaitValue(fn.call(c.originThis, context), 'origin function');
  if (c.originFunctionStyle === 'origin-context') return awaitValue(fn.call(c.originThis, origin, context), 'origin function');
  // `cors` style: (origin, callback, request); the value may come back through the callback.
  let state: 'waiting' | 'called' = 'waiting';
  let early: { error: unknown; value: unknown } | undefined;
  let settle: ((r: { error: unknown; value: unknown }) => void) | null = null;
  const callback = (error: unknown, value?: unknown): void => {
    if (state === 'called') return;
    state = 'called';
    if (settle !== null) settle({ error, value });
    else early = { error, value };
  };
  const result = fn.call(c.originThis, origin, callback, context);
  if (early !== undefined) return early.error ? new CallbackError(early.error) : early.value;
  // A function that declares the callback may still call it when it returned nothing that is a value
  // (undefined, or what `setTimeout` or a query builder returns); any other function gave its answer.
  if (fn.length < 2 || isThenable(result) || isOriginValueShape(result)) return awaitValue(result, 'origin function');
  return settleInTime<unknown>((resolve) => {
    settle = (r) => resolve(r.error ? new CallbackError(r.error) : r.value);
  }, 'origin function (its callback was never called)');
}

/** Whether a value has the shape of an origin value (see {@link OriginValue}), `undefined` aside. */
function isOriginValueShape(value: unknown): boolean {
  return value === null || typeof value === 'boolean' || typeof value === 'string' || value instanceof RegExp || Array.isArray(value);
}

function awaitValue(value: unknown, what: string): unknown {
  if (!isThenable(value)) return value;
  return settleInTime<unknown>((resolve, reject) => void value.then(resolve, reject), what);
}

/**
 * A fault in an origin or credentials function (it threw, rejected, timed
 * out, or gave a value the rules refuse): to `onError`, or, without one, to
 * `console.error`, so that a broken function never denies every origin in
 * silence.
 */
export function reportError(c: CompiledPolicy, error: unknown): void {
  if (c.onError !== null) c.onError(error);
  else console.error('corsproof: the origin was treated as not allowed:', error);
}

/** Call a credentials function with the adapter's context: `true` means credentials, anything else none. */
export function callCredentialsFunction(c: CompiledPolicy, context: unknown): boolean | Promise<boolean> {
  const value = awaitValue((c.credentialsFunction as (context: unknown) => unknown)(context), 'credentials function');
  return value instanceof Promise ? value.then((v) => v === true) : value === true;
}

/** Compiled values an origin function returned, so a function returning the same list is not recompiled per request. */
export class OriginValueCache {
  readonly #strings = new Map<string, OriginMatcher | CorsConfigError>();
  readonly #objects = new WeakMap<object, OriginMatcher | CorsConfigError>();
  constructor(private readonly rules: OriginRules) {}

  /** The matcher for a value, or the CorsConfigError the rules give it. */
  get(value: unknown): OriginMatcher | CorsConfigError {
    const isObject = typeof value === 'object' && value !== null;
    const hit = isObject ? this.#objects.get(value) : typeof value === 'string' ? this.#strings.get(value) : undefined;
    if (hit !== undefined) return hit;
    const problems: ConfigProblem[] = [];
    const matcher = compileOriginValue(value, 'origin (the value the origin function gave)', this.rules, problems);
    const compiled = problems.length > 0 ? new CorsConfigError(problems) : matcher;
    if (isObject) this.#objects.set(value, compiled);
    else if (typeof value === 'string') {
      if (this.#strings.size >= 256) this.#strings.clear();
      this.#strings.set(value, compiled);
    }
    return compiled;
  }
}

/** What a function's value allows for `origin`; a value the rules refuse goes to `onError` and denies. */
export function allowanceOf(c: CompiledPolicy, cache: OriginValueCache, origin: string, value: unknown): Allowance {
  if (value instanceof CallbackError) {
    c.onError?.(value.error); // a denial the function chose: reported only to onError
    return false;
  }
  const matcher = cache.get(value);
  if (matcher instanceof CorsConfigError) {
    reportError(c, matcher);
    return false;
  }
  return matchOrigin(matcher, origin);
}

/**
 * The start-up check: with credentials, an origin function must not allow an
 * origin nobody configured. It is called as the adapter will call it, with a
 * stand-in request or context whose Origin is {@link PROBE_ORIGIN}; a value
 * the rules refuse is a problem too. Synchronous answers give the problems
 * at once; promises, thenables and late callbacks give them later.
 */
export function probeOriginFunction(c: CompiledPolicy, context: unknown): ConfigProblem[] | Promise<ConfigProblem[]> {
  const judge = (value: unknown, credentialed: boolean): ConfigProblem[] => {
    if (!credentialed || value instanceof CallbackError) return [];
    const problems: ConfigProblem[] = [];
    const matcher = compileOriginValue(value, `origin (the value the function gave for '${PROBE_ORIGIN}')`, c.rules, problems);
    if (problems.length > 0) return problems;
    if (matchOrigin(matcher, PROBE_ORIGIN) === false) return [];
    return [
      {
        code: 'credentials-with-reflect-all',
        path: 'origin',
        message: `the origin function allowed '${PROBE_ORIGIN}', an origin nobody configured: it reflects every origin, so with credentials any website can read your users' data. Check the origin against an allow-list.`,
      },
    ];
  };
  let value: unknown;
  let credentialed: boolean | Promise<boolean>;
  try {
    value = callOriginFunction(c, PROBE_ORIGIN, context);
    credentialed = c.credentialsFunction === null ? c.credentials : callCredentialsFunction(c, context);
  } catch {
    return []; // a function that throws allows nothing
  }
  if (!(value instanceof Promise) && !(credentialed instanceof Promise)) return judge(value, credentialed);
  return Promise.all([value, credentialed]).then(
    ([v, cred]) => judge(v, cred),
    () => [],
  );
}
