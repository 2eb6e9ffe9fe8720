/**
 * `corsproof/hono`: CORS middleware for Hono, on any runtime Hono runs on.
 *
 * ```ts
 * import { cors } from 'corsproof/hono';
 * app.use('*', cors({ origin: ['https://app.example.com'], credentials: true }));
 * ```
 */
import type { CorsOptions } from '../policy/options.js';
import { createPolicy } from '../policy/policy.js';
import { applyToResponse, policyRequest, preflightResponse } from './fetch.js';

export { CorsConfigError } from '../policy/errors.js';
export type { CorsOptions } from '../policy/options.js';

/** The part of Hono's context the middleware uses. */
export interface HonoContext {
  req: { raw: Request };
  res: Response;
}

/** A Hono middleware. */
export type HonoMiddleware = (c: HonoContext, next: () => Promise<void>) => Promise<Response | void>;

/**
 * Create the middleware. Preflights are answered here (unless
 * `preflightContinue`); every other response, including Hono's error and
 * not-found responses, gets its CORS headers.
 *
 * @throws CorsConfigError when the options are unsafe or invalid, at once.
 */
export function cors(options: CorsOptions<Request> = {}): HonoMiddleware {
  const policy = createPolicy(options);
  return async (c, next) => {
    const request = c.req.raw;
    const decision = await policy.decide(policyRequest(request), request);
    if (decision.kind === 'preflight' && !(decision.allowed && decision.continue)) return preflightResponse(decision);
    await next();
    c.res = applyToResponse(c.res, decision);
  };
}

export default cors;
