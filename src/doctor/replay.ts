/**
 * The browser's side of one request, played against any transport: a live
 * URL (`check`), or an app in the same process (`corsproof/testing`). The
 * engine plans every step; this file only sends what it plans and collects
 * the answers into a scenario.
 */
import { BROWSER_NAMES } from '../engine/browsers.js';
import type { BrowserOutcome } from '../engine/evaluate.js';
import { REDIRECT_LIMIT, evaluateIn } from '../engine/evaluate.js';
import { get } from '../engine/headers.js';
import { normalizeMethod } from '../engine/safelist.js';
import { isRedirectStatus } from '../engine/status.js';
import type { BrowserName, HeaderList, PreflightRequest, Scenario, ScenarioRequest, ScenarioResponse } from '../engine/types.js';
import type { Exchange, OutgoingRequest } from './exchange.js';

/** Sends one request and resolves to what came back, never following redirects. */
export type Send = (request: OutgoingRequest) => Promise<Exchange>;

/** A scenario's stand-in response: a preflight answer or response not received yet. */
export const PLACEHOLDER: ScenarioResponse = { status: 204, headers: [] };

/** A CORS-preflight request's header lines as a browser sends them: the engine's lines, then the Accept line browsers add. */
export function preflightWireHeaders(preflight: PreflightRequest): HeaderList {
  return [...preflight.headers.map(([n, v]): [string, string] => [n, v]), ['Accept', '*/*']];
}

/**
 * The CORS-preflight request a browser sends before `request` on its first
 * hop, as {@link preflightWireHeaders} (`null`: none). The engine plans it
 * (Chromium's plan, with placeholder answers): no answer is needed to know it.
 */
export function plannedPreflight(request: ScenarioRequest): HeaderList | null {
  const first = evaluateIn('chromium', { request, preflight: PLACEHOLDER, response: PLACEHOLDER }).preflights[0];
  return first === undefined ? null : preflightWireHeaders(first);
}

/** How {@link replay} sends. */
export interface ReplayOptions {
  send: Send;
  /**
   * What the browser adds itself to a credentialed request (a copied
   * `Cookie` line): sent on the actual requests to the first URL's host
   * when the request includes credentials, never on a preflight.
   */
  credentialHeaders?: HeaderList;
  /** The request body, sent with each actual request while its method is the original one (a 303 turns it into a GET without body). */
  body?: string | Uint8Array;
}

/** What {@link replay} gathered. */
export interface Replayed {
  /** The scenario the exchanges make; its response is {@link PLACEHOLDER} when no response was reached. */
  scenario: Scenario;
  /** Every request sent and its answer, in order. */
  exchanges: Exchange[];
}

/**
 * Do what the browser does, and no more: for each hop, the preflight when
 * a browser sends one (Chromium's, else Firefox's, else WebKit's: client
 * hints, for one, are preflighted by Firefox and WebKit only), then the
 * request as the browser sends it on that hop (its method after a redirect,
 * its Origin, `null` after a tainting redirect; Chromium's, else the first
 * browser's that still sends it), until a response that is not a redirect,
 * or where every browser stops (a failed preflight, a redirect that fails
 * its CORS check): a request no browser would send is never sent.
 */
export async function replay(request: ScenarioRequest, options: ReplayOptions): Promise<Replayed> {
  const { send } = options;
  const exchanges: Exchange[] = [];
  const firstHost = new URL(request.url).host;
  const credentialed = request.credentials === 'include' ? (options.credentialHeaders ?? []) : [];
  const method = normalizeMethod(request.method ?? 'GET');
  // answers[0] answers the first preflight, answers[k] the one sent to the k-th redirect target (null: none sent).
  const answers: Array<ScenarioResponse | null> = [];
  const redirects: ScenarioResponse[] = [];
  let response: ScenarioResponse = PLACEHOLDER;
  /** The scenario so far: preflight answers (first URL, then each redirect target), redirects, a response. */
  const scenarioOf = (preflightAnswers: Array<ScenarioResponse | null>, final: ScenarioResponse): Scenario => {
    const scenario: Scenario = { request, preflight: preflightAnswers[0] ?? null, response: final };
    if (redirects.length > 0) scenario.redirects = redirects;
    const hopAnswers = preflightAnswers.slice(1, redirects.length + 1);
    if (hopAnswers.some((a) => a !== null)) scenario.redirectPreflights = hopAnswers;
    return scenario;
  };
  const planIn = (browser: BrowserName, pending: ScenarioResponse | null): BrowserOutcome => evaluateIn(browser, scenarioOf([...answers, pending], PLACEHOLDER));
  const planAll = (pending: ScenarioResponse | null): Array<[BrowserName, BrowserOutcome]> => BROWSER_NAMES.map((b) => [b, planIn(b, pending)]);
  // How many preflights each browser has sent on the hops so far.
  const preflightsSent: Record<BrowserName, number> = { chromium: 0, firefox: 0, webkit: 0 };
  for (let hop = 0; ; hop++) {
    // Does a browser preflight this hop? Plan with a placeholder answer, then send the real preflight: the first
    // browser's that sends one (Chromium, Firefox, WebKit), whose answer every browser that preflights reads.
    let plans = planAll(PLACEHOLDER);
    const preflighting = plans.find(([b, p]) => p.preflights.length > preflightsSent[b]);
    if (preflighting) {
      const planned = preflighting[1].preflights;
      const url = resolveLocation(redirects, request.url);
      const ex = await send({ url, method: 'OPTIONS', headers: preflightWireHeaders(planned[planned.length - 1] as PreflightRequest) });
      exchanges.push(ex);
      answers.push({ status: ex.status, headers: ex.headers });
      plans = planAll(null);
    } else {
      answers.push(null);
    }
    for (const [b, p] of plans) preflightsSent[b] = p.preflights.length;
    // Does a browser send the request on this hop (its preflight passed, earlier hops passed)? Chromium's, else the next one's.
    const sent = plans.map(([, p]) => p.requests[hop]).find((r) => r !== undefined);
    if (sent === undefined) break;
    const extra = new URL(sent.url).host === firstHost ? credentialed : [];
    const body = options.body !== undefined && sent.method === method ? { body: options.body } : {};
    const ex = await send({ url: sent.url, method: sent.method, headers: [...sent.headers, ...extra], ...body });
    exchanges.push(ex);
    const location = get(ex.headers, 'location');
    if (!isRedirectStatus(ex.status) || location === null) {
      response = { status: ex.status, headers: ex.headers };
      break;
    }
    redirects.push({ status: ex.status, headers: ex.headers });
    // The engine decides what a bad Location, a non-http one or a 21st redirect means; the doctor stops following there.
    if (!followable(location, sent.url) || redirects.length > REDIRECT_LIMIT) break;
  }
  return { scenario: scenarioOf(answers, response), exchanges };
}

/** Whether a redirect's Location is followed: a URL, http or https. */
function followable(location: string, base: string): boolean {
  try {
    const next = new URL(location, base);
    return next.protocol === 'http:' || next.protocol === 'https:';
  } catch {
    return false;
  }
}

/** The URL the last redirect points at. */
function resolveLocation(redirects: ScenarioResponse[], firstUrl: string): string {
  let url = firstUrl;
  for (const r of redirects) url = new URL(get(r.headers, 'location') ?? url, url).href;
  return url;
}
