/**
 * `corsproof/fetch`: CORS for Web-standard handlers `(Request) => Response`:
 * Bun, Deno, Cloudflare Workers, Next.js route handlers, any runtime with
 * the Fetch API. No Node built-ins.
 *
 * ```ts
 * import { withCors } from 'corsproof/fetch';
 * export default { fetch: withCors({ origin: 'https://app.example.com' }, (req) => new Response('ok')) };
 * ```
 */
import type { CorsOptions, OriginValue, PolicyRequest } from '../policy/options.js';
import type { CorsDecision } from '../policy/policy.js';
import { answersPreflight, createPolicy, mergeVary } from '../policy/policy.js';

export { CorsConfigError } from '../policy/errors.js';
export type { CorsOptions } from '../policy/options.js';

/**
 * An origin function for Web handlers: `(origin, request)`. It gives back
 * (or resolves to) what the `origin` option takes: the origin itself or
 * `true` allows it, `'*'` answers with `*` (never with credentials), an
 * origin, a pattern, a RegExp or an array of these allows those,
 * `null`/`undefined`/`''`/`false` deny.
 */
export type FetchOriginFunction = (origin: string, request: Request) => OriginValue | PromiseLike<OriginValue>;

/** The options; `origin` may be a function of the origin and the Request. */
export type FetchCorsOptions = CorsOptions<Request, FetchOriginFunction>;

/** What the policy needs to call origin functions the Web way. */
const CONVENTIONS = {
  originFunctionStyle: 'origin-context',
  probeContext: (origin: string) => new Request('http://localhost/', { headers: { origin } }),
} as const;

/** The policy's view of a Web Request (the preflight headers read for OPTIONS only: nothing else can be a preflight). */
export function policyRequest(request: Request): PolicyRequest {
  const h = request.headers;
  const method = request.method;
  const origin = h.get('origin') ?? undefined;
  if (method !== 'OPTIONS') return { method, origin, accessControlRequestMethod: undefined, accessControlRequestHeaders: undefined, accessControlRequestPrivateNetwork: undefined };
  return {
    method,
    origin,
    accessControlRequestMethod: h.get('access-control-request-method') ?? undefined,
    accessControlRequestHeaders: h.get('access-control-request-headers') ?? undefined,
    accessControlRequestPrivateNetwork: h.get('access-control-request-private-network') ?? undefined,
  };
}

/** Put the decision's headers on a response, copying it first when its headers are immutable. */
export function applyToResponse(response: Response, decision: CorsDecision): Response {
  if (decision.headers.length === 0 && decision.vary === null) return response;
  let target = response;
  try {
    write(target.headers, decision);
  } catch {
    target = new Response(response.body, response);
    write(target.headers, decision);
  }
  return target;
}

function write(headers: Headers, decision: CorsDecision): void {
  for (const [name, value] of decision.headers) headers.set(name, value);
  if (decision.vary) {
    const current = headers.get('vary');
    const merged = mergeVary(current, decision.vary);
    if (merged !== current) headers.set('Vary', merged);
  }
}

/** The complete answer to a preflight the policy decided. */
export function preflightResponse(decision: CorsDecision & { kind: 'preflight' }): Response {
  const headers = new Headers();
  write(headers, decision);
  if (decision.body !== null) headers.set('Content-Type', 'text/plain; charset=utf-8');
  return new Response(decision.body, { status: decision.status, headers });
}

/** A Web handler, with whatever extra arguments the runtime passes (env, ctx, ...). */
export type FetchHandler<Extra extends unknown[] = unknown[]> = (request: Request, ...extra: Extra) => Response | Promise<Response>;

/**
 * Wrap a handler: preflights are answered here; every other response gets
 * its CORS headers, including a 500 made from an error the handler throws
 * (logged with console.error), so the browser shows the real error instead
 * of a CORS one.
 *
 * @throws CorsConfigError when the options are unsafe or invalid, at once.
 */
export function withCors<Extra extends unknown[]>(options: FetchCorsOptions, handler: FetchHandler<Extra>): FetchHandler<Extra> {
  const policy = createPolicy(options, CONVENTIONS);
  const run = async (request: Request, decision: CorsDecision, extra: Extra): Promise<Response> => {
    if (answersPreflight(decision)) return preflightResponse(decision);
    let response: Response;
    try {
      response = await handler(request, ...extra);
    } catch (error) {
      console.error(error);
      response = new Response('Internal Server Error', { status: 500, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
    }
    return applyToResponse(response, decision);
  };
  return async (request, ...extra) => run(request, await policy.decide(policyRequest(request), request), extra);
}

/** The bare policy step, for frameworks that own the handler: decide, then `applyToResponse`. */
export function cors(options: FetchCorsOptions = {}): (request: Request) => Promise<{ preflight: Response | null; decision: CorsDecision }> {
  const policy = createPolicy(options, CONVENTIONS);
  return async (request) => {
    const decision = await policy.decide(policyRequest(request), request);
    const answered = answersPreflight(decision);
    return { preflight: answered ? preflightResponse(decision as CorsDecision & { kind: 'preflight' }) : null, decision };
  };
}
