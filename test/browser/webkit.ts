/**
 * The real-WebKit harness: runs scenarios in WebKitGTK's MiniBrowser and
 * records what WebKit really did, in the shape of harness.ts's observations.
 *
 * MiniBrowser has no headless mode: each launch starts its own Xvfb (on a
 * display Xvfb picks itself, -displayfd) and MiniBrowser with a fresh HOME and
 * XDG directories and `WEBKIT_INSPECTOR_HTTP_SERVER=127.0.0.1:<free port>`.
 * The harness speaks the WebKit Inspector Protocol over the page target's
 * WebSocket (commands wrapped in Target.sendMessageToTarget, answers and events
 * in Target.dispatchMessageFromTarget), enables Console and Network, and runs
 * many cases in ONE Runtime.evaluate (a round trip into the page costs about
 * 44 ms): the page is harness.ts's, so its runner (`__corsproofRun`, fetch /
 * XMLHttpRequest / EventSource) is the one Chromium and Firefox run.
 *
 * The servers are harness.ts's world: they tell WebKit's requests from the
 * other browsers' by User-Agent, so a WebKit run may share a world and case
 * ids with a Chromium or Firefox run (but a User-Agent set by script, which
 * WebKit sends on the request and its preflight, is only WebKit's in a world
 * started with `unknownUserAgent: 'webkit'`). Console messages are matched to cases
 * by the case path `/c/<id>/` in their text, their URL, or the URL of the
 * network request they name (networkRequestId, from Network.requestWillBeSent).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { Scenario } from '../../src/engine/types.js';
import { caseIdsIn, registerCases } from './harness.js';
import type { HarnessWorld, Observation, PageResult, World } from './harness.js';
import { requireWebKit } from './require-browser.js';

// ---------------------------------------------------------------------------
// Public types

/** One console message WebKit's inspector reported (Console.messageAdded). */
export interface WebKitConsoleEntry {
  /** e.g. "security", "javascript", "network". */
  source: string;
  /** e.g. "error", "warning", "log". */
  level: string;
  text: string;
  /** The URL the message is about or from ("" when none). */
  url: string;
}

export interface WebKitObservation extends Observation {
  webkit: {
    /** Every console text attributed to the case, in arrival order. */
    messages: string[];
    /** The same messages with their source, level and URL. */
    entries: WebKitConsoleEntry[];
    /** Network.loadingFailed's errorText for the case's requests, in order. */
    networkErrors: string[];
  };
}

export interface WebKitRunOptions {
  /** Cases in flight at once in the page (default 16). */
  concurrency?: number;
  /** Cases per Runtime.evaluate (default 1000). */
  batchSize?: number;
  /** Per-case timeout in the page for fetch and xhr, ms (default 10000). */
  timeoutMs?: number;
  /** How long an EventSource may neither open nor fail, ms (default 15000). */
  eventSourceTimeoutMs?: number;
  /** The `cache` mode of fetch() requests (default 'no-store'). */
  fetchCache?: 'no-store' | 'default' | 'reload' | 'no-cache';
  /** After the last case settles, how long to wait at most for the messages of failed cases, ms (default 3000). */
  attributionTimeoutMs?: number;
  /** After the last case settles, the quiet time (no new message) to wait for, ms (default 300). */
  quietMs?: number;
  /** Called with every console message and network failure the inspector reports (for debugging). */
  trace?: (event: { channel: 'console' | 'network'; text: string }) => void;
  /** Called after each batch: how many cases it held and how long it took, ms. */
  onBatch?: (batch: { index: number; cases: number; ms: number }) => void;
  /** Called once with where the run's time went, ms. */
  onTimings?: (timings: { run: number; settle: number }) => void;
}

// ---------------------------------------------------------------------------
// Processes

/** A free loopback TCP port (the inspector's HTTP server is told to listen on it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ host: '127.0.0.1', port: 0 }, () => {
      const a = s.address();
      const port = a !== null && typeof a !== 'string' ? a.port : 0;
      s.close(() => (port > 0 ? resolve(port) : reject(new Error('no port'))));
    });
  });
}

/** The last few kilobytes a child wrote to stderr, for error messages. */
function tailOf(child: ChildProcess, max = 4000): () => string {
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-max);
  });
  return () => tail;
}

/** Ends a child started in its own process group (detached): SIGTERM to the group, SIGKILL after a grace period. */
async function stopGroup(child: ChildProcess, graceMs = 2000): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), graceMs));
  if ((await Promise.race([exited, timer])) === 'late') {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 1000))]);
  }
}

/** Starts Xvfb on a display it picks itself; resolves with the display number. */
async function startXvfb(binary: string): Promise<{ child: ChildProcess; display: number }> {
  const child = spawn(binary, ['-displayfd', '3', '-nolisten', 'tcp', '-screen', '0', '1280x800x24'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const tail = tailOf(child);
  const display = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`Xvfb gave no display within 10 s: ${tail()}`)), 10_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Xvfb exited (${code}): ${tail()}`));
    });
    const fd3 = child.stdio[3] as NodeJS.ReadableStream | null;
    fd3?.on('data', (chunk: Buffer) => {
      out += chunk.toString('latin1');
      const m = /^(\d+)\n/.exec(out);
      if (m && m[1] !== undefined) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  }).catch(async (e: unknown) => {
    await stopGroup(child);
    throw e;
  });
  return { child, display };
}

// ---------------------------------------------------------------------------
// The inspector

interface InspectorMessage {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message?: string; code?: number };
}

type EventListener = (method: string, params: Record<string, unknown>) => void;

/** The WebKit Inspector Protocol over one page target's WebSocket. */
class Inspector {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (m: InspectorMessage) => void; reject: (e: Error) => void }>();
  private target: string | null = null;
  private targetWaiters: Array<() => void> = [];
  private closed: Error | null = null;
  listener: EventListener = () => undefined;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => this.onMessage(data.toString('utf8')));
    ws.on('close', () => this.fail(new Error('the inspector WebSocket closed')));
    ws.on('error', (e: Error) => this.fail(e));
  }

  static async connect(url: string): Promise<Inspector> {
    const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 1 << 30 });
    // Listening from the start: Target.targetCreated may come in the same read as the handshake's answer.
    const inspector = new Inspector(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    await inspector.waitForTarget(10_000);
    return inspector;
  }

  private fail(e: Error): void {
    if (this.closed !== null) return;
    this.closed = e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  private onMessage(text: string): void {
    const outer = JSON.parse(text) as InspectorMessage;
    if (outer.method === 'Target.targetCreated') {
      const info = (outer.params?.targetInfo ?? {}) as { targetId?: string; type?: string; isProvisional?: boolean };
      if (info.type === 'page' && typeof info.targetId === 'string' && (this.target === null || !info.isProvisional)) {
        this.target = info.targetId;
        for (const w of this.targetWaiters.splice(0)) w();
      }
      return;
    }
    if (outer.method === 'Target.didCommitProvisionalTarget') {
      const id = outer.params?.newTargetId;
      if (typeof id === 'string') this.target = id;
      return;
    }
    if (outer.method !== 'Target.dispatchMessageFromTarget') return;
    const inner = JSON.parse(String(outer.params?.message ?? '{}')) as InspectorMessage;
    if (inner.id !== undefined) {
      const p = this.pending.get(inner.id);
      if (p !== undefined) {
        this.pending.delete(inner.id);
        p.resolve(inner);
      }
      return;
    }
    if (inner.method !== undefined) this.listener(inner.method, inner.params ?? {});
  }

  private waitForTarget(ms: number): Promise<void> {
    if (this.target !== null) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no page target announced within ${ms} ms`)), ms);
      this.targetWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** Sends a command to the page target; resolves with its result, rejects with its error. */
  send(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    if (this.closed !== null) return Promise.reject(this.closed);
    if (this.target === null) return Promise.reject(new Error('no page target'));
    const id = this.nextId++;
    const message = JSON.stringify({ id, method, params });
    return new Promise((resolve, reject) => {
      this.pending.set(id, {
        resolve: (m) => (m.error ? reject(new Error(`${method}: ${m.error.message ?? JSON.stringify(m.error)}`)) : resolve(m.result ?? {})),
        reject,
      });
      this.ws.send(JSON.stringify({ id, method: 'Target.sendMessageToTarget', params: { targetId: this.target, message } }));
    });
  }

  /** Evaluates an expression in the page; a promise is awaited (Runtime.awaitPromise). Returns the value (by value). */
  async evaluate(expression: string): Promise<unknown> {
    const r = await this.send('Runtime.evaluate', { expression, returnByValue: false });
    let result = r.result as { type?: string; className?: string; objectId?: string; value?: unknown; description?: string } | undefined;
    if (r.wasThrown === true) throw new Error(`page threw: ${result?.description ?? JSON.stringify(result)}`);
    if (result?.type === 'object' && result.className === 'Promise' && result.objectId !== undefined) {
      const awaited = await this.send('Runtime.awaitPromise', { promiseObjectId: result.objectId, returnByValue: true });
      result = awaited.result as typeof result;
      if (awaited.wasThrown === true) throw new Error(`page promise rejected: ${result?.description ?? JSON.stringify(result)}`);
      return result?.value;
    }
    if (result?.objectId !== undefined) {
      const byValue = await this.send('Runtime.evaluate', { expression, returnByValue: true });
      return (byValue.result as { value?: unknown } | undefined)?.value;
    }
    return result?.value;
  }

  close(): void {
    this.fail(new Error('closed'));
    this.ws.terminate();
  }
}

// ---------------------------------------------------------------------------
// The browser

/** The batch runner's console.debug before each case, naming its path; not recorded as a message. */
const MARKER = 'corsproof:start ';

/** The page's batch runner: runs every request through the page's runner, `concurrency` at a time; a JSON array of JSON strings. */
const BATCH = `(function (items, concurrency, t, es) {
  var out = new Array(items.length);
  var next = 0;
  function worker() {
    if (next >= items.length) return Promise.resolve();
    var i = next++;
    var run = items[i].opaque ? window.__corsproofRunOpaque : window.__corsproofRun;
    // The runner starts the request synchronously, right after the marker: what script's own calls log
    // (e.g. setRequestHeader refusing a forbidden name) comes before any other case's marker.
    console.debug('${MARKER}/c/' + items[i].id + '/');
    var started;
    try { started = run(items[i].req, t, es); } catch (e) { started = Promise.reject(e); }
    return Promise.resolve(started)
      .then(function (json) { out[i] = json; }, function (e) { out[i] = JSON.stringify({ ok: false, readableHeaders: null, error: 'harness: page runner threw ' + e }); })
      .then(worker);
  }
  var workers = [];
  for (var k = 0; k < Math.min(concurrency, items.length); k++) workers.push(worker());
  return Promise.all(workers).then(function () { return JSON.stringify(out); });
})`;

/** The most characters of requests sent into the page in one command (the socket's limit is about 128 KB, escaped twice). */
const STAGE_BYTES = 24_000;

/** WebKit's line naming the request's URL after each failed load: "Failed to load resource: <reason>". */
const FAILED_TO_LOAD = 'Failed to load resource: ';

interface Attribution {
  entries: Array<{ seq: number; entry: WebKitConsoleEntry }>;
  networkErrors: string[];
}

/** A running MiniBrowser showing the world's page, with its inspector connection. */
export class WebKitBrowser {
  private readonly requestUrls = new Map<string, string>();
  private onEvent: ((kind: 'console' | 'network', ids: Set<string>, entry: WebKitConsoleEntry | string, seq: number) => void) | null = null;
  /** Messages naming no URL, held until a line of the same load claims them. */
  private readonly held: Array<{ seq: number; entry: WebKitConsoleEntry }> = [];
  /** The case the batch runner started last (its marker). */
  private current = new Set<string>();
  /** Arrival order of console messages and network failures. */
  private seq = 0;
  private lastEntry: WebKitConsoleEntry | null = null;
  private lastRequestUrl = '';
  /** Called with every console message the inspector reports (a repeated one again), before the runner attributes it. */
  onConsoleEntry: ((entry: WebKitConsoleEntry) => void) | null = null;

  private constructor(
    readonly world: HarnessWorld,
    private readonly xvfb: ChildProcess,
    private readonly browser: ChildProcess,
    private readonly inspector: Inspector,
    private readonly home: string,
    /** MiniBrowser's stderr tail. */
    readonly stderr: () => string,
  ) {
    inspector.listener = (method, params) => this.onInspectorEvent(method, params);
  }

  /** Starts Xvfb and MiniBrowser on the world's page and connects to its inspector. */
  static async launch(world: HarnessWorld): Promise<WebKitBrowser> {
    const { miniBrowser, xvfb: xvfbBinary } = requireWebKit();
    const home = mkdtempSync(join(tmpdir(), 'corsproof-webkit-'));
    for (const d of ['data', 'cache', 'config', 'runtime']) mkdirSync(join(home, d), { mode: 0o700 });
    let xvfb: ChildProcess | undefined;
    let browser: ChildProcess | undefined;
    try {
      const x = await startXvfb(xvfbBinary);
      xvfb = x.child;
      const port = await freePort();
      const pageUrl = `${world.pageOrigin}/`;
      browser = spawn(miniBrowser, [pageUrl], {
        stdio: ['ignore', 'ignore', 'pipe'],
        detached: true,
        env: {
          ...process.env,
          HOME: home,
          XDG_DATA_HOME: join(home, 'data'),
          XDG_CACHE_HOME: join(home, 'cache'),
          XDG_CONFIG_HOME: join(home, 'config'),
          XDG_RUNTIME_DIR: join(home, 'runtime'),
          DISPLAY: `:${x.display}`,
          WEBKIT_INSPECTOR_HTTP_SERVER: `127.0.0.1:${port}`,
          // No accessibility bus, no GPU: neither exists here.
          NO_AT_BRIDGE: '1',
          LIBGL_ALWAYS_SOFTWARE: '1',
        },
      });
      const stderr = tailOf(browser);
      const socketPath = await waitForTargetList(port, pageUrl, browser, stderr);
      const inspector = await Inspector.connect(`ws://127.0.0.1:${port}${socketPath}`);
      const wk = new WebKitBrowser(world, xvfb, browser, inspector, home, stderr);
      await inspector.send('Console.enable');
      await inspector.send('Network.enable');
      await wk.waitForPage();
      return wk;
    } catch (e) {
      if (browser !== undefined) await stopGroup(browser);
      if (xvfb !== undefined) await stopGroup(xvfb);
      rmSync(home, { recursive: true, force: true });
      throw e;
    }
  }

  private async waitForPage(): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const ready = await this.inspector
        .evaluate(`document.readyState === 'complete' && typeof window.__corsproofRun === 'function' && location.origin`)
        .catch(() => false);
      if (ready === this.world.pageOrigin) return;
      if (Date.now() > deadline) throw new Error(`the harness page did not load in WebKit within 20 s (saw ${JSON.stringify(ready)})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The WebKitGTK version the browser reports in its User-Agent, e.g. "AppleWebKit/605.1.15 ... Version/60.5". */
  async userAgent(): Promise<string> {
    return String(await this.inspector.evaluate('navigator.userAgent'));
  }

  /** Evaluates an expression in the page (promises awaited). */
  evaluate(expression: string): Promise<unknown> {
    return this.inspector.evaluate(expression);
  }

  private onInspectorEvent(method: string, params: Record<string, unknown>): void {
    if (method === 'Network.requestWillBeSent') {
      const id = params.requestId;
      const url = (params.request as { url?: unknown } | undefined)?.url;
      if (typeof id === 'string' && typeof url === 'string') this.requestUrls.set(id, url);
      return;
    }
    if (method === 'Network.loadingFailed') {
      const id = params.requestId;
      const url = typeof id === 'string' ? (this.requestUrls.get(id) ?? '') : '';
      const text = String(params.errorText ?? '');
      this.onEvent?.('network', caseIdsIn(url), `${text}${params.canceled === true ? ' (canceled)' : ''}`, this.seq++);
      return;
    }
    if (method === 'Console.messageRepeatCountUpdated') {
      // WebKit folds a message equal to the one before into a repeat count: it is that message again.
      if (this.lastEntry !== null) {
        this.onConsoleEntry?.(this.lastEntry);
        this.onConsole(this.lastEntry, this.lastRequestUrl);
      }
      return;
    }
    if (method !== 'Console.messageAdded') return;
    const m = (params.message ?? {}) as { source?: unknown; level?: unknown; text?: unknown; url?: unknown; networkRequestId?: unknown };
    const entry: WebKitConsoleEntry = { source: String(m.source ?? ''), level: String(m.level ?? ''), text: String(m.text ?? ''), url: String(m.url ?? '') };
    const requestUrl = typeof m.networkRequestId === 'string' ? (this.requestUrls.get(m.networkRequestId) ?? '') : '';
    this.lastEntry = entry;
    this.lastRequestUrl = requestUrl;
    this.onConsoleEntry?.(entry);
    this.onConsole(entry, requestUrl);
  }

  /**
   * Attributes a console message to the cases it names (the case path in its text, its URL or its request's URL).
   * Two kinds of WebKit line name no URL and carry no request id:
   * - the reason line (source "security", e.g. "Origin X is not allowed by Access-Control-Allow-Origin. Status
   *   code: 200"): the same load's "Failed to load resource: <the same text>" line names the URL, so the reason is
   *   held until that line claims it (lines of other loads may come in between);
   * - lines script's own calls log at once (source "javascript", e.g. 'Refused to set unsafe header "Cookie"'):
   *   they belong to the case the batch runner last announced (a console.debug marker before each case starts).
   */
  private onConsole(entry: WebKitConsoleEntry, requestUrl: string): void {
    const seq = this.seq++;
    if (entry.source === 'console-api' && entry.text.startsWith(MARKER)) {
      this.current = caseIdsIn(entry.text.slice(MARKER.length));
      return;
    }
    const ids = caseIdsIn(`${entry.text}\n${entry.url}\n${requestUrl}`);
    if (ids.size === 0) {
      if (entry.source === 'javascript' && this.current.size > 0) this.onEvent?.('console', this.current, entry, seq);
      else this.held.push({ seq, entry });
      return;
    }
    if (entry.text.startsWith(FAILED_TO_LOAD)) {
      const reason = entry.text.slice(FAILED_TO_LOAD.length);
      const k = this.held.findIndex((h) => h.entry.text === reason);
      if (k >= 0) {
        const [claimed] = this.held.splice(k, 1);
        if (claimed !== undefined) this.onEvent?.('console', ids, claimed.entry, claimed.seq);
      }
    }
    this.onEvent?.('console', ids, entry, seq);
  }

  /** Messages naming no case that no later line claimed (for diagnosis); emptied by each run. */
  unclaimed(): WebKitConsoleEntry[] {
    return this.held.map((h) => h.entry);
  }

  /**
   * Runs cases in this browser's page and returns one observation per case,
   * in the order given. Registers every case with the world and clears what
   * the servers recorded for those ids from WebKit.
   */
  async run(world: World, cases: Array<{ id: string; scenario: Scenario }>, opts: WebKitRunOptions = {}): Promise<WebKitObservation[]> {
    const concurrency = Math.max(1, opts.concurrency ?? 16);
    const batchSize = Math.max(1, opts.batchSize ?? 1000);
    const timeoutMs = opts.timeoutMs ?? 10_000;
    const esTimeoutMs = opts.eventSourceTimeoutMs ?? 15_000;
    const attributionTimeoutMs = opts.attributionTimeoutMs ?? 3_000;
    const quietMs = opts.quietMs ?? 300;

    const { ids, invalid } = registerCases(world, cases, 'webkit');

    const attributions = new Map<string, Attribution>();
    this.held.length = 0;
    this.current = new Set();
    let lastEvent = Date.now();
    this.onEvent = (kind, found, entry, seq) => {
      lastEvent = Date.now();
      opts.trace?.({ channel: kind, text: typeof entry === 'string' ? entry : `[${entry.source}/${entry.level}] ${entry.text} @ ${entry.url}` });
      for (const id of found) {
        if (!ids.has(id)) continue;
        let a = attributions.get(id);
        if (a === undefined) attributions.set(id, (a = { entries: [], networkErrors: [] }));
        if (typeof entry === 'string') a.networkErrors.push(entry);
        else a.entries.push({ seq, entry });
      }
    };

    try {
      const results = new Map<string, PageResult>();
      const queue = cases.filter((c) => !invalid.has(c.id));
      const start = Date.now();
      for (let b = 0; b * batchSize < queue.length; b++) {
        const batch = queue.slice(b * batchSize, (b + 1) * batchSize);
        const items = batch.map((c) => {
          const r = c.scenario.request;
          return {
            id: c.id,
            opaque: r.origin === 'null',
            req: { url: r.url, method: r.method, headers: r.headers, credentials: r.credentials, initiator: r.initiator ?? 'fetch', cache: opts.fetchCache ?? 'no-store' },
          };
        });
        const t0 = Date.now();
        try {
          await this.stage(items);
          const json = await this.inspector.evaluate(`${BATCH}(window.__corsproofItems, ${concurrency}, ${timeoutMs}, ${esTimeoutMs})`);
          if (typeof json !== 'string') throw new Error(`page returned ${typeof json}`);
          const out = JSON.parse(json) as Array<string | null>;
          batch.forEach((c, i) => {
            const one = out[i];
            results.set(c.id, typeof one === 'string' ? (JSON.parse(one) as PageResult) : { ok: false, readableHeaders: null, error: 'harness: no result in the batch' });
          });
        } catch (e) {
          for (const c of batch) results.set(c.id, { ok: false, readableHeaders: null, error: `harness: ${e instanceof Error ? e.message : String(e)}` });
        }
        opts.onBatch?.({ index: b, cases: batch.length, ms: Date.now() - t0 });
      }

      // Console messages may trail the settled promise: wait until every failed case has one (or the deadline), then for quiet.
      const settleStart = Date.now();
      const failed = queue.filter((c) => {
        const r = results.get(c.id);
        return r !== undefined && !r.ok && r.error === undefined;
      });
      for (;;) {
        const now = Date.now();
        if (now - settleStart >= attributionTimeoutMs) break;
        const attributed = failed.every((c) => (attributions.get(c.id)?.entries.length ?? 0) > 0);
        if (attributed && now - lastEvent >= quietMs && now - settleStart >= quietMs) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      opts.onTimings?.({ run: settleStart - start, settle: Date.now() - settleStart });

      return cases.map((c): WebKitObservation => {
        const problem = invalid.get(c.id);
        const a = attributions.get(c.id);
        const entries = a ? a.entries.sort((x, y) => x.seq - y.seq).map((e) => e.entry) : [];
        const webkit = {
          messages: entries.map((e) => e.text),
          entries,
          networkErrors: a ? [...a.networkErrors] : [],
        };
        if (problem !== undefined) {
          return { id: c.id, ok: false, readableHeaders: null, preflights: [], requests: [], webkit, error: `invalid case: ${problem}` };
        }
        const traffic = world.traffic(c.id, 'webkit');
        const obs: WebKitObservation = {
          id: c.id,
          ok: false,
          readableHeaders: null,
          preflights: traffic ? [...traffic.preflights] : [],
          requests: traffic ? [...traffic.requests] : [],
          webkit,
        };
        const r = results.get(c.id);
        if (r === undefined) {
          obs.error = 'harness: no result';
          return obs;
        }
        obs.ok = r.ok;
        obs.readableHeaders = r.ok ? r.readableHeaders : null;
        if (r.thrown !== undefined) obs.thrown = r.thrown;
        if (traffic && traffic.notes.length > 0) obs.notes = [...traffic.notes];
        if (r.error !== undefined) obs.error = r.error;
        return obs;
      });
    } finally {
      this.onEvent = null;
    }
  }

  /**
   * Puts a batch's requests into the page as `window.__corsproofItems`, in slices: WebKit's inspector socket
   * drops the connection on a message to the page of about 128 KB (its answers may be megabytes).
   */
  private async stage(items: unknown[]): Promise<void> {
    await this.inspector.evaluate('window.__corsproofItems = []; 0');
    let slice: string[] = [];
    let size = 0;
    const flush = async (): Promise<void> => {
      if (slice.length > 0) await this.inspector.evaluate(`window.__corsproofItems.push(${slice.join(',')}); 0`);
      slice = [];
      size = 0;
    };
    for (const item of items) {
      const json = JSON.stringify(item);
      if (size + json.length > STAGE_BYTES) await flush();
      slice.push(json);
      size += json.length + 1;
    }
    await flush();
  }

  /** Ends MiniBrowser (and its web and network processes) and Xvfb, and removes the profile. */
  async close(): Promise<void> {
    this.inspector.close();
    await stopGroup(this.browser);
    await stopGroup(this.xvfb);
    rmSync(this.home, { recursive: true, force: true });
  }
}

/** Polls the inspector's target list until it shows the page; returns the page target's WebSocket path. */
async function waitForTargetList(port: number, pageUrl: string, browser: ChildProcess, stderr: () => string): Promise<string> {
  const deadline = Date.now() + 20_000;
  let last = '';
  for (;;) {
    if (browser.exitCode !== null || browser.signalCode !== null) {
      throw new Error(`MiniBrowser exited (${browser.exitCode ?? browser.signalCode}): ${stderr()}`);
    }
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) });
      last = await res.text();
      // One row per target: <div class="targeturl">URL</div> ... '/socket/<n>/<n>/WebPage'
      for (const row of last.split('<tr>')) {
        const socket = /'(\/socket\/\d+\/\d+\/WebPage)'/.exec(row)?.[1];
        if (socket !== undefined && row.includes(`>${pageUrl}<`)) return socket;
      }
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`WebKit's inspector did not list ${pageUrl} within 20 s (last: ${last.slice(0, 300)}; stderr: ${stderr()})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Launches WebKit on the world's page, runs the cases, and closes it. */
export async function runWebKitCases(
  world: World,
  cases: Array<{ id: string; scenario: Scenario }>,
  opts: WebKitRunOptions = {},
): Promise<WebKitObservation[]> {
  const wk = await WebKitBrowser.launch(world);
  try {
    return await wk.run(world, cases, opts);
  } finally {
    await wk.close();
  }
}
