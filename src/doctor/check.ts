/**
 * `check`: replay what the browser does against a live URL and run the
 * engine on what came back. Every CORS rule stays in the engine; this file
 * only sends requests and collects responses.
 */
import { evaluate } from '../engine/evaluate.js';
import { isNoCorsSafelistedRequestHeader, normalizeMethod } from '../engine/safelist.js';
import { contains } from '../engine/headers.js';
import type { BrowserName, HeaderList, Scenario, ScenarioRequest, Verdict } from '../engine/types.js';
import type { Exchange } from './exchange.js';
import type { CookieFinding } from './cookies.js';
import { checkCookies } from './cookies.js';
import type { ExposureFinding } from './exposure.js';
import { PROBE_ORIGIN, noOriginFindings, noOriginRevalidation, probeFindings, responseFindings } from './exposure.js';
import type { LayerFindings } from './layers.js';
import { layerFindings } from './layers.js';
import { NetworkFailure, send } from './exchange.js';
import { PLACEHOLDER, plannedPreflight, replay } from './replay.js';

/** The doctor's report: the engine's verdict and every exchange it is based on. */
export interface CheckReport {
  verdict: Verdict;
  scenario: Scenario;
  exchanges: Exchange[];
  /** Which layer answered each exchange, and what that says. */
  layers: LayerFindings;
  /** For credentialed requests: what browsers will do with the response's cookies. */
  cookies: CookieFinding[];
  /** What the CORS headers expose to other sites (any origin reflected, Vary: Origin missing, ...). */
  exposure: ExposureFinding[];
  /** The request sent from a foreign origin to see whether the server reflects any Origin, or `null` when none was sent. */
  probe: Exchange | null;
  /**
   * The page's GET or HEAD sent again without Origin, credentials or script's
   * own headers (as an `<img>` or a `<script>` requests the URL), to see what
   * a cache may later hand to the page's request; `null` when none was sent.
   */
  noOrigin: Exchange | null;
  /**
   * The page's request again with the conditional headers a cache adds to
   * revalidate the answer without Origin (`If-None-Match`,
   * `If-Modified-Since`), sent only when a finding depends on it; else `null`.
   */
  revalidation: Exchange | null;
  /**
   * Only for a `mode: 'no-cors'` request (`request.mode`): the same request
   * sent again in mode `cors` (script's headers all kept, the preflight when
   * one is needed), with its full report: what the server really answers to
   * the request that can read the response, the real fix. The outer report is
   * then the no-cors one (its verdict `opaque` when the request left the
   * page's origin), with no probe, exposure or cookie findings (the cors
   * report has them). Absent in mode `cors`.
   */
  cors?: CheckReport;
}

/** Options of {@link check}. */
export interface CheckOptions {
  timeoutMs?: number;
  insecure?: boolean;
  /**
   * What the browser adds itself to a credentialed request, e.g. the copied
   * `Cookie` line: sent on the actual requests to the first URL's host when
   * the request includes credentials, never on a preflight (browsers send
   * none there).
   */
  credentialHeaders?: HeaderList;
  /**
   * Send the extra requests: one from {@link PROBE_ORIGIN}, to see whether
   * the server allows any origin, and, when the page's GET or HEAD passes, the
   * same request without Origin (plus, when it matters, its revalidation) to
   * see what a cache may hand to it (default true). None has side effects: a
   * preflight, or the same GET or HEAD without credentials.
   */
  probe?: boolean;
  /**
   * The browsers the verdict covers (its `ok`, `failedAt`, fix): Chromium,
   * Firefox and WebKit by default, as `evaluate()`'s `browsers` option. Each
   * browser is still walked and reported.
   */
  browsers?: readonly BrowserName[];
}


/**
 * Do what the browser does, and no more, against a live URL (see
 * `replay`): the preflight when the browser sends one (for the first URL
 * and for each redirect target), then the request as the browser sends it
 * on that hop; where the browser stops, the doctor stops too, so a request
 * the browser would never send (a DELETE after its preflight failed) is
 * never sent. Then evaluate, and look at what the answers expose.
 * With `request.mode: 'no-cors'` it sends what a no-cors fetch() sends and
 * judges that (an opaque verdict), then checks the same request in mode
 * `cors` too ({@link CheckReport.cors}): the opaque answer is no fix, what
 * the server answers in mode cors is what matters. A method other than GET,
 * HEAD or POST with no-cors is refused by the engine (`ScenarioError`).
 * Throws {@link NetworkFailure} when a request does not complete.
 */
export async function check(request: ScenarioRequest, options: CheckOptions = {}): Promise<CheckReport> {
  if (request.mode !== 'no-cors') return checkInMode(request, options);
  // Mode no-cors: what the browser sends then (the engine plans it: no preflight, no-CORS-safelisted headers only,
  // Origin only on a POST), judged (an opaque verdict), then the same request in mode cors: what reading it needs.
  const opaque = await checkInMode(request, { ...options, probe: false });
  const corsRequest: ScenarioRequest = { ...request };
  delete corsRequest.mode;
  return { ...opaque, cors: await checkInMode(corsRequest, options) };
}

/** {@link check} of a request in the mode it names, without the mode cors companion. */
async function checkInMode(request: ScenarioRequest, options: CheckOptions): Promise<CheckReport> {
  const io: Io = { timeoutMs: options.timeoutMs ?? 10_000, insecure: options.insecure ?? false };
  const noCors = request.mode === 'no-cors';
  const { scenario, exchanges } = await replay(request, { send: (req) => send(req, io), credentialHeaders: options.credentialHeaders ?? [] });
  const response = scenario.response;
  const last = exchanges[exchanges.length - 1];
  const finalUrl = last?.request.url ?? request.url;
  const cookies = request.credentials === 'include' && !noCors ? checkCookies(response.headers, request.origin, finalUrl) : [];
  const reached = response !== PLACEHOLDER;
  const verdict = evaluate(scenario, options.browsers === undefined ? undefined : { browsers: options.browsers });
  const exposure =
    reached && last !== undefined && !noCors
      ? responseFindings(
          { method: last.request.method, authorization: contains(last.request.headers, 'authorization'), status: response.status, headers: response.headers },
          request.origin,
          request.credentials === 'include',
        )
      : [];
  const extras = reached && options.probe !== false ? await sendExtras(scenario, verdict, last, io) : NO_EXTRAS;
  exposure.unshift(...extras.probeFindings);
  exposure.push(...extras.cacheFindings);
  const { probe, noOrigin, revalidation } = extras;
  return { verdict, scenario, exchanges, layers: layerFindings(exchanges), cookies, exposure, probe, noOrigin, revalidation };
}

/** How each request is sent. */
interface Io {
  timeoutMs: number;
  insecure: boolean;
}

/** The extra requests' exchanges and their findings. */
interface Extras {
  probe: Exchange | null;
  noOrigin: Exchange | null;
  revalidation: Exchange | null;
  /** What the foreign-origin probe's answer shows. */
  probeFindings: ExposureFinding[];
  /** What a cache may hand to the page's request. */
  cacheFindings: ExposureFinding[];
}

const NO_EXTRAS: Extras = { probe: null, noOrigin: null, revalidation: null, probeFindings: [], cacheFindings: [] };

/**
 * The extra requests, once the page's request got its response: the probe
 * from a foreign origin, and, when the page's GET or HEAD passes, what a
 * cache may hand to it: the same request as an `<img>` or a `<script>`
 * sends it (and its revalidation, when a finding depends on it).
 */
async function sendExtras(scenario: Scenario, verdict: Verdict, last: Exchange | undefined, io: Io): Promise<Extras> {
  const { request } = scenario;
  const out: Extras = { ...NO_EXTRAS, probe: await sendProbe(request, io) };
  if (out.probe !== null) out.probeFindings = probeFindings({ method: out.probe.request.method, url: out.probe.request.url, headers: out.probe.headers });
  if (last === undefined || !verdict.ok || !isSafe(request.method) || !isSafe(last.request.method)) return out;
  out.noOrigin = await sendOrNull({ url: last.request.url, method: last.request.method, headers: noCorsHeaders(request.headers) }, io);
  if (out.noOrigin === null) return out;
  const answer = { method: out.noOrigin.request.method, url: out.noOrigin.request.url, status: out.noOrigin.status, headers: out.noOrigin.headers };
  const conditional = noOriginRevalidation(scenario, answer);
  if (conditional !== null) out.revalidation = await sendOrNull({ ...last.request, headers: [...last.request.headers, ...conditional] }, io);
  out.cacheFindings = noOriginFindings(scenario, answer, out.revalidation);
  return out;
}

/** GET or HEAD: what the doctor may send again without side effects. */
function isSafe(method: string): boolean {
  const m = normalizeMethod(method);
  return m === 'GET' || m === 'HEAD';
}

/** The headers of a no-cors load of the URL: script's no-CORS-safelisted ones (nothing else an <img> could carry), and Accept (any type) unless script set it. */
function noCorsHeaders(headers: HeaderList): HeaderList {
  const kept = headers.filter(([n, v]) => isNoCorsSafelistedRequestHeader(n, v));
  return contains(kept, 'accept') ? kept : [...kept, ['Accept', '*/*']];
}

/** Send a request the report can do without: `null` when it does not complete. */
async function sendOrNull(req: Parameters<typeof send>[0], io: { timeoutMs: number; insecure: boolean }): Promise<Exchange | null> {
  try {
    return await send(req, io);
  } catch (error) {
    if (error instanceof NetworkFailure) return null;
    throw error;
  }
}

/**
 * The probe from a foreign origin, with no side effects: the preflight the
 * browser would send from there, or for a simple GET or HEAD the same
 * request (without credentials); a simple POST is probed with a preflight
 * too. `null` when it does not complete.
 */
async function sendProbe(request: ScenarioRequest, io: { timeoutMs: number; insecure: boolean }): Promise<Exchange | null> {
  const foreign: ScenarioRequest = { ...request, origin: PROBE_ORIGIN };
  const method = normalizeMethod(request.method);
  const preflight = plannedPreflight(foreign);
  const sent =
    preflight !== null
      ? { url: request.url, method: 'OPTIONS', headers: preflight }
      : method === 'GET' || method === 'HEAD'
        ? { url: request.url, method, headers: [['Origin', PROBE_ORIGIN], ...request.headers] as HeaderList }
        : { url: request.url, method: 'OPTIONS', headers: [['Origin', PROBE_ORIGIN], ['Access-Control-Request-Method', method], ['Accept', '*/*']] as HeaderList };
  return sendOrNull(sent, io);
}

export { NetworkFailure };

/**
 * For a scenario judged without credentials because nothing said otherwise
 * (no --credentials, no Cookie in a copied command): the verdict with
 * credentials included, when it differs. The request most often blocked in
 * practice is the credentialed one, and a copied request does not show it.
 * The alternative covers the browsers `verdict` covers, and is given when
 * one of those reaches another outcome (pass, or another reason).
 */
export function credentialedAlternative(scenario: Scenario, verdict: Verdict): Verdict | null {
  if (scenario.request.credentials !== 'same-origin') return null;
  const alternative = evaluate({ ...scenario, request: { ...scenario.request, credentials: 'include' } }, { browsers: verdict.covers });
  return verdict.covers.every((b) => verdict.browsers[b].reasonId === alternative.browsers[b].reasonId) ? null : alternative;
}
