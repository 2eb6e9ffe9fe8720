/**
 * One HTTP exchange, as the doctor needs it: the raw response header lines
 * (order, case and repeated lines kept, since one comma-joined line and two
 * lines are different errors in Firefox), and network failures named.
 */
import type { Agent, AgentOptions, ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { RequestOptions as HttpsRequestOptions } from 'node:https';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import type { HeaderList } from '../engine/types.js';
import type { Proxy, ProxyEnv } from './proxy.js';
import { isProxy, proxyFor } from './proxy.js';

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
/**
 * Why a request did not complete. `proxy`: the proxy from the environment
 * refused the request (a CONNECT answered with 407, 403, 502...), its
 * certificate is not trusted, or its variable cannot be used; a proxy
 * that cannot be reached is `refused` or `dns`, naming the proxy.
 */
export type NetworkFailureKind = 'timeout' | 'dns' | 'refused' | 'tls' | 'reset' | 'protocol' | 'proxy' | 'other';

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

/** Error codes of a connection that never opened: through a proxy, the proxy's. */
const CONNECT_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT']);

function describe(error: NodeJS.ErrnoException, url: string, proxy: Proxy | null = null): NetworkFailure {
  if (proxy !== null) {
    if (CONNECT_CODES.has(error.code ?? '')) return describeProxy(error, proxy, url);
    const failure = describe(error, url);
    return new NetworkFailure(failure.kind, url, `${failure.message} (through the proxy ${proxy.label}, from ${proxy.variable})`);
  }
  const code = error.code ?? '';
  const host = new URL(url).host;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new NetworkFailure('dns', url, `The name ${new URL(url).hostname} does not resolve (${code}): check the host name, or the DNS the browser uses.`);
  if (code === 'ECONNREFUSED') return new NetworkFailure('refused', url, `Nothing accepts connections at ${host} (connection refused): is the server running, on this port?`);
  if (code === 'ECONNRESET' || code === 'EPIPE') return new NetworkFailure('reset', url, `The server at ${host} closed the connection before answering completely (${code}).`);
  if (isTlsCode(code)) {
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

function isTlsCode(code: string): boolean {
  return code.startsWith('ERR_TLS') || code.includes('CERT') || code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || code === 'SELF_SIGNED_CERT_IN_CHAIN';
}

/** A failure of the connection to the proxy itself, naming the proxy (never its password) and the variable it came from. */
function describeProxy(error: NodeJS.ErrnoException, proxy: Proxy, url: string): NetworkFailure {
  const code = error.code ?? '';
  const at = `the proxy ${proxy.label} (from ${proxy.variable})`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new NetworkFailure('dns', url, `The name of ${at} does not resolve (${code}): check the variable, or list ${new URL(url).hostname} in NO_PROXY to connect directly.`);
  if (code === 'ECONNREFUSED') return new NetworkFailure('refused', url, `Nothing accepts connections at ${at} (connection refused): is the proxy running, at this address? Hosts listed in NO_PROXY are reached directly.`);
  if (code === 'ECONNRESET' || code === 'EPIPE') return new NetworkFailure('reset', url, `${capitalize(at)} closed the connection before answering (${code}).`);
  if (isTlsCode(code) || code === 'EPROTO') {
    return new NetworkFailure('proxy', url, `The TLS connection to ${at} failed (${code}: ${error.message}). --insecure applies to the server, not to the proxy: give Node the proxy's CA (NODE_EXTRA_CA_CERTS), or use its http:// address.`);
  }
  return new NetworkFailure('other', url, `The connection to ${at} failed: ${error.message}`);
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The proxy's error status, explained: what the user can do about it. */
function proxyRefusal(proxy: Proxy, url: string, what: string, status: number, reason: string): NetworkFailure {
  const hint =
    status === 407
      ? proxy.authorization === null
        ? ` It wants credentials: give them in ${proxy.variable} (http://user:password@${proxy.label}).`
        : ` It did not accept the user name and password in ${proxy.variable}.`
      : status === 403
        ? ' Its policy forbids this destination (or port): ask its administrators, or list the host in NO_PROXY if it is reached directly.'
        : status === 502 || status === 503 || status === 504
          ? ' It could not reach the server itself: a name that does not resolve, or a server that is down, from where the proxy stands.'
          : '';
  return new NetworkFailure('proxy', url, `The proxy ${proxy.label} (from ${proxy.variable}) refused ${what}: it answered ${status}${reason ? ` ${reason}` : ''}.${hint}`);
}

/** A failure of the tunnel, before the request had a socket: turned into a {@link NetworkFailure} for the request's URL. */
class TunnelFailure extends Error {
  constructor(readonly failure: (url: string) => NetworkFailure) {
    super('tunnel failed');
  }
}

/** Where a tunnel leads, and how the TLS inside it is checked. */
interface TunnelTarget {
  /** The target's host name or IP address (IPv6 without brackets). */
  host: string;
  port: number;
  rejectUnauthorized: boolean;
  timeoutMs: number;
}

/**
 * Open a CONNECT tunnel to `target` through `proxy` (over TLS for an
 * https:// proxy, whose certificate is always checked), then TLS to the
 * target inside it, its certificate checked against the target's name.
 * `done` gets the TLS socket (handshake under way) or a {@link TunnelFailure}.
 */
function tunnel(proxy: Proxy, target: TunnelTarget, done: (error: Error | null, socket?: Duplex) => void): void {
  const authority = `${isIP(target.host) === 6 ? `[${target.host}]` : target.host}:${target.port}`;
  const headers: Record<string, string> = { Host: authority };
  if (proxy.authorization !== null) headers['Proxy-Authorization'] = proxy.authorization;
  const options = { host: proxy.hostname, port: proxy.port, method: 'CONNECT', path: authority, headers, agent: false as const, timeout: target.timeoutMs };
  const connect = proxy.protocol === 'https:' ? httpsRequest({ ...options, servername: serverName(proxy.hostname) }) : httpRequest(options);
  let finished = false;
  const fail = (failure: (url: string) => NetworkFailure): void => {
    if (finished) return;
    finished = true;
    connect.destroy();
    done(new TunnelFailure(failure));
  };
  connect.on('connect', (res: IncomingMessage, socket: Socket, head: Buffer) => {
    if (finished) return void socket.destroy();
    const status = res.statusCode ?? 0;
    if (status < 200 || status > 299) {
      socket.destroy();
      return fail((url) => proxyRefusal(proxy, url, `the tunnel to ${authority}`, status, res.statusMessage ?? ''));
    }
    finished = true;
    if (head.length > 0) socket.unshift(head);
    const secure = tlsConnect({ socket, servername: serverName(target.host), rejectUnauthorized: target.rejectUnauthorized });
    done(null, secure);
  });
  connect.on('timeout', () => fail((url) => new NetworkFailure('timeout', url, `No answer from the proxy ${proxy.label} (from ${proxy.variable}) within ${Math.round(target.timeoutMs / 1000)} s.`)));
  connect.on('error', (e: NodeJS.ErrnoException) => fail((url) => describeProxy(e, proxy, url)));
  connect.end();
}

/** The TLS server name for a host: none for an IP address (SNI carries names only). */
function serverName(host: string): string | undefined {
  return isIP(host) === 0 ? host : undefined;
}

/** An https.Agent whose connections are tunnels through a proxy: keep-alive pools per target, as a plain agent's. */
class TunnellingAgent extends HttpsAgent {
  constructor(
    private readonly proxy: Proxy,
    options: AgentOptions,
  ) {
    super(options);
  }
  override createConnection(options: HttpsRequestOptions, callback?: (err: Error | null, stream: Duplex) => void): undefined {
    const target: TunnelTarget = {
      host: (options.hostname ?? options.host ?? 'localhost').replace(/^\[|\]$/g, ''),
      port: Number(options.port ?? 443),
      rejectUnauthorized: options.rejectUnauthorized !== false,
      timeoutMs: options.timeout ?? 10_000,
    };
    tunnel(this.proxy, target, (error, socket) => callback?.(error, socket as Duplex));
    return undefined;
  }
}

/** Agents derived from the caller's keep-alive agent, one per proxy (and kind), living as long as it. */
const derivedAgents = new WeakMap<Agent, Map<string, Agent>>();

/** An agent with the pool settings of `agent`, made once per `key`. */
function derive(agent: Agent, key: string, make: (options: AgentOptions) => Agent): Agent {
  let byKey = derivedAgents.get(agent);
  if (byKey === undefined) {
    byKey = new Map();
    derivedAgents.set(agent, byKey);
  }
  let derived = byKey.get(key);
  if (derived === undefined) {
    const from = (agent as Agent & { options?: AgentOptions }).options ?? {};
    const pool: AgentOptions = {};
    for (const name of ['keepAlive', 'keepAliveMsecs', 'maxSockets', 'maxFreeSockets', 'maxTotalSockets', 'timeout', 'scheduling'] as const) {
      if (from[name] !== undefined) Object.assign(pool, { [name]: from[name] });
    }
    derived = make(pool);
    byKey.set(key, derived);
    // The caller closes its pool with destroy(): the derived pool closes with it.
    const destroy = agent.destroy.bind(agent);
    const made = derived;
    agent.destroy = () => {
      made.destroy();
      destroy();
    };
  }
  return derived;
}

/** The largest response head read: Chromium's limit (256 KB); Node's own default is 16 KB. */
export const MAX_HEADER_BYTES = 256 * 1024;

/**
 * How {@link send} sends: its time limit, whether to accept an untrusted
 * certificate, the connection pool (default: a new connection per
 * request), and where the proxy variables are read.
 */
export interface SendOptions {
  timeoutMs: number;
  /** Accept an untrusted certificate of the server (never of an https:// proxy). */
  insecure: boolean;
  /**
   * A keep-alive agent, for many requests to one server (corsproof/testing's
   * apps on loopback, scan's routes). Through a proxy, requests to https
   * URLs go through an agent derived from it (same pool settings) whose
   * connections are CONNECT tunnels; `agent.destroy()` closes both.
   */
  agent?: Agent;
  /** Where HTTPS_PROXY, http_proxy, ALL_PROXY and NO_PROXY are read (default `process.env`; `{}` connects directly). */
  proxyEnv?: ProxyEnv;
}

/** A response body larger than this is not read to its end: the doctor reads headers, and a huge body only costs time. */
const MAX_BODY_BYTES = 1024 * 1024;

/** The request's headers as Node takes them: repeated names as arrays, names as given. */
function nodeHeaders(list: HeaderList): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [n, v] of list) {
    const prev = headers[n];
    headers[n] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return headers;
}

/**
 * Start the request: directly; to an https URL through a CONNECT tunnel;
 * to an http URL as an absolute-form request to the proxy (forwarded).
 */
function open(url: URL, req: OutgoingRequest, options: SendOptions, proxy: Proxy | null, onResponse: (res: IncomingMessage) => void): ClientRequest {
  const headers = nodeHeaders(req.headers);
  const common = { method: req.method, timeout: options.timeoutMs, maxHeaderSize: MAX_HEADER_BYTES };
  if (proxy === null) {
    const make = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return make(url, { ...common, headers, agent: options.agent ?? false, rejectUnauthorized: !options.insecure }, onResponse);
  }
  if (url.protocol === 'https:') {
    const tls: HttpsRequestOptions = { ...common, headers, rejectUnauthorized: !options.insecure, port: Number(url.port || 443), defaultPort: 443 };
    if (options.agent !== undefined) return httpsRequest(url, { ...tls, agent: derive(options.agent, `tunnel ${proxy.key}`, (o) => new TunnellingAgent(proxy, o)) }, onResponse);
    const target: TunnelTarget = { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 443), rejectUnauthorized: !options.insecure, timeoutMs: options.timeoutMs };
    const createConnection = (_o: unknown, callback: (error: Error | null, socket?: Duplex) => void): undefined => void tunnel(proxy, target, callback);
    return httpsRequest(url, { ...tls, createConnection } as HttpsRequestOptions, onResponse);
  }
  const forwarded: Record<string, string | string[]> = Object.keys(headers).some((n) => n.toLowerCase() === 'host') ? headers : { Host: url.host, ...headers };
  if (proxy.authorization !== null) forwarded['Proxy-Authorization'] = proxy.authorization;
  const target: RequestOptions = { ...common, host: proxy.hostname, port: proxy.port, path: `${url.origin}${url.pathname}${url.search}`, headers: forwarded };
  if (url.username !== '' || url.password !== '') target.auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  const agent = options.agent === undefined ? false : forwardAgent(options.agent, proxy);
  if (proxy.protocol === 'https:') return httpsRequest({ ...target, agent, servername: serverName(proxy.hostname) }, onResponse);
  return httpRequest({ ...target, agent }, onResponse);
}

/** The caller's agent for requests forwarded to the proxy, or one derived from it that speaks the proxy's scheme. */
function forwardAgent(agent: Agent, proxy: Proxy): Agent {
  const isHttps = agent instanceof HttpsAgent;
  if (proxy.protocol === 'https:') return isHttps ? agent : derive(agent, 'https', (o) => new HttpsAgent(o));
  return isHttps ? derive(agent, 'http', (o) => new HttpAgent(o)) : agent;
}

/**
 * Send one request; never follows redirects. `timeoutMs` bounds the whole
 * exchange, not only the silences between bytes: a server that trickles its
 * answer a byte at a time (slow loris) fails with a timeout too. The body
 * is read and dropped (past {@link MAX_BODY_BYTES}, the connection is
 * closed instead).
 *
 * Proxies come from the environment as curl reads it (see ./proxy.ts):
 * `https_proxy`/`HTTPS_PROXY` for https URLs, through a CONNECT tunnel with
 * TLS to the server inside it (its certificate checked against the
 * server's name; `insecure` still applies to the server only);
 * `http_proxy` (lower case only, as curl) for http URLs, sent to the proxy
 * in absolute form; else `all_proxy`/`ALL_PROXY`; `no_proxy`/`NO_PROXY`
 * lists the hosts reached directly (names and their subdomains, `*`, IP
 * addresses and CIDR ranges, optional ports). `http://` and `https://`
 * proxies, `user:password@` sent as Proxy-Authorization: Basic. Loopback
 * is never proxied (as in browsers; curl would), unless NO_PROXY lists
 * `<-loopback>`. Either way the response head is Node's parse of the
 * server's bytes: raw header lines kept. A proxy that refuses (407, 403,
 * 502 to the CONNECT, or 407 to a forwarded request) fails with kind
 * `proxy`; one that cannot be reached with `refused` or `dns`, naming it.
 */
export function send(req: OutgoingRequest, options: SendOptions): Promise<Exchange> {
  const url = new URL(req.url);
  const route = proxyFor(url, options.proxyEnv ?? process.env);
  if (route !== null && !isProxy(route)) return Promise.reject(new NetworkFailure('proxy', req.url, route.problem));
  const proxy = route;
  const through = proxy === null ? '' : ` through the proxy ${proxy.label}`;
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (outcome: Exchange | NetworkFailure): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      if (outcome instanceof NetworkFailure) reject(outcome);
      else resolve(outcome);
    };
    const outgoing = open(url, req, options, proxy, (res) => {
      if (proxy !== null && url.protocol === 'http:' && res.statusCode === 407) {
        settle(proxyRefusal(proxy, req.url, `to forward the request to ${url.host}`, 407, res.statusMessage ?? ''));
        res.destroy();
        return;
      }
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
      res.on('error', (e: NodeJS.ErrnoException) => settle(describe(e, req.url, proxy)));
    });
    const timedOut = (): NetworkFailure => new NetworkFailure('timeout', req.url, `No answer from ${url.host}${through} within ${Math.round(options.timeoutMs / 1000)} s.`);
    const deadline = setTimeout(() => {
      settle(timedOut());
      outgoing.destroy();
    }, options.timeoutMs);
    outgoing.on('timeout', () => {
      settle(timedOut());
      outgoing.destroy();
    });
    outgoing.on('error', (e: NodeJS.ErrnoException) => {
      if (e instanceof TunnelFailure) settle(e.failure(req.url));
      else settle(e instanceof NetworkFailure ? e : describe(e, req.url, proxy));
    });
    outgoing.end(req.body);
  });
}
