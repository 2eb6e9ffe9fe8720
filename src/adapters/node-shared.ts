/**
 * What the Node adapters (node:http, Express, Koa, Fastify) share: reading
 * the CORS request headers from an IncomingMessage and writing a decision
 * onto a ServerResponse, with Vary merged at the moment the head is sent.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { CorsDecision, PreflightDecision } from '../policy/policy.js';
import { mergeVary } from '../policy/policy.js';
import type { PolicyRequest } from '../policy/options.js';

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/**
 * A stand-in IncomingMessage from `origin`, for the policy's start-up check
 * of an origin function (a reflect-everything function is refused with
 * credentials): what the function reads of a request.
 */
export function probeRequest(origin: string): Pick<IncomingMessage, 'method' | 'url' | 'headers'> {
  return { method: 'GET', url: '/', headers: { origin, host: 'localhost' } };
}

/** The policy's view of a Node request (the preflight headers read for OPTIONS only: nothing else can be a preflight). */
export function policyRequest(req: IncomingMessage): PolicyRequest {
  const method = req.method ?? 'GET';
  const origin = header(req, 'origin');
  if (method !== 'OPTIONS') return { method, origin, accessControlRequestMethod: undefined, accessControlRequestHeaders: undefined, accessControlRequestPrivateNetwork: undefined };
  return {
    method,
    origin,
    accessControlRequestMethod: header(req, 'access-control-request-method'),
    accessControlRequestHeaders: header(req, 'access-control-request-headers'),
    accessControlRequestPrivateNetwork: header(req, 'access-control-request-private-network'),
  };
}

/** A header value as one line: repeated values (an array) joined with ", ", as HTTP folds them. */
export function headerLine(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return Array.isArray(value) ? value.join(', ') : String(value);
}

const VARY_TOKENS = Symbol('corsproof.vary');
const ORIGINAL_WRITE_HEAD = Symbol('corsproof.writeHead');

type PatchedResponse = ServerResponse & {
  [VARY_TOKENS]?: string;
  [ORIGINAL_WRITE_HEAD]?: ServerResponse['writeHead'];
};

/** The Vary entry of the headers passed to writeHead, if any: its name as written there. */
function varyKey(headers: OutgoingHttpHeaders): string | undefined {
  if (headers.vary !== undefined) return 'vary';
  for (const key in headers) if (key.length === 4 && key.toLowerCase() === 'vary') return key;
  return undefined;
}

/** writeHead with our Vary tokens merged in: one shared function, no closure per response. */
function writeHeadWithVary(this: PatchedResponse): ServerResponse {
  const tokens = this[VARY_TOKENS] as string;
  const original = this[ORIGINAL_WRITE_HEAD] as (...a: unknown[]) => ServerResponse;
  // writeHead(status[, message][, headers]): headers passed here win over those set before. `arguments`
  // rather than a rest parameter: no array per response.
  // eslint-disable-next-line prefer-rest-params
  const args = arguments as unknown as unknown[];
  const last: unknown = args[args.length - 1];
  if (typeof last === 'object' && last !== null && !Array.isArray(last)) {
    const headers = last as OutgoingHttpHeaders;
    const key = varyKey(headers);
    if (key !== undefined) {
      headers[key] = mergeVary(headerLine(headers[key]), tokens);
      return original.apply(this, args);
    }
  }
  if (!this.headersSent) {
    const current = this.getHeader('vary');
    const merged = mergeVary(headerLine(current), tokens);
    if (merged !== current) this.setHeader('Vary', merged);
  }
  return original.apply(this, args);
}

/**
 * Merge `vary` into the response's Vary header when the head goes out, so
 * that a Vary the application sets later is kept and ours is not lost.
 */
export function varyOnWrite(res: ServerResponse, vary: string): void {
  const r = res as PatchedResponse;
  if (r[VARY_TOKENS] !== undefined) {
    r[VARY_TOKENS] = mergeVary(r[VARY_TOKENS], vary);
    return;
  }
  r[VARY_TOKENS] = vary;
  r[ORIGINAL_WRITE_HEAD] = res.writeHead;
  res.writeHead = writeHeadWithVary as ServerResponse['writeHead'];
}

/** Set the decision's CORS headers (and Vary) on a response that the application will finish. */
export function applyHeaders(res: ServerResponse, decision: CorsDecision): void {
  for (const [name, value] of decision.headers) res.setHeader(name, value);
  if (decision.vary) varyOnWrite(res, decision.vary);
}

/** Answer a preflight completely (allowed: the success status; refused: 403, with the debug body if any). */
export function endPreflight(res: ServerResponse, decision: PreflightDecision): void {
  // The answer is ours alone: set Vary now, no need to wait for the head.
  for (const [name, value] of decision.headers) res.setHeader(name, value);
  res.setHeader('Vary', mergeVary(headerLine(res.getHeader('vary')), decision.vary));
  res.statusCode = decision.status;
  if (decision.body !== null) {
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.setHeader('Content-Length', Buffer.byteLength(decision.body));
    res.end(decision.body);
  } else {
    res.setHeader('Content-Length', '0');
    res.end();
  }
}
