/**
 * `corsproof/node`: CORS for a plain node:http server.
 *
 * ```ts
 * import { createServer } from 'node:http';
 * import { withCors } from 'corsproof/node';
 * createServer(withCors({ origin: 'https://app.example.com' }, (req, res) => res.end('ok'))).listen(3000);
 * ```
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CorsOptions } from '../policy/options.js';
import { answersPreflight, createPolicy } from '../policy/policy.js';
import type { CorsDecision } from '../policy/policy.js';
import { applyHeaders, endPreflight, policyRequest, probeRequest } from './node-shared.js';

export { CorsConfigError } from '../policy/errors.js';
export type { CorsOptions } from '../policy/options.js';

/**
 * Create a CORS handler. Call it first for every request: it answers
 * preflights itself and resolves `true`; otherwise it sets the CORS headers
 * and resolves `false`, and the application goes on to answer.
 *
 * @throws CorsConfigError when the options are unsafe or invalid.
 */
export function cors(options: CorsOptions<IncomingMessage> = {}): (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean> {
  const policy = createPolicy(options, { probeContext: probeRequest });
  const finish = (req: IncomingMessage, res: ServerResponse, decision: CorsDecision): boolean => {
    if (answersPreflight(decision)) {
      endPreflight(res, decision);
      return true;
    }
    applyHeaders(res, decision);
    return false;
  };
  return (req, res) => {
    const decision = policy.decide(policyRequest(req), req);
    return decision instanceof Promise ? decision.then((d) => finish(req, res, d)) : finish(req, res, decision);
  };
}

/** Answer 500 (the CORS headers are already set) when the listener failed before answering. */
function failed(res: ServerResponse, error: unknown): void {
  console.error(error);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.statusCode = 500;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end('Internal Server Error');
}

/**
 * Wrap a request listener: CORS first, then the listener for everything
 * that is not an answered preflight. An error the listener throws (or a
 * promise it rejects) becomes a 500 that keeps the CORS headers, so the
 * browser shows the real error instead of a CORS one; it is logged with
 * console.error.
 */
export function withCors(
  options: CorsOptions<IncomingMessage>,
  listener: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>,
): (req: IncomingMessage, res: ServerResponse) => void {
  const handle = cors(options);
  const run = (req: IncomingMessage, res: ServerResponse): void => {
    try {
      const result = listener(req, res);
      if (result instanceof Promise) result.catch((error: unknown) => failed(res, error));
    } catch (error) {
      failed(res, error);
    }
  };
  return (req, res) => {
    const answered = handle(req, res);
    if (answered === false) run(req, res);
    else if (answered !== true) answered.then((done) => void (done || run(req, res)), (error: unknown) => failed(res, error));
  };
}
