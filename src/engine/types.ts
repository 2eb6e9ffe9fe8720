/**
 * The scenario and verdict types: the engine's JSON contract.
 *
 * A scenario describes one cross-origin request as a page's script makes it,
 * and what the server answers. A verdict is what real browsers conclude.
 *
 * @packageDocumentation
 */

import type { ReasonId, WarningId, WebKitReasonId } from './reasons.js';

/**
 * A header list, as the Fetch Standard means it: ordered `[name, value]`
 * pairs. Repeated names are separate entries and keep their order; two lines
 * `Access-Control-Allow-Origin` are not the same as one line holding a comma.
 */
export type HeaderList = Array<[name: string, value: string]>;

/** The request's credentials mode (Fetch: "credentials mode"). */
export type CredentialsMode = 'omit' | 'same-origin' | 'include';

/**
 * The client API that made the request. Browsers word their console
 * messages per API, and the client half of a fix names the API's own flag.
 *
 * - `fetch`: `fetch(url, { credentials })`
 * - `xhr`: `XMLHttpRequest` with `withCredentials`
 * - `eventsource`: `new EventSource(url, { withCredentials })`
 */
export type Initiator = 'fetch' | 'xhr' | 'eventsource';

/**
 * The request's mode (Fetch: "mode"), as `fetch(url, { mode })` sets it.
 *
 * - `cors` (the default): a cross-origin request is a CORS request.
 * - `no-cors`: no preflight, no CORS check; only GET, HEAD and POST (another
 *   method makes `fetch()` reject with a TypeError before anything is sent,
 *   a {@link ScenarioRequest} the engine refuses), and only no-CORS-safelisted
 *   headers (`Accept`, `Accept-Language`, `Content-Language`, a safelisted
 *   `Content-Type`; the others are dropped silently). The response from
 *   another origin is opaque: `fetch()` resolves, but script reads nothing of
 *   it (see {@link Verdict.opaque}). A fetch() option only: XMLHttpRequest and
 *   EventSource always make CORS requests.
 */
export type RequestMode = 'cors' | 'no-cors';

/**
 * An IP address space, as Chromium and the Local Network Access spec name
 * them: `public` (the internet), `local` (the user's LAN: 10/8, 172.16/12,
 * 192.168/16, 169.254/16, fc00::/7, fe80::/10; Firefox calls it "private"),
 * `loopback` (the user's own machine: 127/8, ::1).
 */
export type AddressSpace = 'public' | 'local' | 'loopback';

/**
 * The state of the Local Network Access permission the request needs, as
 * the Permissions API reports it: `granted` (the user allowed it), `denied`,
 * or `prompt` (not answered: a headed browser holds the request and asks; a
 * headless Chromium refuses it at once, as if denied). Chromium 156 and
 * Firefox 153 ask separately for the `loopback-network` permission (a
 * loopback target) and the `local-network` one (a LAN target); this is the
 * one the request needs.
 */
export type LocalNetworkPermission = 'granted' | 'denied' | 'prompt';

/**
 * Where the page and the server sit on the network (Local Network Access):
 * a page in the `public` address space reaching a `local` or `loopback` one
 * needs the user's permission in Chromium and Firefox.
 */
export interface AddressSpaces {
  /** The page's address space (the server that served it; `public` for a page served with CSP `treat-as-public-address`). */
  page: AddressSpace;
  /** The address space of the server at `request.url`. */
  target: AddressSpace;
  /**
   * Entry `k`: the address space of the server `redirects[k]` points at; a
   * missing or `null` entry means the same as `target`.
   */
  redirectTargets?: Array<AddressSpace | null>;
  /**
   * Whether the page is a secure context. Default: from `request.origin`
   * (https, or http on localhost, 127.0.0.0/8 or [::1]; an opaque origin is
   * taken as secure). `false` for a page framed by a non-secure page.
   */
  secureContext?: boolean;
}

/** The request a page's script makes. */
export interface ScenarioRequest {
  /** The absolute URL requested (http or https). */
  url: string;
  /** The page's origin, serialized: `scheme://host[:port]`. */
  origin: string;
  /** The method as script passes it; browsers normalize `get`, `post`, ... to upper case. */
  method: string;
  /** The headers script sets, in order. Forbidden request headers are dropped, as browsers drop them. */
  headers: HeaderList;
  /**
   * The credentials mode. For `xhr` and `eventsource`, `include` means
   * `withCredentials = true` and `same-origin` means `false`; `omit` is
   * not expressible with those APIs and is refused.
   */
  credentials: CredentialsMode;
  /** The client API; defaults to `fetch`. */
  initiator?: Initiator;
  /** fetch()'s `mode`; defaults to `cors`. `no-cors` is refused for `xhr` and `eventsource`. */
  mode?: RequestMode;
  /**
   * The address spaces of the page and of the server (Local Network Access).
   * Absent: not modelled (no browser's Local Network Access check applies).
   */
  addressSpace?: AddressSpaces;
  /**
   * The Local Network Access permission for the page's origin; default
   * `prompt`. Only with `addressSpace`.
   */
  localNetworkAccess?: LocalNetworkPermission;
}

/** A response as the server sends it: status and raw header lines. */
export interface ScenarioResponse {
  status: number;
  headers: HeaderList;
}

/**
 * One cross-origin request and the server's answers.
 *
 * `preflight` is the server's answer to the CORS-preflight request, used only
 * when the request needs one (and for every hop of a redirect chain that
 * needs one). `redirects` lists the redirect responses (each with a
 * `Location`) that come before `response`.
 */
export interface Scenario {
  request: ScenarioRequest;
  /** The answer to the CORS-preflight request for the request's URL, or `null` when none is given. */
  preflight: ScenarioResponse | null;
  redirects?: ScenarioResponse[];
  /**
   * The answers to the CORS-preflight requests sent to the redirect targets:
   * entry `k` answers the preflight for the URL `redirects[k]` points at. A
   * missing or `null` entry means the same answer as `preflight`.
   */
  redirectPreflights?: Array<ScenarioResponse | null>;
  response: ScenarioResponse;
}

/** Where a blocked request failed. */
export type FailurePoint = 'preflight' | 'response' | 'redirect';

/** The CORS-preflight request the browser sends, limited to the headers CORS decides on. */
export interface PreflightRequest {
  method: 'OPTIONS';
  /** `Origin`, `Access-Control-Request-Method` and, when there are any, `Access-Control-Request-Headers`. */
  headers: HeaderList;
}

/** Firefox's report of a blocked request. */
export interface FirefoxReport {
  /** The reason as MDN names its page, e.g. `CORSNotSupportingCredentials`. */
  reason: string;
  /** The exact console message. */
  message: string;
}

/** Chromium's report of a blocked request. */
export interface ChromiumReport {
  /**
   * The `CorsError` name DevTools shows, e.g. `WildcardOriginNotAllowed`;
   * `null` when Chromium fails the request with a network error instead
   * (then `netError` names it).
   */
  corsError: string | null;
  /** The network error, e.g. `ERR_TOO_MANY_REDIRECTS`, when the failure is not a CORS error. */
  netError?: string;
  /** The offending value Chromium reports with the error (`corsErrorStatus.failedParameter`), or `""`. */
  failedParameter: string;
  /** The exact console message. */
  message: string;
}

/** WebKit's report of a blocked request (WebKitGTK's WebCore, which Safari shares). */
export interface WebKitReport {
  /**
   * corsproof's id for WebKit's message template, e.g. `origin-not-allowed`
   * (WebKit names none; one template covers a missing, a mismatched and an
   * invalid Access-Control-Allow-Origin alike).
   */
  reason: WebKitReasonId | `unknown:${string}`;
  /** WebKit's reason line, as its console shows it. */
  message: string;
  /**
   * Every console line WebKit logs for the request, in order: the reason,
   * `<API> cannot load <url> due to access control checks.`, `Failed to
   * load resource: <reason>` (and before them any `Refused to set unsafe
   * header` line of XMLHttpRequest).
   */
  messages: string[];
}

/** A request as a browser sends it on one hop of the redirect chain. */
export interface SentRequest {
  url: string;
  method: string;
  /**
   * The headers sent that script or the browser's CORS rules decide: the
   * `Origin` it carries first (`null` after a tainting redirect; absent on a
   * same-origin GET or HEAD), then script's headers as redirects left them.
   */
  headers: HeaderList;
}

/** Options of `evaluate()`. */
export interface EvaluateOptions {
  /**
   * The browsers whose conclusions `ok`, `failedAt`, `preflight`,
   * `exposedHeaders`, `fix` and `fixes` cover, in any order; all three by
   * default. Every browser is still walked and reported in `browsers` and in
   * its own report.
   */
  browsers?: readonly BrowserName[];
}

/** The fix, in two halves as MDN gives it. */
export interface Fix {
  /** What to change on the server. */
  server: string;
  /** What to change in the page's script, when that is a way out; `null` when only the server can fix it. */
  client: string | null;
}

/** What one browser concludes. */
export interface BrowserVerdict {
  ok: boolean;
  failedAt: FailurePoint | null;
  /** The id of the reason-table row, or `null` when the request passes. */
  reasonId: ReasonId | null;
  /** Every CORS-preflight request sent, in order (one per redirect hop that needs one). */
  preflights: PreflightRequest[];
  /** Response header names script can read (lowercase, sorted, unique); empty when blocked. */
  exposedHeaders: string[];
  /**
   * How long this browser reuses the last passing preflight for the same
   * request, in seconds (Access-Control-Max-Age after its parsing and cap);
   * `0` or `null` when it does not reuse it (no preflight, `0`, or a value or
   * approval this browser does not cache).
   */
  preflightMaxAge: number | null;
  /** Ids of the warnings this browser logs (see `warnings` on the verdict). */
  warnings: string[];
  /**
   * Present (`true`) when the request passes with an opaque response: a
   * `mode: 'no-cors'` request that went to another origin (see
   * {@link Verdict.opaque}). `exposedHeaders` is then empty.
   */
  opaque?: true;
}

/** A console warning a browser logs about a request it lets through. */
export interface VerdictWarning {
  browser: BrowserName;
  /** The warning's id in corsproof's table, e.g. `authorization-covered-by-wildcard`. */
  id: WarningId;
  /** The browser's own key for it (Firefox: the `security.properties` key). */
  key: string;
  /** The exact console message. */
  message: string;
  /** What to change before browsers enforce it. */
  fix: string;
}

/**
 * The verdict for a scenario.
 *
 * `ok` is true when every browser it covers (`covers`: Chromium, Firefox and
 * WebKit unless `evaluate()` was given fewer) lets script read the response.
 * Each browser's report is `null` when that browser allows it.
 */
export interface Verdict {
  ok: boolean;
  /** The browsers `ok`, `failedAt`, `preflight`, `exposedHeaders` and `fix` cover, in the verdict's order. */
  covers: BrowserName[];
  failedAt: FailurePoint | null;
  preflight: {
    required: boolean;
    request: PreflightRequest | null;
  };
  firefox: FirefoxReport | null;
  chromium: ChromiumReport | null;
  webkit: WebKitReport | null;
  /** Response header names script can read in every covered browser (lowercase, sorted); empty when blocked. */
  exposedHeaders: string[];
  /** The fix in one paragraph (server side, then client side), or `null` when the request passes. */
  fix: string | null;
  /** The fix split into its server and client halves, or `null` when the request passes. */
  fixes: Fix | null;
  /** Console warnings about requests that pass today but rely on behaviour browsers deprecate. */
  warnings: VerdictWarning[];
  /**
   * Present (`true`) when the request is a `mode: 'no-cors'` fetch() that
   * left the page's origin (`request.mode`) and every covered browser lets it
   * through: `ok` is then true, as `fetch()` resolves and no browser logs a
   * CORS error, but the response is opaque. Script reads nothing of it:
   * `response.type` is `'opaque'`, `status` 0, `ok` false, no headers
   * (`exposedHeaders` is empty), the body empty (`await response.json()`
   * throws a SyntaxError), whatever the server answered (an error status too).
   * no-cors does not solve a CORS error: the warnings table's row
   * `no-cors-opaque` (no browser logs it) says what to do instead. Absent on
   * every other verdict.
   */
  opaque?: true;
  /** Each browser's own conclusion, for when they differ. */
  browsers: Record<BrowserName, BrowserVerdict>;
  /**
   * The requests each browser sends on its way, one per hop it reaches
   * (after that hop's preflight passed).
   */
  requests: Record<BrowserName, SentRequest[]>;
}

/** The browsers the engine models: Chromium, Firefox and WebKit. */
export type BrowserName = 'chromium' | 'firefox' | 'webkit';

/** @deprecated The same as {@link BrowserName} (from when WebKit was not yet in `evaluate()`'s verdict). */
export type EngineBrowser = BrowserName;
