/**
 * What both browsers read of a scenario, each part computed once per
 * evaluation: the request as the page builds it, the CORS headers of each
 * response, the URL each redirect points at, and the readable header names
 * of the final response. Chromium and Firefox walk the same redirect chain
 * (the URLs do not depend on the browser), so what one browser computes for
 * a hop, the other reuses.
 */
import { LocalNetwork } from './address-space.js';
import { CorsResponseHeaders, corsPreflightRequest, exposedHeaderNames } from './cors.js';
import type { BrowserRequest } from './request.js';
import { ScenarioError, prepareRequest } from './request.js';
import type { PreflightRequest, Scenario, ScenarioResponse } from './types.js';
import type { ParsedUrl } from './url.js';
import { resolveUrl } from './url.js';

/**
 * What both browsers read of a scenario (see above). The fields are declared
 * and set in the constructor: V8 sets fields several times faster than it
 * defines class fields.
 */
export class Exchange {
  declare readonly scenario: Scenario;
  /** The request as the browser builds it (before any redirect). */
  declare readonly request: BrowserRequest;
  declare readonly credentialsIncluded: boolean;
  /** Whether the request's URL is of another origin than the page's (Fetch's response tainting starts as "cors"). */
  declare readonly crossOrigin: boolean;
  /** How many responses the chain has: the redirects, then the final response. */
  declare readonly hopCount: number;
  /** The address spaces of the page and of each hop (Local Network Access), or `null` when the scenario gives none. */
  declare readonly localNetwork: LocalNetwork | null;
  // Allocated on first use: most requests are not preflighted, most are not redirected.
  private declare firstResponse: CorsResponseHeaders | null;
  private declare responses: Array<CorsResponseHeaders | undefined> | null;
  private declare firstPreflightResponse: CorsResponseHeaders | null;
  private declare preflightResponses: Array<CorsResponseHeaders | undefined> | null;
  private declare redirectTargets: Array<ParsedUrl | undefined> | null;
  // The last CORS-preflight request built, with what it was built from: the other browser usually sends the same.
  private declare lastPreflight: PreflightRequest | null;
  private declare lastPreflightMethod: string;
  private declare lastPreflightOrigin: string;
  private declare lastPreflightNames: string[];
  private declare exposureKey: number;
  private declare exposure: string[] | null;

  constructor(scenario: Scenario) {
    this.scenario = scenario;
    const request = (this.request = prepareRequest(scenario.request));
    this.credentialsIncluded = request.credentials === 'include';
    this.crossOrigin = request.url.origin !== request.origin;
    this.hopCount = scenario.redirects === undefined ? 1 : scenario.redirects.length + 1;
    const spaces = scenario.request.addressSpace;
    this.localNetwork = spaces === undefined ? null : new LocalNetwork(spaces, request.origin, scenario.request.localNetworkAccess);
    this.firstResponse = null;
    this.responses = null;
    this.firstPreflightResponse = null;
    this.preflightResponses = null;
    this.redirectTargets = null;
    this.lastPreflight = null;
    this.lastPreflightMethod = '';
    this.lastPreflightOrigin = '';
    this.lastPreflightNames = NO_NAMES;
    this.exposureKey = -1;
    this.exposure = null;
  }

  /** The response to hop `hop`: a redirect, or the final response for the last hop. */
  response(hop: number): CorsResponseHeaders {
    if (hop === 0) return (this.firstResponse ??= new CorsResponseHeaders(this.responseAt(0)));
    const responses = (this.responses ??= []);
    return (responses[hop] ??= new CorsResponseHeaders(this.responseAt(hop)));
  }

  private responseAt(hop: number): ScenarioResponse {
    const { scenario } = this;
    return hop === this.hopCount - 1 ? scenario.response : (scenario.redirects as ScenarioResponse[])[hop] as ScenarioResponse;
  }

  /** The answer to the CORS-preflight request of hop `hop` (a redirect target without its own answer gets `preflight`'s). */
  preflightResponse(hop: number): CorsResponseHeaders {
    if (hop === 0) return (this.firstPreflightResponse ??= this.readPreflightResponse(0));
    const preflightResponses = (this.preflightResponses ??= []);
    return (preflightResponses[hop] ??= this.readPreflightResponse(hop));
  }

  private readPreflightResponse(hop: number): CorsResponseHeaders {
    const { scenario } = this;
    const answer = hop === 0 ? scenario.preflight : (scenario.redirectPreflights?.[hop - 1] ?? scenario.preflight);
    if (answer === null) throw new ScenarioError('preflight', 'the request needs a CORS preflight, but no preflight response is given');
    return new CorsResponseHeaders(answer);
  }

  /**
   * The CORS-preflight request for `method`, `origin` and `unsafeNames`: the
   * one built last when it was built from the same (both browsers then
   * report the same object, as the verdict's `preflight.request` already
   * shares the lead browser's).
   */
  preflightRequest(method: string, origin: string, unsafeNames: string[]): PreflightRequest {
    const last = this.lastPreflight;
    if (last !== null && this.lastPreflightMethod === method && this.lastPreflightOrigin === origin && sameNames(this.lastPreflightNames, unsafeNames)) return last;
    this.lastPreflightMethod = method;
    this.lastPreflightOrigin = origin;
    this.lastPreflightNames = unsafeNames;
    return (this.lastPreflight = corsPreflightRequest(method, origin, unsafeNames));
  }

  /** The URL redirect `hop` points at: its Location resolved against `current`, the URL it answered. */
  redirectTarget(hop: number, current: ParsedUrl): ParsedUrl {
    const redirectTargets = (this.redirectTargets ??= []);
    let target = redirectTargets[hop];
    if (target === undefined) {
      const location = this.response(hop).location;
      if (location === null) throw new ScenarioError(`redirects[${hop}]`, 'a redirect needs a Location header');
      const resolved = resolveUrl(location, current);
      if (resolved === null) throw new ScenarioError(`redirects[${hop}]`, `Location '${location}' is not a valid URL`);
      target = redirectTargets[hop] = resolved;
    }
    return target;
  }

  /** The final response's readable header names (Fetch "CORS filtered response" when `corsFiltered`). */
  exposedHeaders(corsFiltered: boolean): string[] {
    const key = corsFiltered ? 1 : 0;
    if (this.exposure === null || this.exposureKey !== key) {
      this.exposureKey = key;
      this.exposure = exposedHeaderNames(this.response(this.hopCount - 1), this.credentialsIncluded, corsFiltered);
    }
    return this.exposure;
  }
}

const NO_NAMES: string[] = [];

function sameNames(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
