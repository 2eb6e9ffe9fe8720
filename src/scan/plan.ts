/**
 * What the scanner sends for one route, and nothing more: the requests the
 * browser would send from each origin (the legit ones, each probe origin of
 * the probe table, none at all), with no side effects unless allowed. The
 * engine plans each preflight (its Access-Control-Request-Method and
 * -Headers), as it does for the doctor; this file only lists requests.
 *
 * Per route: a request without Origin (as an `<img>` sends it: what a
 * cache may store; sent first, see {@link noOriginRequest}); the actual request from each legit origin, with the
 * user's credentials; the same from each probe origin; for a route whose
 * requests are preflighted, each of those origins' preflight too; and one
 * preflight from a legit origin asking for an invented method and header
 * (a server that echoes them back allows whatever it is asked for).
 */
import { normalizeMethod } from '../engine/safelist.js';
import type { HeaderList, ScenarioRequest } from '../engine/types.js';
import type { OutgoingRequest } from '../doctor/exchange.js';
import { evaluateIn } from '../engine/evaluate.js';
import { PLACEHOLDER, plannedPreflight, preflightWireHeaders } from '../doctor/replay.js';
import type { Probe } from '../policy/probes.js';
import { probesFor } from '../policy/probes.js';
import type { ScanTarget } from './types.js';

/** The invented method and header of the over-permissive-preflight probe: no server allows them on purpose. */
export const INVENTED_METHOD = 'XPROBE';
export const INVENTED_HEADER = 'X-Corsproof-Probe';

/** What a request of the plan is for. */
export type Role = 'legit' | 'probe' | 'invented';

/** One request of a route's plan. */
export interface PlannedRequest {
  role: Role;
  /** The Origin it carries (`null`: none). */
  origin: string | null;
  /** The probe it sends (role `probe`). */
  probe: Probe | null;
  /** A preflight (OPTIONS), or the actual request. */
  preflight: boolean;
  request: OutgoingRequest;
}

/** How the user's pages call the API: their credentials and the headers their script adds. */
export interface ScanAuth {
  /** Sent by the browser itself on credentialed requests (`--cookie`): never on a preflight. */
  credentialHeaders: HeaderList;
  /** Set by the pages' script (`--bearer`, `-H`): on actual requests, and announced in preflights. */
  scriptHeaders: HeaderList;
  /** Methods the scanner may send as they are (default GET and HEAD): any other is probed with its preflight and a GET. */
  methods: readonly string[];
}

/** A route's plan: the requests, and the request the pages make (what the engine judges). */
export interface RoutePlan {
  target: ScanTarget;
  /** The origins the probes were derived from. */
  legitOrigins: string[];
  /** The pages' request, from the first legit origin, with credentials. */
  pageRequest: ScenarioRequest;
  /** Whether the pages' request is preflighted (then every origin's preflight is sent). */
  preflighted: boolean;
  /** The method actually sent: the route's, or GET when the route's may change state and `--methods` does not allow it. */
  sentMethod: string;
  requests: PlannedRequest[];
}

/** The route's request from `origin`, as the pages make it (credentials included). */
export function pageRequest(target: ScanTarget, auth: ScanAuth, origin: string): ScenarioRequest {
  return { url: target.url, origin, method: target.method, headers: [...target.headers, ...auth.scriptHeaders], credentials: 'include' };
}

/** `headers` with the value of its Origin line replaced by `origin` (a preflight planned once, sent from each origin). */
function withOriginLine(headers: HeaderList, origin: string): HeaderList {
  return headers.map(([n, v]): [string, string] => [n, n === 'Origin' ? origin : v]);
}

/** The origin of a URL, the legit origin when nothing else is known (its probes are derived from the API's own host). */
export function ownOrigin(url: string): string {
  return new URL(url).origin;
}

/**
 * The preflight Firefox or WebKit sends where Chromium sends none (client
 * hints such as DPR, which Chromium safelists), so that every browser's
 * verdict has the answer it needs; `null` when none of them preflights.
 */
function preflightOfOthers(request: ScenarioRequest): HeaderList | null {
  for (const browser of ['firefox', 'webkit'] as const) {
    const first = evaluateIn(browser, { request, preflight: PLACEHOLDER, response: PLACEHOLDER }).preflights[0];
    if (first !== undefined) return preflightWireHeaders(first);
  }
  return null;
}

/**
 * The plan for one route, from these legit origins (at least one: without
 * any, the API's own origin, whose probes are derived from its host).
 */
export function planRoute(target: ScanTarget, legitOrigins: readonly string[], auth: ScanAuth): RoutePlan {
  const legit = legitOrigins.length > 0 ? [...legitOrigins] : [ownOrigin(target.url)];
  const method = normalizeMethod(target.method);
  const sentMethod = auth.methods.includes(method) ? method : 'GET';
  const page = pageRequest(target, auth, legit[0] as string);
  // Planned once: from another origin, only the preflight's Origin line differs.
  const pagePreflight = plannedPreflight(page) ?? preflightOfOthers(page);
  const preflighted = pagePreflight !== null;
  const requests: PlannedRequest[] = [];
  const actual = (origin: string): OutgoingRequest => ({
    url: target.url,
    method: sentMethod,
    headers: [['Origin', origin], ...(sentMethod === method ? page.headers : withoutBodyHeaders(page.headers)), ...auth.credentialHeaders],
  });
  const preflight = (origin: string): OutgoingRequest => ({
    url: target.url,
    method: 'OPTIONS',
    headers: withOriginLine(pagePreflight ?? [], origin),
  });
  const add = (role: Role, origin: string, probe: Probe | null): void => {
    if (preflighted) requests.push({ role, origin, probe, preflight: true, request: preflight(origin) });
    requests.push({ role, origin, probe, preflight: false, request: actual(origin) });
  };
  for (const origin of legit) add('legit', origin, null);
  for (const probe of probesFor(legit)) add('probe', probe.origin, probe);
  requests.push({ role: 'invented', origin: legit[0] as string, probe: null, preflight: true, request: inventedPreflight(target.url, legit[0] as string) });
  return { target, legitOrigins: legit, pageRequest: page, preflighted, sentMethod, requests };
}

/**
 * The route's URL requested without Origin, credentials or script's
 * headers, as an `<img>` or a server-side fetch requests it: what a cache
 * may store and hand to a page's request. Sent first: a static
 * Access-Control-Allow-Origin in its answer names a legit origin.
 */
export function noOriginRequest(target: ScanTarget): OutgoingRequest {
  return { url: target.url, method: normalizeMethod(target.method) === 'HEAD' ? 'HEAD' : 'GET', headers: [['Accept', '*/*']] };
}

/** A preflight asking for the invented method and header. */
function inventedPreflight(url: string, origin: string): OutgoingRequest {
  return {
    url,
    method: 'OPTIONS',
    headers: [
      ['Origin', origin],
      ['Access-Control-Request-Method', INVENTED_METHOD],
      ['Access-Control-Request-Headers', INVENTED_HEADER.toLowerCase()],
      ['Accept', '*/*'],
    ],
  };
}

/** A stand-in GET carries no body, so none of the headers that describe one. */
function withoutBodyHeaders(headers: HeaderList): HeaderList {
  return headers.filter(([n]) => !/^content-/i.test(n));
}
