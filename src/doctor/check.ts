/**
 * `check`: replay what the browser does against a live URL and run the
 * engine on what came back. Every CORS rule stays in the engine; this file
 * only sends requests and collects responses.
 */
import { REDIRECT_LIMIT, evaluate, evaluateIn } from '../engine/evaluate.js';
import { normalizeMethod } from '../engine/safelist.js';
import { get } from '../engine/headers.js';
import { isRedirectStatus } from '../engine/status.js';
import type { Scenario, ScenarioRequest, ScenarioResponse, Verdict } from '../engine/types.js';
import type { Exchange } from './exchange.js';
import type { CookieFinding } from './cookies.js';
import { checkCookies } from './cookies.js';
import type { LayerFindings } from './layers.js';
import { layerFindings } from './layers.js';
import type { RecipeInput } from './recipes.js';
import { RecipeInputError, recipe, recipesFor } from './recipes.js';
import { NetworkFailure, send } from './exchange.js';

/** The doctor's report: the engine's verdict and every exchange it is based on. */
export interface CheckReport {
  verdict: Verdict;
  scenario: Scenario;
  exchanges: Exchange[];
  /** Which layer answered each exchange, and what that says. */
  layers: LayerFindings;
  /** For credentialed requests: what browsers will do with the response's cookies. */
  cookies: CookieFinding[];
}

/** Options of {@link check}. */
export interface CheckOptions {
  timeoutMs?: number;
  insecure?: boolean;
}

const PLACEHOLDER: ScenarioResponse = { status: 204, headers: [] };

/**
 * Send the preflight the browser would send (when it would send one), then
 * the request itself with Origin, following redirects hop by hop, and
 * evaluate. Throws {@link NetworkFailure} when a request does not complete.
 */
export async function check(request: ScenarioRequest, options: CheckOptions = {}): Promise<CheckReport> {
  const io = { timeoutMs: options.timeoutMs ?? 10_000, insecure: options.insecure ?? false };
  const exchanges: Exchange[] = [];
  // What the browser would send first: the engine knows (Chromium's view; Firefox sends the same for all but a few headers).
  const planned = evaluateIn('chromium', { request, preflight: PLACEHOLDER, response: PLACEHOLDER }).preflights[0];
  let preflight: ScenarioResponse | null = null;
  if (planned) {
    const headers = planned.headers.map(([n, v]) => [n, v] as [string, string]);
    const ex = await send({ url: request.url, method: 'OPTIONS', headers: [...headers, ['Accept', '*/*']] }, io);
    exchanges.push(ex);
    preflight = { status: ex.status, headers: ex.headers };
  }
  // The request itself, hop by hop (a failed preflight stops a browser; the
  // doctor still looks, to report the whole picture). Before each redirect
  // target, the preflight the browser sends there, if it sends one: the
  // engine says, from the hops so far. The engine decides what a non-http
  // Location or a 21st redirect means; the doctor only stops following
  // there, with a placeholder final response the engine never reads.
  const redirects: ScenarioResponse[] = [];
  const redirectPreflights: Array<ScenarioResponse | null> = [];
  const method = normalizeMethod(request.method);
  let url = request.url;
  let response: ScenarioResponse = PLACEHOLDER;
  for (;;) {
    if (redirects.length > 0 && preflight !== null) {
      const sent = evaluateIn('chromium', { request, preflight, redirects, redirectPreflights, response: PLACEHOLDER }).preflights;
      const planned = sent.length > 1 + redirectPreflights.filter((p) => p !== null).length ? sent[sent.length - 1] : undefined;
      if (planned) {
        const ex = await send({ url, method: 'OPTIONS', headers: [...planned.headers.map(([n, v]) => [n, v] as [string, string]), ['Accept', '*/*']] }, io);
        exchanges.push(ex);
        redirectPreflights.push({ status: ex.status, headers: ex.headers });
      } else {
        redirectPreflights.push(null);
      }
    }
    const ex = await send({ url, method, headers: [['Origin', request.origin], ...request.headers] }, io);
    exchanges.push(ex);
    const location = get(ex.headers, 'location');
    if (!isRedirectStatus(ex.status) || location === null) {
      response = { status: ex.status, headers: ex.headers };
      break;
    }
    redirects.push({ status: ex.status, headers: ex.headers });
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      break;
    }
    if ((next.protocol !== 'http:' && next.protocol !== 'https:') || redirects.length > REDIRECT_LIMIT) break;
    url = next.href;
  }
  const scenario: Scenario = { request, preflight, response };
  if (redirects.length > 0) scenario.redirects = redirects;
  if (redirectPreflights.some((p) => p !== null)) scenario.redirectPreflights = redirectPreflights;
  const cookies = request.credentials === 'include' ? checkCookies(response.headers, request.origin, url) : [];
  return { verdict: evaluate(scenario), scenario, exchanges, layers: layerFindings(exchanges), cookies };
}

export { NetworkFailure };

/** Whether two verdicts reach the same outcome (pass, or the same reason) in each browser. */
export function sameOutcome(a: Verdict | null, b: Verdict | null): boolean {
  if (a === null || b === null) return a === b;
  return a.browsers.chromium.reasonId === b.browsers.chromium.reasonId && a.browsers.firefox.reasonId === b.browsers.firefox.reasonId;
}

/**
 * For a scenario judged without credentials because nothing said otherwise
 * (no --credentials, no Cookie in a copied command): the verdict with
 * credentials included, when it differs. The request most often blocked in
 * practice is the credentialed one, and a copied request does not show it.
 */
export function credentialedAlternative(scenario: Scenario, verdict: Verdict): Verdict | null {
  if (scenario.request.credentials !== 'same-origin') return null;
  const alternative = evaluate({ ...scenario, request: { ...scenario.request, credentials: 'include' } });
  return sameOutcome(verdict, alternative) ? null : alternative;
}

/** A rendered fix recipe. */
export interface RenderedRecipe {
  id: string;
  title: string;
  language: string;
  snippet: string;
}

/**
 * The fix recipes for a report: the stack asked for, else those matching the
 * layers that answered, each rendered for this request (its origin, method,
 * headers and credentials). Recipes that cannot express the request (S3 has
 * no PATCH) are left out.
 */
export function recipesForReport(report: Pick<CheckReport, 'scenario' | 'verdict' | 'layers'>, stack?: string): RenderedRecipe[] {
  const request = report.scenario.request;
  const acrh = report.verdict.browsers.chromium.preflights[0]?.headers.find(([n]) => n === 'Access-Control-Request-Headers')?.[1];
  const wanted = acrh ? acrh.split(',') : [];
  const allowedHeaders = wanted.map((lower) => request.headers.find(([n]) => n.toLowerCase() === lower)?.[0] ?? lower);
  const input: RecipeInput = {
    origins: [request.origin],
    credentials: request.credentials === 'include',
    methods: [normalizeMethod(request.method)],
    allowedHeaders,
    exposedHeaders: [],
    maxAge: null,
  };
  const layerNames = report.layers.perExchange.flat().map((l) => l.name);
  const chosen = stack !== undefined ? [recipe(stack)] : recipesFor(layerNames);
  const out: RenderedRecipe[] = [];
  for (const r of chosen) {
    try {
      out.push({ id: r.id, title: r.title, language: r.language, snippet: r.render(input) });
    } catch (error) {
      if (!(error instanceof RecipeInputError)) throw error;
    }
  }
  return out;
}
