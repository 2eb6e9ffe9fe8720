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
import type { CorsOptions } from '../policy/options.js';
import type { CorsDecision } from '../policy/policy.js';
import { createPolicy, mergeVary } from '../policy/policy.js';
import { applyHeaders, policyRequest } from './node-shared.js';

export { CorsConfigError } from '../policy/errors.js';
export type { CorsOptions } from '../policy/options.js';

/** The part of Koa's context the middleware uses. */
export interface KoaContext {
  req: IncomingMessage;
  res: ServerResponse;
  status: number;
  body: unknown;
  set(field: string, value: string): void;
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
export default function cors(options: CorsOptions<KoaContext> = {}): KoaMiddleware {
  const policy = createPolicy(options);
  return async (ctx, next) => {
    const decision = await policy.decide(policyRequest(ctx.req), ctx);
    applyHeaders(ctx.res, decision);
    if (decision.kind === 'preflight' && !(decision.allowed && decision.continue)) {
      if (decision.body !== null) {
        ctx.set('Content-Type', 'text/plain; charset=utf-8');
        ctx.body = decision.body;
      } else {
        ctx.body = null; // an explicit empty body (Koa turns the status into 204 here)...
      }
      ctx.status = decision.status; // ...so the status comes after it
      return;
    }
    try {
      await next();
    } catch (error) {
      errorHeaders(error, decision);
      throw error;
    }
  };
}

export { cors };
