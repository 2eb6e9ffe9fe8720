/**
 * One HTTP exchange, as the doctor needs it: the raw response header lines
 * (order, case and repeated lines kept, since one comma-joined line and two
 * lines are different errors in Firefox), and network failures named.
 */
import type { Agent } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { HeaderList } from '../engine/types.js';

/** A request the doctor sends. */
export interface OutgoingRequest {
  url: string;
  method: string;
  headers: HeaderList;
  /** The request body, if any (`check` sends none). */
  body?: string | Uint8Array;
}

/** What came back. */
export interface Exchange {
  request: OutgoingRequest;
  status: number;
  headers: HeaderList;
}

/** Why a request did not complete. */
export type NetworkFailureKind = 'timeout' | 'dns' | 'refused' | 'tls' | 'reset' | 'protocol' | 'other';

/** A request that did not complete (Firefox: CORSDidNotSucceed). */
export class NetworkFailure extends Error {
  readonly kind: NetworkFailureKind;
  readonly url: string;
  constructor(kind: NetworkFailureKind, url: string, message: string) {
    super(message);
    this.name = 'NetworkFailure';
    this.kind = kind;
    this.url = url;
  }
}

function describe(error: NodeJS.ErrnoException, url: string): NetworkFailure {
  const code = error.code ?? '';
  const host = new URL(url).host;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new NetworkFailure('dns', url, `The name ${new URL(url).hostname} does not resolve (${code}): check the host name, or the DNS the browser uses.`);
  if (code === 'ECONNREFUSED') return new NetworkFailure('refused', url, `Nothing accepts connections at ${host} (connection refused): is the server running, on this port?`);
  if (code === 'ECONNRESET' || code === 'EPIPE') return new NetworkFailure('reset', url, `The server at ${host} closed the connection before answering completely (${code}).`);
  if (code.startsWith('ERR_TLS') || code.includes('CERT') || code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || code === 'SELF_SIGNED_CERT_IN_CHAIN') {
    return new NetworkFailure('tls', url, `The TLS certificate of ${host} is not trusted (${code}: ${error.message}). Browsers refuse it too: fix the certificate (the check can look past it, to see the CORS answer behind it).`);
  }
  if (code === 'HPE_HEADER_OVERFLOW') {
    return new NetworkFailure('protocol', url, `The response headers from ${host} are larger than ${MAX_HEADER_BYTES / 1024} KB, more than Chromium accepts (it fails such a response with ERR_RESPONSE_HEADERS_TOO_BIG).`);
  }
  if (code === 'EPROTO' && /wrong version number|packet length too long|http request/i.test(error.message)) {
    return new NetworkFailure('tls', url, `${host} does not speak TLS (it answered in plain HTTP?): use http:// for this port, or the server's https port.`);
  }
  if (code.startsWith('HPE_')) return new NetworkFailure('protocol', url, `The server at ${host} did not answer with valid HTTP (${code}).`);
  return new NetworkFailure('other', url, `The request to ${host} failed: ${error.message}`);
}

/** The largest response head read: Chromium's limit (256 KB); Node's own default is 16 KB. */
export const MAX_HEADER_BYTES = 256 * 1024;

/** How {@link send} sends: its time limit, whether to accept an untrusted certificate, and the connection pool (default: a new connection per request). */
export interface SendOptions {
  timeoutMs: number;
  insecure: boolean;
  /** A keep-alive agent, for many requests to one server (corsproof/testing's apps on loopback). */
  agent?: Agent;
}

/** A response body larger than this is not read to its end: the doctor reads headers, and a huge body only costs time. */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Send one request; never follows redirects. `timeoutMs` bounds the whole
 * exchange, not only the silences between bytes: a server that trickles its
 * answer a byte at a time (slow loris) fails with a timeout too. The body
 * is read and dropped (past {@link MAX_BODY_BYTES}, the connection is
 * closed instead).
 */
export function send(req: OutgoingRequest, options: SendOptions): Promise<Exchange> {
  const url = new URL(req.url);
  const make = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | string[]> = {};
    for (const [n, v] of req.headers) {
      const prev = headers[n];
      headers[n] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    let settled = false;
    const settle = (outcome: Exchange | NetworkFailure): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      if (outcome instanceof NetworkFailure) reject(outcome);
      else resolve(outcome);
    };
    const outgoing = make(
      url,
      { method: req.method, headers, agent: options.agent ?? false, rejectUnauthorized: !options.insecure, timeout: options.timeoutMs, maxHeaderSize: MAX_HEADER_BYTES },
      (res) => {
        const raw = res.rawHeaders;
        const list: HeaderList = [];
        for (let i = 0; i + 1 < raw.length; i += 2) list.push([raw[i] as string, raw[i + 1] as string]);
        const exchange: Exchange = { request: req, status: res.statusCode ?? 0, headers: list };
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes > MAX_BODY_BYTES) {
            settle(exchange);
            res.destroy();
          }
        });
        res.on('end', () => settle(exchange));
        res.on('error', (e: NodeJS.ErrnoException) => settle(describe(e, req.url)));
      },
    );
    const timedOut = (): NetworkFailure => new NetworkFailure('timeout', req.url, `No answer from ${url.host} within ${Math.round(options.timeoutMs / 1000)} s.`);
    const deadline = setTimeout(() => {
      settle(timedOut());
      outgoing.destroy();
    }, options.timeoutMs);
    outgoing.on('timeout', () => {
      settle(timedOut());
      outgoing.destroy();
    });
    outgoing.on('error', (e: NodeJS.ErrnoException) => settle(e instanceof NetworkFailure ? e : describe(e, req.url)));
    outgoing.end(req.body);
  });
}
