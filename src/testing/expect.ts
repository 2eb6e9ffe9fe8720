/**
 * The expectations: a page at an origin makes a request, corsproof plays the
 * browser against the target (the preflight when one is needed, the
 * request, redirects hop by hop; see the doctor's `replay`), judges the
 * answers with the engine, and each assertion resolves to the verdict or
 * rejects with a `node:assert` AssertionError whose message is the doctor's
 * report: the exchanges, each browser's console line, the layer that
 * answered and the fix for the detected stack.
 */
import { AssertionError } from 'node:assert';
import type { Exchange } from '../doctor/exchange.js';
import { recipesToShow } from '../doctor/fixes.js';
import type { LayerFindings } from '../doctor/layers.js';
import { layerFindings } from '../doctor/layers.js';
import { PLACEHOLDER, replay } from '../doctor/replay.js';
import { renderExchanges, renderRecipes, renderVerdict } from '../doctor/text.js';
import { BROWSER_NAMES } from '../engine/browsers.js';
import { evaluate } from '../engine/evaluate.js';
import { REASONS } from '../engine/reasons.js';
import type { BrowserName, Scenario, Verdict } from '../engine/types.js';
import { validateScenario } from '../engine/validate.js';
import type { EventSourceInit, FetchInit, PageRequest, XhrInit } from './client.js';
import { eventSourceRequest, fetchRequest, xhrRequest } from './client.js';
import type { Transport } from './targets.js';

/** Every engine corsproof models, in report order. */
export const BROWSERS: readonly BrowserName[] = BROWSER_NAMES;

const DISPLAY: Record<BrowserName, string> = { chromium: 'Chromium', firefox: 'Firefox', webkit: 'WebKit' };

/** What one request came to. */
export interface CorsOutcome {
  /**
   * The verdict: every engine's report (`chromium`, `firefox`, `webkit`, `browsers`), with `ok`,
   * `failedAt`, `exposedHeaders` and `fix` covering the selected browsers (`covers`), as the assertions do.
   */
  verdict: Verdict;
  /** The scenario the exchanges make. */
  scenario: Scenario;
  /** Every request sent to the target and its answer, in order. */
  exchanges: Exchange[];
  /** Which layer answered each exchange. */
  layers: LayerFindings;
}

/** The browsers an expectation judges in. */
export interface Judging {
  browsers: readonly BrowserName[];
}

/** One request a page makes, waiting for its assertion. */
export class CorsRequestExpectation {
  readonly #transport: Transport;
  readonly #make: () => Promise<PageRequest>;
  readonly #browsers: readonly BrowserName[];
  #outcome: Promise<CorsOutcome> | undefined;

  /** @internal */
  constructor(transport: Transport, make: () => Promise<PageRequest>, judging: Judging) {
    this.#transport = transport;
    this.#make = make;
    this.#browsers = judging.browsers;
  }

  /** Play the request (once; later calls share the outcome) and judge it, without asserting anything. */
  run(): Promise<CorsOutcome> {
    this.#outcome ??= this.#play();
    return this.#outcome;
  }

  async #play(): Promise<CorsOutcome> {
    const { request, body } = await this.#make();
    // The same checks as a scenario file: a request a browser could not send is named by its field.
    const checked = validateScenario({ request, preflight: null, response: PLACEHOLDER }).request;
    const { scenario, exchanges } = await replay(checked, { send: this.#transport.send, ...(body !== undefined ? { body } : {}) });
    // The verdict covers the selected browsers (its ok, failedAt, exposedHeaders and fix); every browser is still reported.
    return { verdict: evaluate(scenario, { browsers: this.#browsers }), scenario, exchanges, layers: layerFindings(exchanges) };
  }

  /** Every selected browser lets the page read the response. */
  async toPass(): Promise<Verdict> {
    const outcome = await this.run();
    const blocking = this.#browsers.filter((b) => !outcome.verdict.browsers[b].ok);
    if (blocking.length > 0) fail(outcome, `to pass in ${names(this.#browsers)}, but ${names(blocking)} ${blocking.length > 1 ? 'block' : 'blocks'} it`);
    return outcome.verdict;
  }

  /**
   * Every selected browser blocks the request; with `reason`, for that
   * reason: a Firefox reason (`'CORSNotSupportingCredentials'`), a Chromium
   * CorsError or network error (`'WildcardOriginNotAllowed'`,
   * `'ERR_TOO_MANY_REDIRECTS'`) or a WebKit reason (corsproof's id for
   * WebKit's message, `'origin-not-allowed'`; `verdict.webkit.reason`),
   * checked in the browser that names it that way, or corsproof's reason id
   * (`'wildcard-with-credentials'`), checked in every selected browser.
   */
  async toBeBlocked(reason?: string): Promise<Verdict> {
    const expected = reason === undefined ? undefined : readReason(reason);
    const outcome = await this.run();
    const { verdict } = outcome;
    const passing = this.#browsers.filter((b) => verdict.browsers[b].ok);
    if (passing.length > 0) fail(outcome, `to be blocked in ${names(this.#browsers)}, but ${names(passing)} ${passing.length > 1 ? 'let' : 'lets'} the page read it`);
    if (expected === undefined) return verdict;
    const judged = this.#browsers.filter((b) => expected.browsers.includes(b));
    if (judged.length === 0) throw new TypeError(`'${reason}' is ${expected.vocabulary}; the selected browsers (${names(this.#browsers)}) do not report it.`);
    const wrong = judged.filter((b) => !expected.matches(verdict, b));
    if (wrong.length > 0) {
      const said = wrong.map((b) => `${DISPLAY[b]} reports ${reported(verdict, b)}`).join(', ');
      fail(outcome, `to be blocked with ${reason}, but ${said}`);
    }
    return verdict;
  }

  /** Every selected browser passes the request and lets script read each of these response headers. */
  async toExpose(headerNames: readonly string[]): Promise<Verdict> {
    const outcome = await this.toPass();
    const missing = this.#browsers.flatMap((b) =>
      headerNames.filter((n) => !outcome.browsers[b].exposedHeaders.includes(n.toLowerCase())).map((n) => `${DISPLAY[b]}: ${n}`),
    );
    if (missing.length > 0) {
      fail(await this.run(), `to expose ${headerNames.join(', ')}, but script cannot read ${missing.join('; ')} (Access-Control-Expose-Headers lists what it may read)`);
    }
    return outcome;
  }

  /** Every selected browser passes the request after a preflight, and reuses that preflight for at least `seconds` (after its own cap). */
  async toCachePreflightFor(seconds: number): Promise<Verdict> {
    if (!Number.isFinite(seconds) || seconds < 0) throw new TypeError(`toCachePreflightFor: seconds must be a number of seconds, not ${String(seconds)}`);
    const verdict = await this.toPass();
    const outcome = await this.run();
    if (!verdict.preflight.required) fail(outcome, `to cache its preflight for ${seconds} s, but the request needs no preflight`);
    const short = this.#browsers.filter((b) => (verdict.browsers[b].preflightMaxAge ?? 0) < seconds);
    if (short.length > 0) {
      const said = short.map((b) => `${DISPLAY[b]} ${verdict.browsers[b].preflightMaxAge ?? 0} s`).join(', ');
      fail(outcome, `to cache its preflight for at least ${seconds} s, but ${said} (Access-Control-Max-Age, after each browser's cap; Firefox never reuses an approval that rests on '*')`);
    }
    return verdict;
  }
}

/** A page at one origin. */
export class CorsPage {
  readonly #transport: Transport;
  readonly #origin: string;
  readonly #judging: Judging;

  /** @internal */
  constructor(transport: Transport, origin: string, judging: Judging) {
    this.#transport = transport;
    this.#origin = origin;
    this.#judging = judging;
  }

  /** `fetch(path, init)` from this page: `path` is resolved against the target's URL. */
  fetch(path: string, init?: FetchInit): CorsRequestExpectation {
    return this.#expect(() => fetchRequest(this.#url(path), this.#origin, init));
  }

  /** An `XMLHttpRequest` to `path` from this page. */
  xhr(path: string, init?: XhrInit): CorsRequestExpectation {
    return this.#expect(() => xhrRequest(this.#url(path), this.#origin, init));
  }

  /** An `EventSource` on `path` from this page. */
  eventSource(path: string, init?: EventSourceInit): CorsRequestExpectation {
    return this.#expect(async () => eventSourceRequest(this.#url(path), this.#origin, init));
  }

  #url(path: string): string {
    return new URL(path, this.#transport.base).href;
  }

  #expect(make: () => Promise<PageRequest>): CorsRequestExpectation {
    return new CorsRequestExpectation(this.#transport, make, this.#judging);
  }
}

/** Browser names as a sentence says them: `Chromium`, `Chromium and WebKit`, `Chromium, Firefox and WebKit`. */
function names(browsers: readonly BrowserName[]): string {
  const said = browsers.map((b) => DISPLAY[b]);
  return said.length < 3 ? said.join(' and ') : `${said.slice(0, -1).join(', ')} and ${said[said.length - 1] as string}`;
}

/** What a browser reported: its reason in its own words. */
function reported(verdict: Verdict, browser: BrowserName): string {
  if (browser === 'firefox') return verdict.firefox?.reason ?? 'no error';
  if (browser === 'webkit') return verdict.webkit?.reason ?? 'no error';
  return verdict.chromium?.corsError ?? (verdict.chromium?.netError ? `net::${verdict.chromium.netError}` : 'no error');
}

/** A reason as an assertion names it, and how to check it. */
interface ExpectedReason {
  vocabulary: string;
  browsers: readonly BrowserName[];
  matches: (verdict: Verdict, browser: BrowserName) => boolean;
}

/**
 * The browsers that report a reason as toBeBlocked takes it (every one for
 * corsproof's reason ids), or `null` when no browser reports it: for
 * checking a reason before anything is sent (`corsproof test`'s contracts).
 */
export function browsersReporting(name: string): readonly BrowserName[] | null {
  try {
    return readReason(name).browsers;
  } catch (error) {
    if (error instanceof TypeError) return null;
    throw error;
  }
}

/** Read a reason given to toBeBlocked: a corsproof reason id, a Firefox reason, a Chromium name, or a WebKit reason (corsproof's id for its message). */
function readReason(name: string): ExpectedReason {
  if (REASONS.some((r) => r.id === name)) {
    return { vocabulary: "corsproof's reason id", browsers: BROWSERS, matches: (v, b) => v.browsers[b].reasonId === name };
  }
  const bare = name.replace(/^net::/, '');
  if (REASONS.some((r) => r.firefox?.reason === name)) {
    return { vocabulary: 'a Firefox reason', browsers: ['firefox'], matches: (v) => v.firefox?.reason === name };
  }
  const chromiumNames = REASONS.flatMap((r) => (r.chromium ? [r.chromium.corsError, r.chromium.preflightCorsError, r.chromium.netError] : []));
  if (chromiumNames.includes(bare)) {
    return { vocabulary: 'a Chromium error', browsers: ['chromium'], matches: (v) => v.chromium?.corsError === bare || v.chromium?.netError === bare };
  }
  if (REASONS.some((r) => r.webkit?.id === name)) {
    return { vocabulary: 'a WebKit reason', browsers: ['webkit'], matches: (v) => v.webkit?.reason === name };
  }
  const known = [...new Set(REASONS.flatMap((r) => [r.firefox?.reason, r.chromium?.corsError, r.webkit?.id].filter((x): x is string => typeof x === 'string')))];
  throw new TypeError(`toBeBlocked: '${name}' is not a reason a browser reports. Known: ${known.join(', ')} (or corsproof's ids: ${REASONS.map((r) => r.id).join(', ')}).`);
}

/** The doctor's report of an outcome: the exchanges, the verdict with each browser's console lines and fix, the detected stack's recipe. */
export function reportText(outcome: CorsOutcome): string {
  const { scenario, verdict, exchanges, layers } = outcome;
  const sent = exchanges.length > 0 ? renderExchanges(exchanges, layers) : '(nothing was sent)';
  const recipes = renderRecipes(recipesToShow(outcome).slice(0, 1), '(detected from the layers that answered)', '    ');
  return `${sent}\n\n${renderVerdict(scenario, verdict)}${recipes}\n`;
}

/**
 * Reject with the doctor's report. The operator is 'fail', as `assert.fail(message)` has it:
 * there is no actual and expected value to compare, and Jest prints a node:assert error with
 * any other operator as "Expected value ... Received: undefined" with an empty diff.
 */
function fail(outcome: CorsOutcome, what: string): never {
  const request = outcome.scenario.request;
  const head = `corsproof: expected ${request.method ?? 'GET'} ${request.url} from ${request.origin} ${what}.`;
  throw new AssertionError({ message: `${head}\n\n${reportText(outcome)}`, operator: 'fail' });
}
