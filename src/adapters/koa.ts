/**
 * `corsproof/koa`: CORS middleware for Koa.
 *
 * ```ts
 * import cors from 'corsproof/koa';
 * app.use(cors({ origin: ['https://app.example.com'], credentials: true }));
 * ```
 *
 * Koa clears every response header when a downstream middleware throws; the
 * CORS headers are handed to Koa's error response through `err.headers`, so
 * the browser sees the real error.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CorsOptions, OriginValue } from '../policy/options.js';
import type { CorsDecision } from '../policy/policy.js';
import { answersPreflight, createPolicy, mergeVary } from '../policy/policy.js';
import { applyHeaders, policyRequest, probeRequest } from './node-shared.js';

export { CorsConfigError } from '../policy/errors.js';
export type { CorsOptions } from '../policy/options.js';

/** The part of Koa's context the middleware and the usual origin functions use. */
export interface KoaContext {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  url: string;
  path: string;
  headers: IncomingMessage['headers'];
  status: number;
  body: unknown;
  /** A request header, `''` when absent (Koa's `ctx.get`). */
  get(field: string): string;
  set(field: string, value: string): void;
}

/**
 * An origin function as `@koa/cors` calls it: `(ctx)`, called for requests
 * with an `Origin`. It gives back (or resolves to) what the `origin` option
 * takes: `ctx.get('Origin')` or `true` allows the request's origin, `'*'`
 * answers with `*` (never with credentials), an origin, a pattern, a RegExp
 * or an array of these allows those, `false`/`''`/`null`/`undefined` deny.
 */
export type KoaOriginFunction = (ctx: KoaContext) => OriginValue | PromiseLike<OriginValue>;

/** The options: `origin` and `credentials` may be functions of the Koa context, as in `@koa/cors`. */
export type KoaCorsOptions = CorsOptions<KoaContext, KoaOriginFunction>;

/** @koa/cors's default methods, in its order (the same set as the cors package's). */
const KOA_DEFAULT_METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH'] as const;

/** A stand-in Koa context whose Origin is `origin`, for the start-up check of an origin function. */
function probeContext(origin: string): KoaContext {
  const req = probeRequest(origin);
  const get = (field: string): string => String(req.headers[field.toLowerCase()] ?? '');
  const ctx = { method: req.method, url: req.url, path: '/', headers: req.headers, header: req.headers, get, set: () => undefined, status: 404, body: undefined, state: {}, query: {} };
  return { ...ctx, req, res: {} as ServerResponse, request: ctx } as unknown as KoaContext;
}

/** A Koa middleware. */
export type KoaMiddleware = (ctx: KoaContext, next: () => Promise<unknown>) => Promise<void>;

function errorHeaders(error: unknown, decision: CorsDecision): void {
  if (typeof error !== 'object' || error === null) return;
  const e = error as { headers?: Record<string, string> };
  const headers = { ...(e.headers ?? {}) };
  for (const [name, value] of decision.headers) headers[name] = value;
  if (decision.vary) {
    const key = Object.keys(headers).find((k) => k.toLowerCase() === 'vary');
    headers[key ?? 'Vary'] = mergeVary(key ? headers[key] : undefined, decision.vary);
  }
  try {
    e.headers = headers;
  } catch {
    // A frozen error object keeps its own headers.
  }
}

/**
 * Create the middleware. Preflights are answered here (unless
 * `preflightContinue`); every other request gets its CORS headers, on error
 * responses too.
 *
 * @throws CorsConfigError when the options are unsafe or invalid, at once.
 */
export default function cors(options: KoaCorsOptions = {}): KoaMiddleware {
  const policy = createPolicy(options, { originFunctionStyle: 'context', probeContext, defaultMethods: KOA_DEFAULT_METHODS });
  return (ctx, next) => {
    // No await for a decision taken synchronously (every policy without an asynchronous function).
    const decision = policy.decide(policyRequest(ctx.req), ctx);
    return decision instanceof Promise ? decision.then((d) => respond(ctx, next, d)) : respond(ctx, next, decision);
  };
}

/** Answer a preflight here, or set the CORS headers and go on, handing them to Koa's error response if one is thrown. */
async function respond(ctx: KoaContext, next: () => Promise<unknown>, decision: CorsDecision): Promise<void> {
  applyHeaders(ctx.res, decision);
  if (answersPreflight(decision)) {
    if (decision.body !== null) {
      ctx.set('Content-Type', 'text/plain; charset=utf-8');
      ctx.body = decision.body;
    } else if (decision.status !== 204 && decision.status !== 205) {
      ctx.body = null; // an explicit empty body (Koa turns the status into 204 here)...
    } // (204 and 205 have none: Koa empties them itself, once, as it answers)
    ctx.status = decision.status; // ...so the status comes after it
    return;
  }
  try {
    await next();
  } catch (error) {
    errorHeaders(error, decision);
    throw error;
  }
}

export { cors };
