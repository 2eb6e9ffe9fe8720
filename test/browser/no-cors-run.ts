/**
 * `fetch(url, { mode: 'no-cors' })` in real Chromium, Firefox and WebKit:
 * what script reads of the response (type, status, headers, body), which
 * requests reached the servers and with which headers, and every console
 * line the browser logged while the case ran. Used by no-cors.test.ts and
 * no-cors-observe.ts.
 *
 * The harness's world (harness.ts) records a request's method, URL and
 * Origin only, and its page runner makes CORS requests: a no-cors request is
 * about the headers that are dropped and what a resolved fetch exposes, so
 * this file has its own servers (node:http, every request's raw header lines
 * kept) and its own page. Browsers are launched as harness.ts and webkit.ts
 * launch them. Cases run one after the other, so every console line logged
 * while a case runs is that case's (a marker line in the page separates them).
 *
 * Three origins: the page (`http://127.0.0.1:A`), the target
 * (`http://localhost:B`, cross-site) and another origin (`http://127.0.0.1:C`,
 * cross-origin, same-site). A case's hop `k` answers at `/c/<id>/<k>` on any
 * of them.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, ConsoleMessage, Page, Protocol } from 'puppeteer-core';
import type { HeaderList } from '../../src/engine/types.js';
import { firefoxChromeEvaluate, launch } from './harness.js';
import type { HarnessWorld, TrafficKind } from './harness.js';
import { WebKitBrowser } from './webkit.js';

/** One answer of a case: the hop `k` of `/c/<id>/<k>`. */
export interface NoCorsHop {
  status: number;
  headers: HeaderList;
  /** The body (UTF-8); none for HEAD, 204 and 304. */
  body?: string;
}

/** What the page's script passes to fetch() (or to XMLHttpRequest, `api: 'xhr'`). */
export interface NoCorsInit {
  method?: string;
  headers?: HeaderList;
  credentials?: 'omit' | 'same-origin' | 'include';
  mode?: 'cors' | 'no-cors' | 'same-origin';
  redirect?: 'follow' | 'manual' | 'error';
  body?: string;
}

export interface NoCorsCase {
  id: string;
  /** The URL requested (a `/c/<id>/0` path on one of the world's origins, or any URL). */
  url: string;
  init: NoCorsInit;
  /** The answers, hop by hop (a redirect names the next hop's URL in its Location). */
  hops: NoCorsHop[];
  /**
   * The client API (default fetch). XMLHttpRequest has no mode: it always makes a CORS request. `uncaught`:
   * fetch() with no rejection handler (what the console shows then), nothing read.
   */
  api?: 'fetch' | 'xhr' | 'uncaught';
}

/** A request one of the servers received. */
export interface ReceivedRequest {
  /** The hop of the case (`k` of the path). */
  hop: number;
  method: string;
  url: string;
  /** The header lines as sent (names as the browser spelled them), in order. */
  headers: HeaderList;
  /** The request's body, as text. */
  body: string;
}

/** What script saw: `new Request(url, init)`, then `fetch(url, init)` and the response it resolved with. */
export interface ScriptResult {
  /** What `new Request(url, init)` threw (e.g. "TypeError: ..."), when it threw. */
  requestThrew?: string;
  /** `new Request(url, init)`'s mode and header list, when it did not throw. */
  requestMode?: string;
  requestHeaders?: HeaderList;
  /** What fetch() threw synchronously, when it did (it returns a rejected promise instead). */
  fetchThrewSynchronously?: string;
  /** fetch() resolved (or XMLHttpRequest's load fired). */
  resolved: boolean;
  /** What fetch() rejected with (or XMLHttpRequest's error event): `String(e)`. */
  thrown?: string;
  type?: string;
  status?: number;
  statusText?: string;
  ok?: boolean;
  url?: string;
  redirected?: boolean;
  /** `[...response.headers]` (XMLHttpRequest: getAllResponseHeaders's names). */
  headers?: HeaderList;
  /** `response.body === null`. */
  bodyIsNull?: boolean;
  /** `await response.text()`, or what it threw. */
  text?: string;
  textThrew?: string;
  /** `await response.json()`'s JSON, or what it threw. */
  json?: string;
  jsonThrew?: string;
}

/** A console line, page error or DevTools issue a browser reported while a case ran. */
export interface ConsoleEntry {
  /** chromium: console / pageerror / issue; firefox: the console service's category (e.g. CORSMissingAllowOrigin2) or pageerror; webkit: source/level. */
  channel: string;
  text: string;
}

export interface NoCorsResult {
  id: string;
  browser: TrafficKind;
  script: ScriptResult;
  /** Every request the servers received for this case from this browser, in order (preflights too: OPTIONS). */
  requests: ReceivedRequest[];
  /** Every console line, page error and issue reported while the case ran (Firefox: lines naming no world origin left out). */
  console: ConsoleEntry[];
  /** A harness problem (the other fields are not trustworthy). */
  error?: string;
}

export interface NoCorsWorld extends HarnessWorld {
  register(c: NoCorsCase): void;
  received(id: string, browser: TrafficKind): ReceivedRequest[];
  close(): Promise<void>;
}

const CASE_PATH = /^\/c\/([A-Za-z0-9_.~-]+)\/(\d+)$/;

function browserOf(userAgent: string): TrafficKind {
  if (/\bFirefox\//.test(userAgent)) return 'firefox';
  if (/Chrome\//.test(userAgent)) return 'chromium';
  return 'webkit';
}

/** The in-page runner, plain JavaScript. */
const PAGE_SCRIPT = String.raw`
'use strict';
window.__corsproofRun = function () { return Promise.resolve('{}'); }; // webkit.ts waits for it
window.__noCors = function (spec) {
  var out = { resolved: false };
  function s(e) { return String(e); }
  function pairs(h) { var a = []; h.forEach(function (v, k) { a.push([k, v]); }); return a; }
  if (spec.api === 'xhr') {
    return new Promise(function (resolve) {
      var xhr = new XMLHttpRequest();
      try {
        xhr.open(spec.init.method || 'GET', spec.url);
        xhr.withCredentials = spec.init.credentials === 'include';
        (spec.init.headers || []).forEach(function (h) { xhr.setRequestHeader(h[0], h[1]); });
        xhr.onload = function () {
          out.resolved = true; out.status = xhr.status; out.text = xhr.responseText;
          out.headers = String(xhr.getAllResponseHeaders()).split(/\r?\n/).filter(Boolean).map(function (l) { var c = l.indexOf(':'); return [l.slice(0, c).trim().toLowerCase(), l.slice(c + 1).trim()]; });
          resolve(JSON.stringify(out));
        };
        xhr.onerror = function () { out.thrown = 'xhr error event, status ' + xhr.status; resolve(JSON.stringify(out)); };
        xhr.send(spec.init.body === undefined ? null : spec.init.body);
      } catch (e) { out.thrown = s(e); resolve(JSON.stringify(out)); }
    });
  }
  if (spec.api === 'uncaught') {
    // fetch() without a rejection handler: what the console shows when the page does not catch.
    fetch(spec.url, spec.init);
    return new Promise(function (resolve) { setTimeout(function () { resolve(JSON.stringify(out)); }, 300); });
  }
  var init = {};
  Object.keys(spec.init).forEach(function (k) { init[k] = spec.init[k]; });
  init.cache = 'no-store';
  try {
    var r = new Request(spec.url, init);
    out.requestMode = r.mode;
    out.requestHeaders = pairs(r.headers);
  } catch (e) { out.requestThrew = s(e); }
  var p;
  try { p = fetch(spec.url, init); } catch (e) { p = Promise.reject(e); out.fetchThrewSynchronously = s(e); }
  return p.then(function (res) {
    out.resolved = true;
    out.type = res.type; out.status = res.status; out.statusText = res.statusText; out.ok = res.ok;
    out.url = res.url; out.redirected = res.redirected; out.headers = pairs(res.headers); out.bodyIsNull = res.body === null;
    var copy = res.clone();
    return res.text().then(function (t) { out.text = t; }, function (e) { out.textThrew = s(e); })
      .then(function () { return copy.json(); })
      .then(function (j) { out.json = JSON.stringify(j); }, function (e) { out.jsonThrew = s(e); });
  }, function (e) { out.thrown = s(e); }).then(function () { return JSON.stringify(out); });
};
`;

const PAGE_HTML = `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>no-cors</title>
<script>${PAGE_SCRIPT}</script></head><body>no-cors</body></html>`;

/** Starts the three origins' servers. */
export async function startNoCorsWorld(): Promise<NoCorsWorld> {
  const cases = new Map<string, NoCorsCase>();
  const received = new Map<string, ReceivedRequest[]>();
  const handler = (origin: string, servesPage: boolean) => (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.sendDate = false;
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      if (servesPage && path === '/') {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
        res.end(PAGE_HTML);
        return;
      }
      const m = CASE_PATH.exec(path);
      const c = m?.[1] !== undefined ? cases.get(m[1]) : undefined;
      if (m === null || c === undefined) {
        res.writeHead(404, { 'Content-Length': '0' });
        res.end();
        return;
      }
      const hop = Number(m[2]);
      const headers: HeaderList = [];
      for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string]);
      const key = `${browserOf(req.headers['user-agent'] ?? '')} ${c.id}`;
      let list = received.get(key);
      if (list === undefined) received.set(key, (list = []));
      list.push({ hop, method: req.method ?? '', url: `${origin}${req.url ?? ''}`, headers, body: Buffer.concat(chunks).toString('utf8') });
      const answer = c.hops[hop] ?? { status: 404, headers: [] };
      const body = answer.body ?? '';
      const lines: string[] = [];
      for (const [n, v] of answer.headers) lines.push(n, v);
      if (!answer.headers.some(([n]) => n.toLowerCase() === 'content-length')) lines.push('Content-Length', String(Buffer.byteLength(body)));
      lines.push('Cache-Control', 'no-store');
      res.writeHead(answer.status, lines);
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  };
  const servers: http.Server[] = [];
  const listen = async (host: string, base: string, servesPage: boolean): Promise<string> => {
    let origin = '';
    const server = http.createServer((req, res) => handler(origin, servesPage)(req, res));
    server.keepAliveTimeout = 60_000;
    servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // '::' without ipv6Only: one port for 127.0.0.1 and ::1 (localhost may resolve to either).
      server.listen({ host, port: 0 }, () => resolve());
    });
    origin = `${base}:${(server.address() as AddressInfo).port}`;
    return origin;
  };
  const pageOrigin = await listen('127.0.0.1', 'http://127.0.0.1', true);
  const targetOrigin = await listen('::', 'http://localhost', false);
  const otherOrigin = await listen('127.0.0.1', 'http://127.0.0.1', false);
  return {
    pageOrigin,
    targetOrigin,
    otherOrigin,
    register(c: NoCorsCase): void {
      cases.set(c.id, c);
      for (const b of ['chromium', 'firefox', 'webkit']) received.delete(`${b} ${c.id}`);
    },
    received(id: string, browser: TrafficKind): ReceivedRequest[] {
      return [...(received.get(`${browser} ${id}`) ?? [])];
    },
    async close(): Promise<void> {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.closeAllConnections();
              s.close(() => resolve());
            }),
        ),
      );
    },
  };
}

/** A browser showing the world's page, with what it logs. */
interface Driver {
  evaluate(expression: string): Promise<unknown>;
  /** Console entries since the last drain. */
  drain(): Promise<ConsoleEntry[]>;
  close(): Promise<void>;
}

/** Firefox's console service, every message (the harness's tap keeps the CORS ones only). */
const FIREFOX_TAP = `(() => {
  if (globalThis.__noCorsLog) return 'already';
  const log = [];
  globalThis.__noCorsLog = log;
  Services.console.registerListener({
    observe(m) {
      let e = null;
      try { e = m.QueryInterface(Ci.nsIScriptError); } catch (x) { e = null; }
      log.push({ channel: e ? String(e.category) + (e.flags & 1 ? '/warning' : '/error') : 'message', text: e ? e.errorMessage : String(m.message), source: e ? String(e.sourceName) : '' });
    },
  });
  return 'ok';
})()`;

async function puppeteerDriver(kind: 'chromium' | 'firefox', world: HarnessWorld): Promise<Driver> {
  const b: Browser = await launch(kind);
  const entries: ConsoleEntry[] = [];
  try {
    const page: Page = (await b.pages())[0] ?? (await b.newPage());
    page.on('console', (msg: ConsoleMessage) => entries.push({ channel: `console/${msg.type()}`, text: msg.text() }));
    page.on('pageerror', (err: unknown) => entries.push({ channel: 'pageerror', text: err instanceof Error ? err.message : String(err) }));
    if (kind === 'chromium') {
      const cdp = await page.createCDPSession();
      cdp.on('Audits.issueAdded', (event: Protocol.Audits.IssueAddedEvent) => entries.push({ channel: `issue/${event.issue.code}`, text: JSON.stringify(event.issue.details) }));
      await cdp.send('Audits.enable');
    } else {
      await firefoxChromeEvaluate(b, FIREFOX_TAP);
    }
    await page.goto(`${world.pageOrigin}/`, { waitUntil: 'load' });
    const origins = [world.pageOrigin, world.targetOrigin, world.otherOrigin];
    return {
      evaluate: (expression) => page.evaluate(expression) as Promise<unknown>,
      async drain() {
        if (kind === 'firefox') {
          const tapped = JSON.parse(await firefoxChromeEvaluate(b, 'JSON.stringify(globalThis.__noCorsLog.splice(0))')) as Array<ConsoleEntry & { source: string }>;
          // The parent process logs about itself too: keep what names one of the world's origins.
          for (const t of tapped) if (process.env.NOCORS_ALL === '1' || origins.some((o) => t.text.includes(o) || t.source.startsWith(o))) entries.push({ channel: t.channel, text: t.text });
        }
        return entries.splice(0);
      },
      close: () => b.close(),
    };
  } catch (e) {
    await b.close().catch(() => undefined);
    throw e;
  }
}

async function webkitDriver(world: HarnessWorld): Promise<Driver> {
  const wk = await WebKitBrowser.launch(world);
  const entries: ConsoleEntry[] = [];
  wk.onConsoleEntry = (e) => entries.push({ channel: `${e.source}/${e.level}`, text: e.text });
  return {
    evaluate: (expression) => wk.evaluate(expression),
    drain: () => Promise.resolve(entries.splice(0)),
    close: () => wk.close(),
  };
}

/** Runs the cases one after the other in a fresh browser of this kind. */
export async function runNoCors(browser: TrafficKind, world: NoCorsWorld, cases: NoCorsCase[], opts: { settleMs?: number } = {}): Promise<NoCorsResult[]> {
  const settleMs = opts.settleMs ?? 400;
  for (const c of cases) world.register(c);
  const driver = browser === 'webkit' ? await webkitDriver(world) : await puppeteerDriver(browser, world);
  try {
    await new Promise((r) => setTimeout(r, settleMs));
    await driver.drain(); // whatever loading the page logged
    const results: NoCorsResult[] = [];
    for (const c of cases) {
      let script: ScriptResult = { resolved: false };
      let error: string | undefined;
      try {
        const json = await driver.evaluate(`window.__noCors(${JSON.stringify({ url: c.url, init: c.init, api: c.api ?? 'fetch' })})`);
        if (typeof json !== 'string') throw new Error(`the page returned ${typeof json}`);
        script = JSON.parse(json) as ScriptResult;
      } catch (e) {
        error = `harness: ${e instanceof Error ? e.message : String(e)}`;
      }
      // Console lines may trail the settled promise.
      await new Promise((r) => setTimeout(r, settleMs));
      const result: NoCorsResult = { id: c.id, browser, script, requests: world.received(c.id, browser), console: await driver.drain() };
      if (error !== undefined) result.error = error;
      results.push(result);
    }
    return results;
  } finally {
    await driver.close();
  }
}
