/**
 * The real-browser harness: runs scenarios in headless Chromium and Firefox ESR
 * and records what the browsers really did.
 *
 * Three raw HTTP/1.1 servers (node:net, not node:http) stand for three origins:
 * the page origin (serves the page and case paths), the target origin
 * (`localhost`, so cross-site) and an "other" origin (same host as the page,
 * another port: cross-origin, same-site). Response header lines are written
 * exactly as a scenario lists them; nothing is added but a missing
 * `Content-Length`.
 *
 * A case lives at `/c/<id>/<k>` on any of the three origins: `k` is the
 * redirect hop. The request, every preflight and every redirect hop carry the
 * case id in their URL path, which is how requests, console messages and
 * DevTools issues are attributed to cases.
 */
import { STATUS_CODES } from 'node:http';
import net from 'node:net';
import puppeteer from 'puppeteer-core';
import type { Browser, ConsoleMessage, Page, Protocol } from 'puppeteer-core';
import type { HeaderList, Scenario, ScenarioRequest, ScenarioResponse } from '../../src/engine/types.js';

// ---------------------------------------------------------------------------
// Public types

export interface Observation {
  /** The case id given. */
  id: string;
  /** Script could read the response (fetch resolved / xhr load with status != 0 / EventSource open). */
  ok: boolean;
  /** When ok: lowercase sorted names script can read; null for eventsource and when blocked. */
  readableHeaders: string[] | null;
  /** Every OPTIONS request with Access-Control-Request-Method the servers received for this case, in order. */
  preflights: Array<{ origin: string | null; acrm: string | null; acrh: string | null; url: string }>;
  /** Every non-preflight request the servers received for this case, in order. */
  requests: Array<{ method: string; url: string; origin: string | null }>;
  /** Chromium runs only: the first Audits CorsIssue for this case, and every console message naming its URL. */
  chromium?: { corsError: string | null; failedParameter: string | null; messages: string[] };
  /**
   * Firefox runs only: every "Cross-Origin Request Blocked"/"Cross-Origin Request Warning" text for this case, in order.
   * `keys` (parallel to `messages`, when Firefox's console could be tapped) holds each message's
   * security.properties key, e.g. `CORSMissingAllowOrigin2`.
   */
  firefox?: { messages: string[]; keys?: string[] };
  /** What script caught when the request failed (e.g. "TypeError: Failed to fetch"), for diagnosis. */
  thrown?: string;
  /** Things the harness did to the scenario (e.g. appended a missing Content-Length). */
  notes?: string[];
  /** A harness-level problem (timeout, invalid case, ...): the other fields are then not trustworthy. */
  error?: string;
}

export interface HarnessWorld {
  /** e.g. http://127.0.0.1:P1, where the page lives. */
  pageOrigin: string;
  /** e.g. http://localhost:P2: cross-origin and cross-site. */
  targetOrigin: string;
  /** e.g. http://127.0.0.1:P3: cross-origin, same-site. */
  otherOrigin: string;
}

export interface PreflightRecord {
  origin: string | null;
  acrm: string | null;
  acrh: string | null;
  url: string;
}

export interface RequestRecord {
  method: string;
  url: string;
  origin: string | null;
}

/** What the servers received for one case. */
export interface CaseTraffic {
  preflights: PreflightRecord[];
  requests: RequestRecord[];
  notes: string[];
}

export type BrowserKind = 'chromium' | 'firefox';

/** Whose requests the servers record: the browsers driven here, and WebKit (driven by webkit.ts). */
export type TrafficKind = BrowserKind | 'webkit';

export interface World extends HarnessWorld {
  close(): Promise<void>;
  /**
   * Registers a case: its paths `/c/<id>/<k>` then answer from `scenario`.
   * Registering a different scenario under an id clears the id's traffic.
   */
  register(id: string, scenario: Scenario): void;
  /**
   * What the servers have received for a case so far from one browser (told
   * apart by User-Agent, so a Chromium run and a Firefox run may share a world
   * and case ids at the same time).
   */
  traffic(id: string, browser: TrafficKind): CaseTraffic | undefined;
  /** Forgets what the servers received for a case from one browser. */
  clearTraffic(id: string, browser: TrafficKind): void;
}

export interface RunOptions {
  /** Cases in flight at once in the page (default 16). */
  concurrency?: number;
  /** Per-case timeout in the page for fetch and xhr, ms (default 10000). */
  timeoutMs?: number;
  /** How many times each case's request is made, one after the other (default 1); the last attempt's result is kept. */
  repeat?: number;
  /** The `cache` mode of fetch() requests (default 'no-store'; Chromium consults its preflight cache only without cache flags, so 'default'). */
  fetchCache?: 'no-store' | 'default' | 'reload' | 'no-cache';
  /** How long an EventSource may neither open nor fail, ms (default 15000: Firefox following twenty redirects on a loaded machine takes seconds; a case that settles costs nothing of it). */
  eventSourceTimeoutMs?: number;
  /** After the last case settles, how long to wait at most for issues and messages of failed cases, ms (default 3000). */
  attributionTimeoutMs?: number;
  /** After the last case settles, the quiet time (no new message or issue) to wait for, ms (default 300). */
  quietMs?: number;
  /** Called with every raw console message, page error and CORS issue the browser reports (for debugging). */
  trace?: (event: { channel: 'console' | 'pageerror' | 'issue' | 'firefox-tap'; text: string }) => void;
  /** Called once with where the run's time went, ms. */
  onTimings?: (timings: { launch: number; run: number; settle: number; close: number }) => void;
}

// ---------------------------------------------------------------------------
// Raw HTTP/1.1 server

interface RawRequest {
  method: string;
  target: string;
  version: string;
  headers: HeaderList;
  body: Buffer;
}

interface RawResponse {
  /** The complete bytes to write. */
  bytes: Buffer;
  /** Close the connection after writing. */
  close: boolean;
}

const MAX_HEAD = 256 * 1024;
const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');

function headerValue(headers: HeaderList, name: string): string | null {
  const lower = name.toLowerCase();
  const values = headers.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
  return values.length === 0 ? null : values.join(', ');
}

/** Parses one request from the front of `buf`; null when incomplete; 'bad' when unparseable. */
function parseRequest(buf: Buffer): { request: RawRequest; consumed: number } | null | 'bad' {
  const end = buf.indexOf(CRLFCRLF);
  if (end < 0) return buf.length > MAX_HEAD ? 'bad' : null;
  const head = buf.subarray(0, end).toString('latin1');
  const lines = head.split('\r\n');
  // Tolerate empty lines before the request line (RFC 9112 §2.2).
  while (lines.length > 0 && lines[0] === '') lines.shift();
  const requestLine = lines.shift();
  if (requestLine === undefined) return 'bad';
  const m = /^(\S+) (\S+) (HTTP\/\d\.\d)$/.exec(requestLine);
  if (!m || m[1] === undefined || m[2] === undefined || m[3] === undefined) return 'bad';
  const headers: HeaderList = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) return 'bad';
    headers.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  if (headerValue(headers, 'transfer-encoding') !== null) return 'bad'; // browsers send no chunked request bodies here
  const cl = headerValue(headers, 'content-length');
  let length = 0;
  if (cl !== null) {
    if (!/^\d+$/.test(cl)) return 'bad';
    length = Number(cl);
  }
  const bodyStart = end + CRLFCRLF.length;
  if (buf.length < bodyStart + length) return null;
  return {
    request: { method: m[1], target: m[2], version: m[3], headers, body: buf.subarray(bodyStart, bodyStart + length) },
    consumed: bodyStart + length,
  };
}

interface RawServer {
  port: number;
  close(): Promise<void>;
}

function listen(host: string, port: number, handler: (req: RawRequest) => RawResponse): Promise<RawServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {
      /* a browser resetting a connection is no harness error */
    });
    let buf: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      for (;;) {
        const parsed = parseRequest(buf);
        if (parsed === null) return;
        if (parsed === 'bad') {
          socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
          buf = Buffer.alloc(0);
          return;
        }
        buf = buf.subarray(parsed.consumed);
        let response: RawResponse;
        try {
          response = handler(parsed.request);
        } catch (e) {
          const msg = Buffer.from(String(e), 'utf8');
          response = {
            bytes: Buffer.concat([Buffer.from(`HTTP/1.1 500 Internal Server Error\r\nContent-Length: ${msg.length}\r\n\r\n`, 'latin1'), msg]),
            close: true,
          };
        }
        socket.write(response.bytes);
        if (response.close) {
          socket.end();
          buf = Buffer.alloc(0);
          return;
        }
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', reject);
      const address = server.address();
      if (address === null || typeof address === 'string') {
        reject(new Error('no address'));
        return;
      }
      resolve({
        port: address.port,
        close: () =>
          new Promise<void>((res) => {
            for (const s of sockets) s.destroy();
            server.close(() => res());
          }),
      });
    });
  });
}

/** Encodes a head: isomorphic (latin1) when every code point fits a byte, else UTF-8. */
function encodeHead(head: string): { bytes: Buffer; utf8: boolean } {
  const utf8 = /[^\x00-\xff]/.test(head);
  return { bytes: Buffer.from(head, utf8 ? 'utf8' : 'latin1'), utf8 };
}

function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? 'X';
}

/** Statuses whose responses have no body whatever Content-Length says (RFC 9112 §6.3). */
function bodiless(status: number, method: string): boolean {
  return method.toUpperCase() === 'HEAD' || (status >= 100 && status < 200) || status === 204 || status === 304;
}

/**
 * Builds a response from a scenario response: the header lines exactly as
 * listed, a Content-Length appended when missing, and a body of the declared
 * length made from `base` (padded with `pad`, or truncated).
 */
function buildResponse(
  res: ScenarioResponse,
  method: string,
  base: string,
  pad: string,
  notes: string[],
  what: string,
): RawResponse {
  const headers: HeaderList = [...res.headers];
  const cls = headers.filter(([n]) => n.toLowerCase() === 'content-length').map(([, v]) => v.trim());
  let length: number | null;
  let close = false;
  if (cls.length === 0) {
    const noBody = bodiless(res.status, 'GET');
    length = noBody ? 0 : Buffer.byteLength(base, 'latin1');
    headers.push(['Content-Length', String(length)]);
    notes.push(`${what}: no Content-Length in the scenario; appended "Content-Length: ${length}"`);
  } else if (cls.every((v) => /^\d+$/.test(v) && Number(v) === Number(cls[0]))) {
    length = Number(cls[0]);
  } else {
    length = null; // unusable framing: write no body, close the connection
    close = true;
    notes.push(`${what}: Content-Length ${JSON.stringify(cls)} is not one valid length; no body written, connection closed`);
  }
  if (headers.some(([n, v]) => n.toLowerCase() === 'connection' && /\bclose\b/i.test(v))) close = true;
  let head = `HTTP/1.1 ${res.status} ${reasonPhrase(res.status)}\r\n`;
  for (const [name, value] of headers) head += `${name}: ${value}\r\n`;
  head += '\r\n';
  const encoded = encodeHead(head);
  if (encoded.utf8) notes.push(`${what}: a header holds characters above U+00FF; the head was written as UTF-8`);
  let body = Buffer.alloc(0);
  if (length !== null && length > 0 && !bodiless(res.status, method)) {
    const text = base.length >= length ? base.slice(0, length) : base + pad.repeat(length - base.length);
    body = Buffer.from(text, 'latin1');
  }
  return { bytes: body.length > 0 ? Buffer.concat([encoded.bytes, body]) : encoded.bytes, close };
}

function simpleResponse(status: number, contentType: string | null, body: string): RawResponse {
  const bytes = Buffer.from(body, 'utf8');
  let head = `HTTP/1.1 ${status} ${reasonPhrase(status)}\r\n`;
  if (contentType !== null) head += `Content-Type: ${contentType}\r\nCache-Control: no-store\r\n`;
  head += `Content-Length: ${bytes.length}\r\n\r\n`;
  return { bytes: Buffer.concat([Buffer.from(head, 'latin1'), bytes]), close: false };
}

// ---------------------------------------------------------------------------
// The page

/** The in-page runner. Plain JavaScript in the page, so nothing depends on how this file is transpiled. */
const PAGE_SCRIPT = String.raw`
'use strict';
window.__corsproofRun = function (req, timeoutMs, esTimeoutMs) {
  return new Promise(function (resolve) {
    var done = false;
    var cleanup = function () {};
    var timer = null;
    function finish(r) {
      if (done) return;
      done = true;
      if (timer !== null) clearTimeout(timer);
      try { cleanup(); } catch (e) {}
      resolve(JSON.stringify(r));
    }
    function fail(e) {
      finish({ ok: false, readableHeaders: null, thrown: String(e) });
    }
    var method = req.method;
    var upper = String(method).toUpperCase();
    var body = upper === 'GET' || upper === 'HEAD' ? undefined : 'x';
    try {
      if (req.initiator === 'xhr') {
        var xhr = new XMLHttpRequest();
        timer = setTimeout(function () {
          finish({ ok: false, readableHeaders: null, error: 'timeout: xhr did not settle within ' + timeoutMs + ' ms' });
        }, timeoutMs);
        cleanup = function () { xhr.onload = xhr.onerror = xhr.onabort = null; if (xhr.readyState !== 4) xhr.abort(); };
        xhr.open(method, req.url);
        xhr.withCredentials = req.credentials === 'include';
        for (var i = 0; i < req.headers.length; i++) xhr.setRequestHeader(req.headers[i][0], req.headers[i][1]);
        xhr.onload = function () {
          if (xhr.status === 0) { finish({ ok: false, readableHeaders: null, thrown: 'load with status 0' }); return; }
          var names = {};
          String(xhr.getAllResponseHeaders()).split(/\r?\n/).forEach(function (line) {
            var c = line.indexOf(':');
            if (c > 0) names[line.slice(0, c).trim().toLowerCase()] = true;
          });
          finish({ ok: true, readableHeaders: Object.keys(names).sort() });
        };
        xhr.onerror = function () { finish({ ok: false, readableHeaders: null, thrown: 'xhr error event' }); };
        xhr.onabort = function () { finish({ ok: false, readableHeaders: null, thrown: 'xhr abort event' }); };
        xhr.send(body === undefined ? null : body);
      } else if (req.initiator === 'eventsource') {
        var es = new EventSource(req.url, { withCredentials: req.credentials === 'include' });
        cleanup = function () { es.onopen = es.onerror = null; es.close(); };
        timer = setTimeout(function () {
          finish({ ok: false, readableHeaders: null, error: 'timeout: EventSource neither opened nor failed within ' + esTimeoutMs + ' ms' });
        }, esTimeoutMs);
        es.onopen = function () { finish({ ok: true, readableHeaders: null }); };
        es.onerror = function () { finish({ ok: false, readableHeaders: null, thrown: 'eventsource error event (readyState ' + es.readyState + ')' }); };
      } else {
        var controller = new AbortController();
        timer = setTimeout(function () {
          controller.abort();
          finish({ ok: false, readableHeaders: null, error: 'timeout: fetch did not settle within ' + timeoutMs + ' ms' });
        }, timeoutMs);
        var headers = new Headers();
        for (var j = 0; j < req.headers.length; j++) headers.append(req.headers[j][0], req.headers[j][1]);
        fetch(req.url, {
          method: method,
          headers: headers,
          credentials: req.credentials,
          mode: 'cors',
          body: body,
          cache: req.cache || 'no-store',
          signal: controller.signal,
        }).then(function (resp) {
          var keys = Array.from(resp.headers.keys());
          finish({ ok: true, readableHeaders: keys });
          resp.arrayBuffer().catch(function () {});
        }, fail);
      }
    } catch (e) {
      fail(e);
    }
  });
};
`;

/**
 * Requests from an opaque origin (Origin: null): the same runner in a
 * sandboxed iframe without allow-same-origin, created once and driven by
 * postMessage.
 */
const OPAQUE_SCRIPT = String.raw`
'use strict';
window.__corsproofRunOpaque = (function () {
  var frame = null;
  var ready = null;
  var pending = {};
  var next = 0;
  window.addEventListener('message', function (e) {
    if (e.data && e.data.corsproofReady && ready !== null) ready.resolve();
    if (e.data && typeof e.data.corsproofId === 'number' && pending[e.data.corsproofId]) {
      pending[e.data.corsproofId](e.data.result);
      delete pending[e.data.corsproofId];
    }
  });
  function start() {
    if (frame !== null) return ready.promise;
    var r = {};
    r.promise = new Promise(function (resolve) { r.resolve = resolve; });
    ready = r;
    frame = document.createElement('iframe');
    frame.setAttribute('sandbox', 'allow-scripts');
    frame.srcdoc = '<!doctype html><script>' + window.__corsproofRunnerSource +
      ';window.addEventListener("message", function (e) { window.__corsproofRun(e.data.req, e.data.t, e.data.es).then(function (result) { parent.postMessage({ corsproofId: e.data.id, result: result }, "*"); }); });' +
      'parent.postMessage({ corsproofReady: true }, "*");<' + '/script>';
    document.body.appendChild(frame);
    return ready.promise;
  }
  return function (req, t, es) {
    return start().then(function () {
      var id = next++;
      return new Promise(function (resolve) {
        pending[id] = resolve;
        frame.contentWindow.postMessage({ id: id, req: req, t: t, es: es }, '*');
      });
    });
  };
})();
`;

const PAGE_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>corsproof harness</title>
<script>${PAGE_SCRIPT}</script>
<script>window.__corsproofRunnerSource = ${JSON.stringify(PAGE_SCRIPT).replace(/</g, '\\u003c')};</script>
<script>${OPAQUE_SCRIPT}</script></head><body>corsproof harness</body></html>
`;

// ---------------------------------------------------------------------------
// The world

const ID_RE = /^[A-Za-z0-9_~.-]+$/;
const CASE_PATH_RE = /^\/c\/([^/?#]+)\/(\d+)(?:[/?#]|$)/;
const CASE_IN_TEXT_RE = /\/c\/([A-Za-z0-9_~.-]+)\//g;

interface CaseEntry {
  scenario: Scenario;
  /** JSON of the scenario, to tell a re-registration of the same scenario from a new one. */
  json: string;
  traffic: Record<TrafficKind, CaseTraffic>;
}

const emptyTraffic = (): CaseTraffic => ({ preflights: [], requests: [], notes: [] });

/**
 * Which browser sent a request, by its User-Agent (WebKit's says AppleWebKit/ without Chrome/). A User-Agent
 * naming no browser (script may set one; WebKit then sends it on the preflight too) counts as `unknown`'s.
 */
function browserOf(headers: HeaderList, unknown: TrafficKind): TrafficKind {
  const ua = headerValue(headers, 'user-agent') ?? '';
  if (/\bFirefox\//.test(ua)) return 'firefox';
  if (/Chrome\//.test(ua)) return 'chromium';
  return /AppleWebKit\//.test(ua) ? 'webkit' : unknown;
}

/** Options of {@link startWorld}. */
export interface WorldOptions {
  /**
   * Whose traffic a request is when its User-Agent names no browser (default 'chromium'). A world only one
   * browser uses names that browser, so requests with a User-Agent set by script are kept with the rest.
   */
  unknownUserAgent?: TrafficKind;
}

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const unknownUserAgent = options.unknownUserAgent ?? 'chromium';
  const cases = new Map<string, CaseEntry>();

  const handlerFor =
    (serverOrigin: string, servesPage: boolean) =>
    (req: RawRequest): RawResponse => {
      const path = /^https?:\/\//i.test(req.target) ? new URL(req.target).pathname : req.target;
      const host = headerValue(req.headers, 'host');
      const url = /^https?:\/\//i.test(req.target) ? req.target : `${host === null ? serverOrigin : `http://${host}`}${req.target}`;
      const upper = req.method.toUpperCase();
      if (servesPage && (path === '/' || path === '/index.html') && (upper === 'GET' || upper === 'HEAD')) {
        const r = simpleResponse(200, 'text/html; charset=utf-8', PAGE_HTML);
        if (upper === 'HEAD') r.bytes = r.bytes.subarray(0, r.bytes.indexOf(CRLFCRLF) + 4);
        return r;
      }
      const m = CASE_PATH_RE.exec(path);
      const entry = m && m[1] !== undefined ? cases.get(m[1]) : undefined;
      if (!m || m[2] === undefined || entry === undefined) return simpleResponse(404, null, '');
      const k = Number(m[2]);
      const { scenario } = entry;
      const traffic = entry.traffic[browserOf(req.headers, unknownUserAgent)];
      const origin = headerValue(req.headers, 'origin');
      const acrm = headerValue(req.headers, 'access-control-request-method');
      if (req.method === 'OPTIONS' && acrm !== null) {
        traffic.preflights.push({ origin, acrm, acrh: headerValue(req.headers, 'access-control-request-headers'), url });
        if (scenario.preflight === null) {
          traffic.notes.push(`preflight to ${url} received but the scenario has none; answered 200 without CORS headers`);
          return buildResponse({ status: 200, headers: [['Content-Length', '0']] }, req.method, '', 'x', traffic.notes, 'preflight');
        }
        // The preflight to a redirect target (path /c/<id>/<k>, k > 0) gets that hop's own answer when the scenario gives one.
        const answer = k === 0 ? scenario.preflight : (scenario.redirectPreflights?.[k - 1] ?? scenario.preflight);
        return buildResponse(answer, req.method, '', 'x', traffic.notes, `preflight ${k}`);
      }
      traffic.requests.push({ method: req.method, url, origin });
      const redirects = scenario.redirects ?? [];
      const hop = redirects[k];
      if (hop !== undefined) return buildResponse(hop, req.method, '', 'x', traffic.notes, `redirect ${k}`);
      const es = (scenario.request.initiator ?? 'fetch') === 'eventsource';
      return buildResponse(scenario.response, req.method, es ? 'data: x\n\n' : 'ok', es ? '\n' : ' ', traffic.notes, 'response');
    };

  const servers: RawServer[] = [];
  try {
    const pageServer = await listenPair(['127.0.0.1'], (origin) => handlerFor(origin, true), 'http://127.0.0.1');
    servers.push(...pageServer.servers);
    // localhost resolves to 127.0.0.1 and ::1 in both browsers: listen on both, one port.
    const targetServer = await listenPair(['127.0.0.1', '::1'], (origin) => handlerFor(origin, false), 'http://localhost');
    servers.push(...targetServer.servers);
    const otherServer = await listenPair(['127.0.0.1'], (origin) => handlerFor(origin, false), 'http://127.0.0.1');
    servers.push(...otherServer.servers);
    return {
      pageOrigin: pageServer.origin,
      targetOrigin: targetServer.origin,
      otherOrigin: otherServer.origin,
      register(id: string, scenario: Scenario): void {
        if (!ID_RE.test(id)) throw new Error(`case id ${JSON.stringify(id)} must match ${ID_RE}`);
        const json = JSON.stringify(scenario);
        const existing = cases.get(id);
        if (existing !== undefined && existing.json === json) return;
        cases.set(id, { scenario, json, traffic: { chromium: emptyTraffic(), firefox: emptyTraffic(), webkit: emptyTraffic() } });
      },
      traffic(id: string, browser: TrafficKind): CaseTraffic | undefined {
        return cases.get(id)?.traffic[browser];
      },
      clearTraffic(id: string, browser: TrafficKind): void {
        const entry = cases.get(id);
        if (entry !== undefined) entry.traffic[browser] = emptyTraffic();
      },
      async close(): Promise<void> {
        await Promise.all(servers.map((s) => s.close()));
      },
    };
  } catch (e) {
    await Promise.all(servers.map((s) => s.close()));
    throw e;
  }
}

/** Listens on one port on every host given (retrying when a later host has the port taken). */
async function listenPair(
  hosts: string[],
  handler: (origin: string) => (req: RawRequest) => RawResponse,
  originBase: string,
): Promise<{ origin: string; servers: RawServer[] }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const servers: RawServer[] = [];
    let port = 0;
    let origin = '';
    try {
      for (const host of hosts) {
        if (port === 0) {
          // Learn the port first so the handler knows its origin.
          const probe = await listen(host, 0, () => simpleResponse(404, null, ''));
          port = probe.port;
          await probe.close();
          origin = `${originBase}:${port}`;
        }
        servers.push(await listen(host, port, handler(origin)));
      }
      return { origin, servers };
    } catch {
      await Promise.all(servers.map((s) => s.close()));
    }
  }
  throw new Error(`could not listen on one port on ${hosts.join(' and ')}`);
}

// ---------------------------------------------------------------------------
// Driving the browsers

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Firefox prefs. None changes CORS behaviour; they keep Firefox on loopback
 * and keep HTTPS upgrades and cookie policies out of the way.
 */
const FIREFOX_PREFS: Record<string, unknown> = {
  'dom.security.https_first': false,
  'dom.security.https_first_pbm': false,
  'dom.security.https_only_mode': false,
  'network.cookie.cookieBehavior': 0,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'network.dns.disablePrefetch': true,
  'network.prefetch-next': false,
  'network.proxy.type': 0,
  'browser.safebrowsing.update.enabled': false,
  'toolkit.telemetry.enabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
};

/** What the harness page's runner gives back for one case (the Chromium/Firefox runner and the WebKit one). */
export interface PageResult {
  ok: boolean;
  readableHeaders: string[] | null;
  thrown?: string;
  error?: string;
}

interface Attribution {
  /** Chromium CORS issues, in arrival order. */
  issues: Array<{ corsError: string | null; failedParameter: string | null; warning: boolean }>;
  messages: string[];
  /** Firefox, from the console tap: the security.properties key of each message. */
  keys: string[];
  /** Firefox: per-channel counts of each text, to drop the copy one channel repeats from the other. */
  channelCounts: Map<string, [number, number]>;
}

/** The case ids a text (a URL, a console line) names through their paths `/c/<id>/`. */
export function caseIdsIn(text: string): Set<string> {
  const ids = new Set<string>();
  for (const m of text.matchAll(CASE_IN_TEXT_RE)) if (m[1] !== undefined) ids.add(m[1]);
  return ids;
}

function isFirefoxCorsText(text: string): boolean {
  return text.includes('Cross-Origin Request Blocked') || text.includes('Cross-Origin Request Warning');
}

/**
 * Register a run's cases with the world's servers (their traffic for `browser` cleared): every id, and
 * why each case the page cannot run is left out. A repeated id throws.
 */
export function registerCases(
  world: World,
  cases: ReadonlyArray<{ id: string; scenario: Scenario }>,
  browser: TrafficKind,
): { ids: Set<string>; invalid: Map<string, string> } {
  const ids = new Set<string>();
  const invalid = new Map<string, string>();
  for (const c of cases) {
    if (ids.has(c.id)) throw new Error(`duplicate case id ${c.id}`);
    ids.add(c.id);
    const problem = validate(world, c.id, c.scenario.request);
    if (problem !== null) invalid.set(c.id, problem);
    else {
      world.register(c.id, c.scenario);
      world.clearTraffic(c.id, browser);
    }
  }
  return { ids, invalid };
}

/** Why a case cannot run in the harness's page, or null when it can. */
export function validate(world: HarnessWorld, id: string, req: ScenarioRequest): string | null {
  if (!ID_RE.test(id)) return `case id ${JSON.stringify(id)} must match ${ID_RE}`;
  if (req.origin !== world.pageOrigin && req.origin !== 'null') return `request.origin ${req.origin} is neither the page origin ${world.pageOrigin} nor 'null' (a sandboxed iframe)`;
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    return `request.url ${JSON.stringify(req.url)} is not a URL`;
  }
  const m = CASE_PATH_RE.exec(url.pathname);
  if (!m || m[1] !== id) return `request.url ${req.url} does not route to case ${id} (/c/${id}/<k>)`;
  const initiator = req.initiator ?? 'fetch';
  if (initiator !== 'fetch' && req.credentials === 'omit') return `credentials "omit" is not expressible with ${initiator}`;
  if (initiator === 'eventsource') {
    if (req.method !== 'GET') return `eventsource requests are GET (got ${req.method})`;
    if (req.headers.length > 0) return 'eventsource requests carry no script headers';
  }
  return null;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timeout: ${what} did not settle within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** What a suite adds to a launch (e.g. host names mapped to loopback); nothing by default. */
export interface LaunchExtras {
  /** Command-line flags appended to Chromium's. */
  chromiumArgs?: string[];
  /** Prefs set over Firefox's (same name: the suite's value wins). */
  firefoxPrefs?: Record<string, unknown>;
}

/** Launch a fresh headless browser of this kind, as every browser suite does. */
export async function launch(kind: BrowserKind, extras: LaunchExtras = {}): Promise<Browser> {
  if (kind === 'chromium') {
    return puppeteer.launch({
      executablePath: process.env.CORSPROOF_CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      args: [...CHROMIUM_ARGS, ...(extras.chromiumArgs ?? [])],
    });
  }
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: process.env.CORSPROOF_FIREFOX ?? '/usr/bin/firefox-esr',
    headless: true,
    // Lets the harness (our own WebDriver BiDi client, on loopback) evaluate in the parent
    // process, where the console service sees CORS warnings as well as errors.
    args: ['--remote-allow-system-access'],
    extraPrefsFirefox: { ...FIREFOX_PREFS, ...extras.firefoxPrefs },
  });
}

/** A message from Firefox's console service. */
interface FirefoxConsoleEntry {
  text: string;
  /** nsIScriptError.category: for CORS messages, the security.properties key. */
  key: string;
}

interface BidiConnectionLike {
  send(method: string, params: object): Promise<{ result: unknown }>;
}

const FIREFOX_TAP_INSTALL = `(() => {
  if (globalThis.__corsproofLog) return 'already';
  const log = [];
  globalThis.__corsproofLog = log;
  Services.console.registerListener({
    observe(m) {
      let e = null;
      try { e = m.QueryInterface(Ci.nsIScriptError); } catch (x) { e = null; }
      const text = e ? e.errorMessage : String(m.message);
      if (!/Cross-Origin Request (Blocked|Warning)/.test(text)) return;
      log.push({ text, key: e ? String(e.category) : '' });
    },
  });
  return 'ok';
})()`;

/**
 * Evaluate `expression` (a string-valued expression; promises are awaited) in
 * Firefox's parent process, over the puppeteer's own WebDriver BiDi connection.
 * Needs --remote-allow-system-access (see {@link launch}).
 */
export async function firefoxChromeEvaluate(b: Browser, expression: string): Promise<string> {
  const conn = (b as unknown as { connection?: BidiConnectionLike }).connection;
  if (conn === undefined || typeof conn.send !== 'function') throw new Error('no WebDriver BiDi connection to Firefox');
  const tree = await conn.send('browsingContext.getTree', { 'moz:scope': 'chrome', maxDepth: 0 });
  const context = (tree.result as { contexts?: Array<{ context?: string }> }).contexts?.[0]?.context;
  if (typeof context !== 'string') throw new Error('Firefox gave no chrome context (is --remote-allow-system-access set?)');
  const { result } = await conn.send('script.evaluate', { expression, target: { context }, awaitPromise: true });
  const r = result as { type?: string; result?: { type?: string; value?: unknown } };
  if (r.type !== 'success' || r.result?.type !== 'string' || typeof r.result.value !== 'string') {
    throw new Error(`chrome evaluate failed: ${JSON.stringify(r).slice(0, 400)}`);
  }
  return r.result.value;
}

/**
 * WebDriver BiDi forwards only console *errors* (log.entryAdded "javascript"), so
 * Firefox's "Cross-Origin Request Warning" never reaches page.on('pageerror').
 * With --remote-allow-system-access the harness registers an nsIConsoleListener in
 * the parent process, which sees every message of every content process, with its
 * security.properties key. Returns a drain function, or null when that is not possible.
 */
export async function tapFirefoxConsole(b: Browser): Promise<(() => Promise<FirefoxConsoleEntry[]>) | null> {
  try {
    await firefoxChromeEvaluate(b, FIREFOX_TAP_INSTALL);
    return async () => JSON.parse(await firefoxChromeEvaluate(b, 'JSON.stringify(globalThis.__corsproofLog.splice(0))')) as FirefoxConsoleEntry[];
  } catch {
    return null;
  }
}

/**
 * Runs cases in one fresh browser and returns one observation per case, in
 * the order given. Registers every case with the world first and clears what
 * the servers recorded for those ids from this browser. A Chromium run and a
 * Firefox run may share a world and ids at the same time (traffic is kept per
 * browser, by User-Agent) as long as each id has the same scenario in both;
 * two runs of the same browser must not share ids at the same time.
 */
export async function runCases(
  browser: BrowserKind,
  world: World,
  cases: Array<{ id: string; scenario: Scenario }>,
  opts: RunOptions = {},
): Promise<Observation[]> {
  const concurrency = Math.max(1, opts.concurrency ?? 16);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const esTimeoutMs = opts.eventSourceTimeoutMs ?? 15_000;
  const attributionTimeoutMs = opts.attributionTimeoutMs ?? 3_000;
  const quietMs = opts.quietMs ?? 300;

  const { ids, invalid } = registerCases(world, cases, browser);

  const attributions = new Map<string, Attribution>();
  const attribution = (id: string): Attribution => {
    let a = attributions.get(id);
    if (a === undefined) {
      a = { issues: [], messages: [], keys: [], channelCounts: new Map() };
      attributions.set(id, a);
    }
    return a;
  };
  let lastEvent = Date.now();
  let drainFirefox: (() => Promise<FirefoxConsoleEntry[]>) | null = null;
  const pullFirefox = async (): Promise<void> => {
    if (drainFirefox === null) return;
    let entries: FirefoxConsoleEntry[];
    try {
      entries = await drainFirefox();
    } catch {
      return;
    }
    for (const entry of entries) {
      opts.trace?.({ channel: 'firefox-tap', text: `[${entry.key}] ${entry.text}` });
      lastEvent = Date.now();
      for (const id of caseIdsIn(entry.text)) {
        if (!ids.has(id)) continue;
        const a = attribution(id);
        a.messages.push(entry.text);
        a.keys.push(entry.key);
      }
    }
  };

  const t0 = Date.now();
  const timings = { launch: 0, run: 0, settle: 0, close: 0 };
  const b = await launch(browser);
  try {
    const page: Page = (await b.pages())[0] ?? (await b.newPage());
    if (browser === 'chromium') {
      const cdp = await page.createCDPSession();
      cdp.on('Audits.issueAdded', (event: Protocol.Audits.IssueAddedEvent) => {
        const details = event.issue.details.corsIssueDetails;
        if (details === undefined) return;
        opts.trace?.({ channel: 'issue', text: JSON.stringify(details) });
        lastEvent = Date.now();
        for (const id of caseIdsIn(details.request.url)) {
          if (!ids.has(id)) continue;
          attribution(id).issues.push({
            corsError: details.corsErrorStatus.corsError,
            failedParameter: details.corsErrorStatus.failedParameter,
            warning: details.isWarning,
          });
        }
      });
      await cdp.send('Audits.enable');
      page.on('console', (msg: ConsoleMessage) => {
        const text = msg.text();
        const where = `${text}\n${msg.location().url ?? ''}`;
        opts.trace?.({ channel: 'console', text: `[${msg.type()}] ${text} @ ${msg.location().url ?? ''}` });
        lastEvent = Date.now();
        for (const id of caseIdsIn(where)) if (ids.has(id)) attribution(id).messages.push(text);
      });
    } else {
      drainFirefox = await tapFirefoxConsole(b);
      const onFirefoxText = (text: string, channel: 0 | 1): void => {
        if (drainFirefox !== null || !isFirefoxCorsText(text)) return;
        lastEvent = Date.now();
        for (const id of caseIdsIn(text)) {
          if (!ids.has(id)) continue;
          const a = attribution(id);
          const counts = a.channelCounts.get(text) ?? [0, 0];
          counts[channel] += 1;
          a.channelCounts.set(text, counts);
          // The same report may come as a page error and as a console message: keep max(count) copies.
          if (counts[channel] > counts[channel === 0 ? 1 : 0]) a.messages.push(text);
        }
      };
      page.on('pageerror', (err: unknown) => {
        const text = err instanceof Error ? err.message : String(err);
        opts.trace?.({ channel: 'pageerror', text });
        onFirefoxText(text, 0);
      });
      page.on('console', (msg: ConsoleMessage) => {
        opts.trace?.({ channel: 'console', text: `[${msg.type()}] ${msg.text()}` });
        onFirefoxText(msg.text(), 1);
      });
    }

    await page.goto(`${world.pageOrigin}/`, { waitUntil: 'load' });
    timings.launch = Date.now() - t0;

    const results = new Map<string, PageResult>();
    const queue = cases.filter((c) => !invalid.has(c.id));
    let next = 0;
    const worker = async (): Promise<void> => {
      for (;;) {
        const c = queue[next++];
        if (c === undefined) return;
        const r = c.scenario.request;
        const req = {
          url: r.url,
          method: r.method,
          headers: r.headers,
          credentials: r.credentials,
          initiator: r.initiator ?? 'fetch',
          cache: opts.fetchCache ?? 'no-store',
        };
        const runner = r.origin === 'null' ? '__corsproofRunOpaque' : '__corsproofRun';
        const expr = `window.${runner}(${JSON.stringify(req)}, ${timeoutMs}, ${esTimeoutMs})`;
        try {
          for (let attempt = 0; attempt < (opts.repeat ?? 1); attempt++) {
            const json = await withTimeout(page.evaluate(expr) as Promise<unknown>, Math.max(timeoutMs, esTimeoutMs) + 5_000, 'page.evaluate');
            if (typeof json !== 'string') throw new Error(`page returned ${typeof json}`);
            results.set(c.id, JSON.parse(json) as PageResult);
          }
        } catch (e) {
          results.set(c.id, { ok: false, readableHeaders: null, error: `harness: ${e instanceof Error ? e.message : String(e)}` });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, queue.length)) }, () => worker()));

    // Issues and console messages may trail the settled promise: wait until every
    // failed case has its attribution (or the deadline), then for a quiet moment.
    const failed = queue.filter((c) => {
      const r = results.get(c.id);
      return r !== undefined && !r.ok && r.error === undefined;
    });
    const attributed = (id: string): boolean => {
      const a = attributions.get(id);
      if (a === undefined) return false;
      if (browser === 'chromium') return a.issues.length > 0 && a.messages.some((m) => m.includes('CORS policy'));
      return a.messages.length > 0;
    };
    const start = Date.now();
    timings.run = start - t0 - timings.launch;
    for (;;) {
      await pullFirefox();
      const now = Date.now();
      if (now - start >= attributionTimeoutMs) break;
      if (failed.every((c) => attributed(c.id)) && now - lastEvent >= quietMs && now - start >= quietMs) break;
      await new Promise((res) => setTimeout(res, drainFirefox === null ? 25 : 50));
    }
    timings.settle = Date.now() - start;

    return cases.map((c): Observation => {
      const problem = invalid.get(c.id);
      if (problem !== undefined) {
        return { id: c.id, ok: false, readableHeaders: null, preflights: [], requests: [], error: `invalid case: ${problem}` };
      }
      const traffic = world.traffic(c.id, browser);
      const obs: Observation = {
        id: c.id,
        ok: false,
        readableHeaders: null,
        preflights: traffic ? [...traffic.preflights] : [],
        requests: traffic ? [...traffic.requests] : [],
      };
      const r = results.get(c.id);
      if (r === undefined) {
        obs.error = 'harness: no result';
        return obs;
      }
      obs.ok = r.ok;
      obs.readableHeaders = r.ok ? r.readableHeaders : null;
      const a = attributions.get(c.id);
      if (browser === 'chromium') {
        const issue = a?.issues.find((i) => !i.warning) ?? a?.issues[0];
        obs.chromium = {
          corsError: issue?.corsError ?? null,
          failedParameter: issue?.failedParameter ?? null,
          messages: a ? [...a.messages] : [],
        };
      } else {
        obs.firefox = { messages: a ? [...a.messages] : [] };
        if (drainFirefox !== null) obs.firefox.keys = a ? [...a.keys] : [];
        else (obs.notes ??= []).push('Firefox console tap unavailable: messages come from WebDriver BiDi page errors; warnings are not captured');
      }
      if (r.thrown !== undefined) obs.thrown = r.thrown;
      if (traffic && traffic.notes.length > 0) obs.notes = [...traffic.notes, ...(obs.notes ?? [])];
      if (r.error !== undefined) obs.error = r.error;
      return obs;
    });
  } finally {
    const closing = Date.now();
    await b.close().catch(() => undefined);
    timings.close = Date.now() - closing;
    opts.onTimings?.(timings);
  }
}
