/**
 * `corsproof/express`: a drop-in for `import cors from 'cors'` in Express
 * (and Connect-style servers).
 *
 * ```ts
 * import cors from 'corsproof/express';
 * app.use(cors({ origin: ['https://app.example.com'], credentials: true }));
 * ```
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CorsConfigError } from '../policy/errors.js';
import type { CorsOptions } from '../policy/options.js';
import type { CorsDecision } from '../policy/policy.js';
import { answersPreflight, createPolicy } from '../policy/policy.js';
import { applyHeaders, endPreflight, policyRequest, probeRequest } from './node-shared.js';

export { CorsConfigError } from '../policy/errors.js';
export type { CorsOptions } from '../policy/options.js';

/** A Connect/Express middleware. */
export type Middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/**
 * Create the middleware. Preflights are answered here (unless
 * `preflightContinue`); every other request gets its CORS headers and goes
 * on to the next handler, so the headers are on error responses too.
 *
 * @throws CorsConfigError when the options are unsafe or invalid, at once.
 */
export default function cors(options: CorsOptions<IncomingMessage> = {}): Middleware {
  if (typeof options === 'function') {
    throw new CorsConfigError([
      {
        code: 'per-request-options',
        path: 'options',
        message:
          "cors(function (req, callback) { ... }) computes options per request, so they cannot be checked up front. Pass an options object; decide per origin with origin: (origin, callback, req) => callback(null, allowed), or mount a second cors(...) on the routes that need other options.",
      },
    ]);
  }
  const policy = createPolicy(options, { probeContext: probeRequest });
  const finish = (res: ServerResponse, next: (error?: unknown) => void, decision: CorsDecision): void => {
    if (answersPreflight(decision)) {
      endPreflight(res, decision);
      return;
    }
    applyHeaders(res, decision);
    next();
  };
  return (req, res, next) => {
    const decision = policy.decide(policyRequest(req), req);
    if (decision instanceof Promise) decision.then((d) => finish(res, next, d), next);
    else finish(res, next, decision);
  };
}

export { cors };
