/**
 * `corsproof/hono`: CORS middleware for Hono, on any runtime Hono runs on.
 *
 * ```ts
 * import { cors } from 'corsproof/hono';
 * app.use('*', cors({ origin: ['https://app.example.com'], credentials: true }));
 * ```
 */
import type { CorsOptions, OriginValue } from '../policy/options.js';
import type { CorsDecision } from '../policy/policy.js';
import { answersPreflight, createPolicy } from '../policy/policy.js';
import { applyToResponse, policyRequest, preflightResponse } from './fetch.js';

export { CorsConfigError } from '../policy/errors.js';
export type { CorsOptions } from '../policy/options.js';

/** The part of Hono's context the middleware and the usual origin functions use. */
export interface HonoContext {
  req: { raw: Request; url: string; method: string; path: string; header(name: string): string | undefined };
  res: Response;
}

/**
 * An origin function as `hono/cors` calls it: `(origin, c)`. It gives back
 * (or resolves to) what the `origin` option takes: the origin itself or
 * `true` allows it, `'*'` answers with `*` (never with credentials), an
 * origin, a pattern, a RegExp or an array of these allows those,
 * `null`/`undefined`/`''`/`false` deny.
 */
export type HonoOriginFunction = (origin: string, c: HonoContext) => OriginValue | PromiseLike<OriginValue>;

/** The options; `origin` may be a function of the origin and Hono's context, as in `hono/cors`. */
export type HonoCorsOptions = CorsOptions<HonoContext, HonoOriginFunction>;

/** hono/cors's default methods (4.13), QUERY included, in its order. */
const HONO_DEFAULT_METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH', 'QUERY'] as const;

/** A stand-in Hono context whose Origin is `origin`, for the start-up check of an origin function. */
function probeContext(origin: string): HonoContext {
  const raw = new Request('http://localhost/', { headers: { origin } });
  return { req: { raw, url: raw.url, method: 'GET', path: '/', header: (name) => raw.headers.get(name) ?? undefined }, res: new Response(null, { status: 404 }) };
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
export function cors(options: HonoCorsOptions = {}): HonoMiddleware {
  const policy = createPolicy(options, { originFunctionStyle: 'origin-context', probeContext, defaultMethods: HONO_DEFAULT_METHODS });
  return (c, next) => {
    // No await for a decision taken synchronously (every policy without an asynchronous function).
    const decision = policy.decide(policyRequest(c.req.raw), c);
    return decision instanceof Promise ? decision.then((d) => respond(c, next, d)) : respond(c, next, decision);
  };
}

/** Answer a preflight here, or go on and put the CORS headers on whatever response comes back. */
async function respond(c: HonoContext, next: () => Promise<void>, decision: CorsDecision): Promise<Response | void> {
  if (answersPreflight(decision)) {
    // Headers earlier middleware set with c.header() (a request id, security headers) stay on the answer, as with hono/cors.
    const answer = preflightResponse(decision);
    c.res.headers.forEach((value, name) => {
      if (name !== 'content-length' && name !== 'content-type' && !answer.headers.has(name)) answer.headers.append(name, value);
    });
    return answer;
  }
  await next();
  // In place when the headers are writable: assigning c.res makes Hono rebuild the response.
  const res = c.res;
  const answered = applyToResponse(res, decision);
  if (answered !== res) c.res = answered;
}

export default cors;
