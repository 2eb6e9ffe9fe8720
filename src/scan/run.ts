/**
 * The scanner's I/O: routes streamed in, each route's plan sent with
 * bounded concurrency, a per-host rate, whole-exchange timeouts and retries
 * on 429/503 (honouring Retry-After), and each route's findings handed on as
 * soon as it is judged, so that memory does not grow with the inventory.
 * A fault (refused, reset, garbage, TLS, silence) ends that route as an
 * error and never the scan.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { get } from '../engine/headers.js';
import type { Exchange, NetworkFailureKind, OutgoingRequest } from '../doctor/exchange.js';
import { NetworkFailure, send } from '../doctor/exchange.js';
import type { Answered } from './judge.js';
import { isSerializedOrigin, judgeRoute } from './judge.js';
import type { ScanAuth } from './plan.js';
import { noOriginRequest, ownOrigin, planRoute } from './plan.js';
import type { Finding, ScanTarget } from './types.js';

/** How a route ended: scanned, or the kind of fault that stopped it. */
export type TargetStatus = 'scanned' | NetworkFailureKind;

/** One route's outcome. */
export interface RouteResult {
  target: ScanTarget;
  status: TargetStatus;
  findings: Finding[];
  /** Set when the route could not be scanned. */
  error: { kind: NetworkFailureKind; message: string } | null;
  /** Requests sent for it (retries included). */
  requests: number;
  /** The legit origins its probes were derived from. */
  legitOrigins: string[];
}

/** Options of {@link scan}. */
export interface ScanOptions {
  /** Legit page origins (`--origin`); without any, each route's are learned from its answers and its source. */
  origins: readonly string[];
  auth: ScanAuth;
  /** Requests in flight at once, over all hosts. */
  concurrency: number;
  /** Requests per second per host (`null`: no limit). */
  rate: number | null;
  /** Each exchange's time limit, whole (a trickling answer times out too). */
  timeoutMs: number;
  /** How many times a 429 or 503 answer is retried. */
  retries: number;
  insecure: boolean;
  /** Called with each route's result as soon as it is judged, in completion order; `replayed` when it came from {@link ScanOptions.previous}. */
  onResult: (result: RouteResult, replayed: boolean) => void;
  /** A result kept from an earlier scan (`--resume`), handed on in place of scanning the route; `null`: scan it. */
  previous?: (target: ScanTarget) => RouteResult | null;
  /** When aborted, no route is taken any more; the routes in flight finish and are handed on. */
  signal?: AbortSignal;
  /** The longest wait a Retry-After may impose, in milliseconds (default 60 s). */
  maxRetryWaitMs?: number;
}

/** Counts of a finished scan (replayed routes included, as if scanned). */
export interface ScanSummary {
  routes: number;
  scanned: number;
  failed: number;
  requests: number;
  /** Routes handed on from {@link ScanOptions.previous} instead of being scanned. */
  replayed: number;
  /** Whether {@link ScanOptions.signal} stopped the scan before the last route. */
  interrupted: boolean;
}

/** A counting semaphore: at most `limit` holders at once. */
class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resume) => this.waiting.push(resume));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/** Spaces out request starts per host: at most `rate` a second. */
class Pacer {
  private readonly next = new Map<string, number>();
  constructor(private readonly rate: number | null) {}
  async wait(host: string): Promise<void> {
    if (this.rate === null) return;
    const now = Date.now();
    const at = Math.max(now, this.next.get(host) ?? 0);
    this.next.set(host, at + 1000 / this.rate);
    if (at > now) await sleep(at - now);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** How long a 429 or 503 asks to wait (Retry-After: seconds or an HTTP date), else exponential backoff from 1 s. */
export function retryDelayMs(headers: Exchange['headers'], attempt: number, now: number = Date.now()): number {
  const value = get(headers, 'retry-after');
  if (value !== null) {
    if (/^\d+$/.test(value)) return Number(value) * 1000;
    const date = Date.parse(value);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  return 1000 * 2 ** attempt;
}

/** Sends with the scan's limits: concurrency, per-host pace, retries. */
class Sender {
  requests = 0;
  private readonly limiter: Limiter;
  private readonly pacer: Pacer;
  private readonly agents: { http: HttpAgent; https: HttpsAgent };
  constructor(private readonly options: ScanOptions) {
    this.limiter = new Limiter(options.concurrency);
    this.pacer = new Pacer(options.rate);
    const pool = { keepAlive: true, maxSockets: options.concurrency };
    this.agents = { http: new HttpAgent(pool), https: new HttpsAgent(pool) };
  }
  async send(request: OutgoingRequest, counter: { n: number }): Promise<Exchange> {
    const url = new URL(request.url);
    const agent = url.protocol === 'https:' ? this.agents.https : this.agents.http;
    for (let attempt = 0; ; attempt++) {
      await this.pacer.wait(url.host);
      counter.n++;
      this.requests++;
      const exchange = await this.limiter.run(() => send(request, { timeoutMs: this.options.timeoutMs, insecure: this.options.insecure, agent }));
      if ((exchange.status !== 429 && exchange.status !== 503) || attempt >= this.options.retries) return exchange;
      await sleep(Math.min(retryDelayMs(exchange.headers, attempt), this.options.maxRetryWaitMs ?? 60_000));
    }
  }
  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}

/**
 * Scan routes: for each, the request without Origin first (a route that
 * does not answer it is an error, and nothing more is sent to it), then
 * its plan, judged as soon as every answer is in. Routes are taken from
 * `targets` as capacity frees up, never all at once: at most
 * `concurrency / 4` routes in flight (a route's plan is some thirty
 * requests, sent at once), so memory does not grow with the inventory.
 */
export async function scan(targets: AsyncIterable<ScanTarget> | Iterable<ScanTarget>, options: ScanOptions): Promise<ScanSummary> {
  const sender = new Sender(options);
  const summary: ScanSummary = { routes: 0, scanned: 0, failed: 0, requests: 0, replayed: 0, interrupted: false };
  const inFlight = new Set<Promise<void>>();
  const done = (result: RouteResult, replayed: boolean): void => {
    if (result.status === 'scanned') summary.scanned++;
    else summary.failed++;
    options.onResult(result, replayed);
  };
  // Enough routes at once to keep every request slot busy, no more.
  const window = Math.max(1, Math.ceil(options.concurrency / 4));
  try {
    for await (const target of targets) {
      if (options.signal?.aborted === true) {
        summary.interrupted = true;
        break;
      }
      summary.routes++;
      const kept = options.previous?.(target) ?? null;
      if (kept !== null) {
        summary.replayed++;
        summary.requests += kept.requests;
        done(kept, true);
        continue;
      }
      const tracked: Promise<void> = scanRoute(target, options, sender)
        .then((result) => done(result, false))
        .finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      if (inFlight.size >= window) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  } finally {
    sender.close();
  }
  summary.requests += sender.requests;
  return summary;
}

/** The legit origins a route's answers name: a static Access-Control-Allow-Origin without Origin, or for the API's own origin. */
function learnedOrigins(answers: Array<Exchange | null>): string[] {
  const out: string[] = [];
  for (const e of answers) {
    const value = e === null ? null : get(e.headers, 'access-control-allow-origin');
    if (value !== null && value !== '*' && value !== 'null' && isSerializedOrigin(value) && !out.includes(value)) out.push(value);
  }
  return out;
}

/** One route: the request without Origin, the legit origins, the plan, the judge. */
async function scanRoute(target: ScanTarget, options: ScanOptions, sender: Sender): Promise<RouteResult> {
  const counter = { n: 0 };
  const failed = (e: NetworkFailure, legitOrigins: string[]): RouteResult => ({ target, status: e.kind, findings: [], error: { kind: e.kind, message: e.message }, requests: counter.n, legitOrigins });
  const trySend = async (request: OutgoingRequest): Promise<Exchange | NetworkFailure> => {
    try {
      return await sender.send(request, counter);
    } catch (error) {
      if (error instanceof NetworkFailure) return error;
      throw error;
    }
  };
  const noOrigin = await trySend(noOriginRequest(target));
  if (noOrigin instanceof NetworkFailure) return failed(noOrigin, []);
  let legit = [...options.origins, ...target.origins.filter((o) => !options.origins.includes(o))];
  if (legit.length === 0) {
    const own = ownOrigin(target.url);
    const asOwn = await trySend({ ...noOriginRequest(target), headers: [['Origin', own], ['Accept', '*/*']] });
    legit = learnedOrigins([noOrigin, asOwn instanceof NetworkFailure ? null : asOwn]);
  }
  const plan = planRoute(target, legit, options.auth);
  const answered: Answered[] = await Promise.all(
    plan.requests.map(async (planned) => {
      const answer = await trySend(planned.request);
      return { planned, answer: answer instanceof NetworkFailure ? null : answer };
    }),
  );
  const legitActual = answered.find((a) => a.planned.role === 'legit' && !a.planned.preflight);
  if (legitActual !== undefined && legitActual.answer === null && answered.every((a) => a.answer === null)) {
    return failed(new NetworkFailure('other', target.url, `Every request to ${target.url} failed after the first one answered.`), plan.legitOrigins);
  }
  return { target, status: 'scanned', findings: judgeRoute(plan, answered, noOrigin), error: null, requests: counter.n, legitOrigins: plan.legitOrigins };
}
