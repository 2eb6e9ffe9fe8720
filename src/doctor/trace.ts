/**
 * The trace: what one browser does for a scenario, step by step (each
 * hop's CORS-preflight request, the request and its CORS check, the
 * redirect to the next hop), with the step it fails at. Everything comes
 * from the engine: the requests and preflights `evaluateIn` records, its
 * reason; which hop a preflight belongs to and whether a hop's CORS check
 * passed are read from walks of the chain cut short at that hop (as
 * replay.ts plans a live check). Pure: imports only the engine.
 */
import { LOCAL_NETWORK_REASONS } from '../engine/address-space.js';
import { BROWSER_NAMES } from '../engine/browsers.js';
import type { BrowserOutcome } from '../engine/evaluate.js';
import { evaluateIn } from '../engine/evaluate.js';
import { get } from '../engine/headers.js';
import type { ReasonId } from '../engine/reasons.js';
import type { BrowserName, HeaderList, Scenario, ScenarioResponse } from '../engine/types.js';

/** A step of the trace. */
export interface TraceStep {
  /** The CORS-preflight request and its answer, the request and the CORS check on its response, or following a redirect. */
  kind: 'preflight' | 'request' | 'redirect';
  /** The hop of the redirect chain (0: the URL script requested). */
  hop: number;
  /** The URL the step is about (for a redirect, the URL it leaves). */
  url: string;
  /** The request sent: method and the headers CORS reads (`null` for a redirect). */
  sent: { method: string; headers: HeaderList } | null;
  /**
   * The server's answer (`null` for a redirect, and for a preflight or request
   * Local Network Access refused before it was sent: nothing reached the
   * server; a preflight's `sent` is the preflight the browser would have
   * sent, a request's holds its method only).
   */
  answer: ScenarioResponse | null;
  /**
   * `passed`; `failed` (the step the browser blocks at); `no-check` for a
   * response from the page's own origin before the chain left it (no CORS
   * check).
   */
  state: 'passed' | 'failed' | 'no-check';
  /** The reason-table row, on the failed step. */
  reasonId: ReasonId | null;
  /** For a redirect: where it points (the Location as resolved, or as written when it does not resolve). */
  to: string | null;
}

/** A list of steps and the browsers that take exactly those steps. */
export interface TraceGroup {
  /** In the verdict's order (Chromium, Firefox, WebKit). */
  browsers: BrowserName[];
  steps: TraceStep[];
}

/**
 * Each browser's trace: Chromium's, Firefox's and WebKit's; `same` when the
 * three are equal; `groups`, the browsers that walk alike together (one
 * group when `same`; the page shows one list per group).
 */
export interface Traces extends Record<BrowserName, TraceStep[]> {
  same: boolean;
  groups: TraceGroup[];
}

/** The scenario cut short at hop `hop`: that hop's answer taken as the final response. */
function cutAt(scenario: Scenario, hop: number): Scenario {
  const redirects = scenario.redirects ?? [];
  if (hop >= redirects.length) return scenario;
  const cut: Scenario = { request: scenario.request, preflight: scenario.preflight, response: redirects[hop] as ScenarioResponse };
  if (hop > 0) cut.redirects = redirects.slice(0, hop);
  if (scenario.redirectPreflights !== undefined && hop > 0) cut.redirectPreflights = scenario.redirectPreflights.slice(0, hop);
  return cut;
}

/** The answer to the preflight of hop `hop` (a redirect target without its own gets the first's). */
function preflightAnswer(scenario: Scenario, hop: number): ScenarioResponse | null {
  return hop === 0 ? scenario.preflight : (scenario.redirectPreflights?.[hop - 1] ?? scenario.preflight);
}

function answerAt(scenario: Scenario, hop: number): ScenarioResponse {
  return scenario.redirects?.[hop] ?? scenario.response;
}

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/** What one browser does for the scenario, step by step, up to the step it fails at. */
export function traceIn(browser: BrowserName, scenario: Scenario): TraceStep[] {
  const outcome = evaluateIn(browser, scenario);
  const hops = (scenario.redirects?.length ?? 0) + 1;
  const steps: TraceStep[] = [];
  const pageOrigin = scenario.request.origin;
  let preflightsBefore = 0;
  let leftPage = false;
  // Local Network Access refused a hop before anything of it was sent: that hop's step fails with no answer.
  const refusedUnsent = outcome.reasonId !== null && LOCAL_NETWORK_REASONS.includes(outcome.reasonId);
  for (let hop = 0; hop < hops; hop++) {
    const cut = hop === hops - 1 ? outcome : evaluateIn(browser, cutAt(scenario, hop));
    const sent = outcome.requests[hop];
    const url = sent?.url ?? outcome.context?.url ?? scenario.request.url;
    const neverSent = sent === undefined && refusedUnsent;
    if (cut.preflights.length > preflightsBefore) {
      const failed = sent === undefined && outcome.failedAt === 'preflight';
      const request = outcome.preflights[preflightsBefore] ?? cut.preflights[preflightsBefore];
      steps.push(step('preflight', hop, url, request ?? null, neverSent ? null : preflightAnswer(scenario, hop), failed ? outcome : null));
      preflightsBefore = cut.preflights.length;
      if (failed) return steps;
    }
    if (sent === undefined) {
      if (neverSent) steps.push(step('request', hop, url, { method: outcome.context?.method ?? scenario.request.method, headers: [] }, null, outcome));
      return steps;
    }
    leftPage ||= originOf(url) !== pageOrigin;
    const isLastReached = !outcome.ok && !refusedUnsent && outcome.failedAt !== 'preflight' && hop === outcome.requests.length - 1;
    // At the last hop reached, the CORS check failed unless the chain cut there passes (then the redirect step failed).
    const checkFailed = isLastReached && (outcome.failedAt === 'response' || !cut.ok);
    const answer = answerAt(scenario, hop);
    const request = step('request', hop, url, sent, answer, checkFailed ? outcome : null);
    steps.push(leftPage || checkFailed ? request : { ...request, state: 'no-check' });
    if (checkFailed || hop === hops - 1) return steps;
    const next = outcome.requests[hop + 1]?.url ?? null;
    const redirect = step('redirect', hop, url, null, null, isLastReached ? outcome : null);
    steps.push({ ...redirect, to: next ?? locationOf(answer, url) });
    if (isLastReached) return steps;
  }
  return steps;
}

/** Where a redirect points: its Location resolved against the URL it answered (as written when it does not resolve). */
function locationOf(answer: ScenarioResponse, url: string): string | null {
  const location = get(answer.headers, 'location');
  if (location === null) return null;
  try {
    return new URL(location, url).href;
  } catch {
    return location;
  }
}

function step(kind: TraceStep['kind'], hop: number, url: string, sent: TraceStep['sent'], answer: ScenarioResponse | null, failedWith: BrowserOutcome | null): TraceStep {
  return {
    kind,
    hop,
    url,
    sent: sent === null ? null : { method: sent.method, headers: sent.headers },
    answer,
    state: failedWith === null ? 'passed' : 'failed',
    reasonId: failedWith?.reasonId ?? null,
    to: null,
  };
}

/** Each browser's trace, and the browsers that walk alike grouped (in the verdict's order). */
export function traces(scenario: Scenario): Traces {
  const chromium = traceIn('chromium', scenario);
  const firefox = traceIn('firefox', scenario);
  const webkit = traceIn('webkit', scenario);
  const all: Record<BrowserName, TraceStep[]> = { chromium, firefox, webkit };
  const groups: Array<TraceGroup & { key: string }> = [];
  for (const browser of BROWSER_NAMES) {
    const key = JSON.stringify(all[browser]);
    const group = groups.find((g) => g.key === key);
    if (group === undefined) groups.push({ key, browsers: [browser], steps: all[browser] });
    else group.browsers.push(browser);
  }
  return { chromium, firefox, webkit, same: groups.length === 1, groups: groups.map(({ browsers, steps }) => ({ browsers, steps })) };
}
