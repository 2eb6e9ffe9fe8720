/**
 * The reason table: every way a browser blocks a CORS request, one row each.
 *
 * A row holds Firefox's reason (as MDN names its page, and the
 * `security.properties` key behind the message), Chromium's `CorsError`
 * names (for the actual request and for the preflight), a function producing
 * each browser's exact console message for the concrete request, and the fix
 * in two halves, server and client. Nothing else in corsproof spells these out.
 */
import type { BrowserName, CredentialsMode, Initiator } from './types.js';

/** What a message or a fix is about: the concrete request and the offending value. */
export interface ReasonContext {
  /** The URL the browser names: the last URL of the chain. */
  url: string;
  /** The first URL, when the request was redirected. */
  redirectedFrom: string | null;
  /** The page's origin. */
  origin: string;
  /** The Origin the request carried at the failing step (`"null"` after a tainting redirect). */
  requestOrigin: string;
  initiator: Initiator;
  credentials: CredentialsMode;
  /** The request's method. */
  method: string;
  /** The offending value (a header value, a method, a header name, a Location), or `""`. */
  value: string;
  /** The HTTP status of the failing response (0 when there was none). */
  status: number;
  /** Whether the failure happened on the CORS-preflight response. */
  preflight: boolean;
  /**
   * The URL of a refused redirect (the Location, resolved), set only by the
   * walks of browsers that name it in their message (WebKit's "Cross-origin
   * redirection to <url> denied ..."); absent otherwise.
   */
  redirectTo?: string;
  /**
   * Set (`true`) only by WebKit's walk, when it refused a redirect of a load
   * that was still same-origin (no CORS check had run yet): WebKit then logs
   * "Failed to load resource" before the API's "cannot load" line.
   */
  sameOriginLoad?: true;
}

/** Firefox's part of a row. */
export interface FirefoxReason {
  /** The reason as MDN names its page (`CORSMissingAllowOrigin`). */
  reason: string;
  /** The `security.properties` key of the message (`CORSMissingAllowOrigin2`). */
  key: string;
  /** The text inside `(Reason: ...)`. */
  text: (ctx: ReasonContext) => string;
  /**
   * What Firefox appends after the reason: `status` gives " Status code: N.",
   * `null-status` gives " Status code: (null)." (the key takes a status but
   * Firefox passes none), `none` nothing.
   */
  suffix: 'status' | 'null-status' | 'none';
  /** Whether the URL is wrapped in ‘ ’ (only CORSNotSupportingCredentials does this). */
  quotesUrl?: boolean;
}

/** Chromium's part of a row. */
export interface ChromiumReason {
  /**
   * `CorsError` for the actual request (or a redirect hop), or `null` when
   * Chromium fails the request with a network error instead (`netError`).
   */
  corsError: string | null;
  /** The network error (`ERR_TOO_MANY_REDIRECTS`, ...) when the failure is not a CORS error. */
  netError?: string;
  /** `CorsError` when the same failure happens on the preflight response; defaults to `corsError`. */
  preflightCorsError?: string;
  /** The sentence(s) after "has been blocked by CORS policy: " (unused for network errors). */
  text: (ctx: ReasonContext) => string;
  /** Whether the error reports the offending value as `failedParameter`. */
  reportsValue: boolean;
}

/** corsproof's ids for WebKit's reason-line templates (see {@link WebKitReason.id}). */
export type WebKitReasonId =
  | 'origin-not-allowed'
  | 'multiple-origins'
  | 'wildcard-with-credentials'
  | 'credentials-not-true'
  | 'preflight-not-successful'
  | 'invalid-allow-methods'
  | 'invalid-allow-headers'
  | 'method-not-allowed'
  | 'header-not-allowed'
  | 'redirect-with-credentials'
  | 'redirect-non-cors-scheme'
  | 'too-many-redirects';

/** WebKit's part of a row. */
export interface WebKitReason {
  /**
   * corsproof's id for WebKit's message template (WebKit names none of its
   * own): rows WebKit words alike share it, e.g. `origin-not-allowed` for a
   * missing, a mismatched and an invalid Access-Control-Allow-Origin. The
   * verdict's `webkit.reason`.
   */
  id: WebKitReasonId;
  /**
   * The reason line WebKit logs (WebCore's error description, source
   * "security"): the whole line for a failure on the preflight or the final
   * response; after a refused redirect it follows "Cross-origin redirection
   * to <url> denied by Cross-Origin Resource Sharing policy: ".
   */
  text: (ctx: ReasonContext) => string;
}

/** One row of the reason table. */
export interface Reason<Id extends string = ReasonId> {
  /** Stable id, used in JSON output and tests. */
  id: Id;
  /** The reason in plain words. */
  title: string;
  firefox: FirefoxReason | null;
  chromium: ChromiumReason | null;
  /** WebKit's reason line, or `null` when WebKit never fails for this reason. */
  webkit: WebKitReason | null;
  /** The server half of the fix. */
  fixServer: (ctx: ReasonContext) => string;
  /** The client half of the fix, or `null` when only the server can fix it. */
  fixClient: (ctx: ReasonContext) => string | null;
  /**
   * The browsers whose part of this row no run of the real browser backs,
   * each with what it rests on instead (the browser's source, its feature
   * list). Absent: every part was seen in the real browser.
   */
  sourceDerived?: Partial<Record<BrowserName, string>>;
}

// ---------------------------------------------------------------------------
// Message pieces shared by several rows.

/**
 * Chromium's hint after the Access-Control-Allow-Origin value errors, for
 * fetch() only, on the actual response and the preflight alike
 * (cors_error_string.cc kNoCorsInformation).
 */
function chromiumValueHint(ctx: ReasonContext): string {
  return ctx.initiator === 'fetch' ? ' Have the server send the header with a valid value.' : '';
}

/** Chromium's extra sentence for XMLHttpRequest credentials errors. */
function chromiumXhrCredentialsHint(ctx: ReasonContext): string {
  return ctx.initiator === 'xhr'
    ? ' The credentials mode of requests initiated by the XMLHttpRequest is controlled by the withCredentials attribute.'
    : '';
}

/** Chromium's prefix for errors of the access check on a preflight response. */
function preflightPrefix(ctx: ReasonContext): string {
  return ctx.preflight ? "Response to preflight request doesn't pass access control check: " : '';
}

/** The name of the client flag that sends credentials, per API. */
function credentialsFlag(initiator: Initiator): string {
  switch (initiator) {
    case 'fetch':
      return "`credentials: 'include'` in the fetch() options";
    case 'xhr':
      return '`xhr.withCredentials = true`';
    case 'eventsource':
      return '`{ withCredentials: true }` in the EventSource options';
  }
}

/** The client half shared by the credentials rows. */
function dropCredentials(ctx: ReasonContext): string {
  const how =
    ctx.initiator === 'fetch'
      ? "remove `credentials: 'include'` (the default, 'same-origin', sends none cross-origin)"
      : ctx.initiator === 'xhr'
        ? 'leave `withCredentials` false'
        : 'create the EventSource without `{ withCredentials: true }`';
  return `If this request does not need cookies or HTTP authentication, ${how}. Keep ${credentialsFlag(ctx.initiator)} only when the server opts in as above.`;
}

/** The server answer that makes a credentialed or plain request pass. */
function allowOriginAdvice(ctx: ReasonContext): string {
  const origin = ctx.requestOrigin;
  const creds =
    ctx.credentials === 'include'
      ? ` and \`Access-Control-Allow-Credentials: true\``
      : '';
  // Where the headers got lost comes first: it is the thing to change.
  return (
    statusAdvice(ctx) +
    `Send \`Access-Control-Allow-Origin: ${origin}\`${creds} on ${ctx.preflight ? 'the preflight (OPTIONS) response' : 'the response'}, ` +
    'with `Vary: Origin` if the value depends on the request. Compare the Origin header against an explicit allow-list of trusted origins; never echo it back unchecked.'
  );
}

/**
 * What a failing status says about where the CORS headers got lost: a
 * preflight answered 401 was stopped by authentication before CORS ran, a
 * 404 or 405 by a router without an OPTIONS route, an error response by an
 * error path that does not add them.
 */
function statusAdvice(ctx: ReasonContext): string {
  const s = ctx.status;
  if (ctx.preflight) {
    if (s === 401 || s === 403 || s === 407) {
      return `The preflight got ${s}: authentication or authorization runs before CORS, and a preflight never carries cookies or Authorization, so it cannot pass. Answer OPTIONS requests before authentication (register the CORS middleware first, or let preflights through the auth layer). `;
    }
    if (s === 404 || s === 405 || s === 501) {
      return `The preflight got ${s}: nothing on the server answers OPTIONS ${pathOf(ctx.url)}. Add CORS middleware before the router (it answers preflights without a route of their own), or an OPTIONS route. `;
    }
    if (s >= 500) return `The preflight got ${s}: the server failed on OPTIONS before any CORS header was added. `;
    return '';
  }
  if (s >= 400) {
    return `The response is a ${s}: error responses need the CORS headers too (error handlers, crashes before the CORS middleware and proxies' error pages often drop them); without them script sees a CORS error instead of the ${s}. `;
  }
  return '';
}

function firefoxSuffix(part: FirefoxReason, ctx: ReasonContext): string {
  switch (part.suffix) {
    case 'status':
      return ` Status code: ${ctx.status}.`;
    case 'null-status':
      return ' Status code: (null).';
    case 'none':
      return '';
  }
}

/**
 * Firefox's "CORS request did not succeed": logged for network errors, and
 * also when a redirect is refused outside the CORS listener (userinfo in a
 * cross-origin Location). Firefox passes no status, so it prints "(null)".
 */
const FIREFOX_DID_NOT_SUCCEED: FirefoxReason = {
  reason: 'CORSDidNotSucceed',
  key: 'CORSDidNotSucceed2',
  text: () => 'CORS request did not succeed',
  suffix: 'null-status',
};

/**
 * WebKit's line for a missing, mismatched or invalid Access-Control-Allow-Origin
 * alike: the Origin the request carried and the status of the response checked.
 */
function webkitOriginNotAllowed(ctx: ReasonContext): string {
  return `Origin ${ctx.requestOrigin} is not allowed by Access-Control-Allow-Origin. Status code: ${ctx.status}`;
}

// ---------------------------------------------------------------------------
// The table.

/** The table's rows, their ids kept as literal types (so that {@link ReasonId} is derived from the table). */
function reasonTable<const T extends readonly Reason<string>[]>(rows: T): T {
  return rows;
}

/** The rows, as written (their ids typed as literals). */
const REASON_ROWS = reasonTable([
  {
    id: 'missing-allow-origin',
    title: 'The response has no Access-Control-Allow-Origin header.',
    firefox: {
      reason: 'CORSMissingAllowOrigin',
      key: 'CORSMissingAllowOrigin2',
      text: () => 'CORS header ‘Access-Control-Allow-Origin’ missing',
      suffix: 'status',
    },
    chromium: {
      corsError: 'MissingAllowOriginHeader',
      preflightCorsError: 'PreflightMissingAllowOriginHeader',
      text: (ctx) =>
        `${preflightPrefix(ctx)}No 'Access-Control-Allow-Origin' header is present on the requested resource.`,
      reportsValue: false,
    },
    webkit: { id: 'origin-not-allowed', text: webkitOriginNotAllowed },
    fixServer: allowOriginAdvice,
    fixClient: () => null,
  },
  {
    id: 'multiple-allow-origin',
    title: 'Access-Control-Allow-Origin is sent more than once or holds several values; browsers accept exactly one.',
    firefox: {
      reason: 'CORSMultipleAllowOriginNotAllowed',
      key: 'CORSMultipleAllowOriginNotAllowed',
      text: () => 'Multiple CORS header ‘Access-Control-Allow-Origin’ not allowed',
      suffix: 'none',
    },
    chromium: {
      corsError: 'MultipleAllowOriginValues',
      preflightCorsError: 'PreflightMultipleAllowOriginValues',
      text: (ctx) =>
        `${preflightPrefix(ctx)}The 'Access-Control-Allow-Origin' header contains multiple values '${ctx.value}', but only one is allowed.${chromiumValueHint(ctx)}`,
      reportsValue: true,
    },
    webkit: { id: 'multiple-origins', text: () => 'Access-Control-Allow-Origin cannot contain more than one origin.' },
    fixServer: (ctx) =>
      `Set Access-Control-Allow-Origin in exactly one layer (application, framework middleware, or proxy/CDN, not two of them) and send one origin: \`Access-Control-Allow-Origin: ${ctx.requestOrigin}\`. To allow several origins, pick the one that matches the request's Origin from an allow-list and add \`Vary: Origin\`.`,
    fixClient: () => null,
  },
  {
    id: 'invalid-allow-origin',
    title: 'Access-Control-Allow-Origin holds something that is not an origin.',
    firefox: null,
    chromium: {
      corsError: 'InvalidAllowOriginValue',
      preflightCorsError: 'PreflightInvalidAllowOriginValue',
      text: (ctx) =>
        `${preflightPrefix(ctx)}The 'Access-Control-Allow-Origin' header contains the invalid value '${ctx.value}'.${chromiumValueHint(ctx)}`,
      reportsValue: true,
    },
    webkit: { id: 'origin-not-allowed', text: webkitOriginNotAllowed },
    fixServer: (ctx) =>
      `Access-Control-Allow-Origin must be '*' or one serialized origin (scheme://host[:port], no path, no trailing slash); it is '${ctx.value}'. Send \`Access-Control-Allow-Origin: ${ctx.requestOrigin}\`.`,
    fixClient: () => null,
  },
  {
    id: 'allow-origin-mismatch',
    title: "Access-Control-Allow-Origin names another origin than the page's.",
    firefox: {
      reason: 'CORSAllowOriginNotMatchingOrigin',
      key: 'CORSAllowOriginNotMatchingOrigin',
      text: (ctx) => `CORS header ‘Access-Control-Allow-Origin’ does not match ‘${ctx.value}’`,
      suffix: 'none',
    },
    chromium: {
      corsError: 'AllowOriginMismatch',
      preflightCorsError: 'PreflightAllowOriginMismatch',
      text: (ctx) =>
        `${preflightPrefix(ctx)}The 'Access-Control-Allow-Origin' header has a value '${ctx.value}' that is not equal to the supplied origin.${chromiumValueHint(ctx)}`,
      reportsValue: true,
    },
    webkit: { id: 'origin-not-allowed', text: webkitOriginNotAllowed },
    fixServer: (ctx) =>
      ctx.requestOrigin === 'null' && ctx.redirectedFrom !== null
        ? `After a redirect from one origin to another, the browser sends \`Origin: null\`, so no allow-list entry for '${ctx.origin}' can match (and allowing 'null' lets sandboxed iframes and file: pages of any site in). Avoid the cross-origin redirect: have ${ctx.redirectedFrom} answer itself, or let the page request ${ctx.url} directly.`
        : `The value must equal the request's Origin byte for byte (scheme, host, port; no trailing slash, no path): it is '${ctx.value}', the request came from '${ctx.requestOrigin}'. Add '${ctx.requestOrigin}' to the server's allow-list of origins and send \`Access-Control-Allow-Origin: ${ctx.requestOrigin}\` with \`Vary: Origin\`.`,
    fixClient: (ctx) => (ctx.requestOrigin === 'null' && ctx.redirectedFrom !== null ? `Request ${ctx.url} directly instead of ${ctx.redirectedFrom}.` : null),
  },
  {
    id: 'wildcard-with-credentials',
    title: "Access-Control-Allow-Origin is '*' but the request carries credentials.",
    firefox: {
      reason: 'CORSNotSupportingCredentials',
      key: 'CORSNotSupportingCredentials',
      text: () => 'Credential is not supported if the CORS header ‘Access-Control-Allow-Origin’ is ‘*’',
      suffix: 'none',
      quotesUrl: true,
    },
    chromium: {
      corsError: 'WildcardOriginNotAllowed',
      preflightCorsError: 'PreflightWildcardOriginNotAllowed',
      text: (ctx) =>
        `${preflightPrefix(ctx)}The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'.${chromiumXhrCredentialsHint(ctx)}`,
      reportsValue: false,
    },
    webkit: { id: 'wildcard-with-credentials', text: () => 'Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is true.' },
    fixServer: (ctx) =>
      `Name the origin instead of '*': send \`Access-Control-Allow-Origin: ${ctx.requestOrigin}\` and \`Access-Control-Allow-Credentials: true\`${ctx.preflight ? ' on the preflight (OPTIONS) response and on the actual response' : ''}, with \`Vary: Origin\`. Pick the value from an explicit allow-list of trusted origins; never echo the request's Origin back unchecked.`,
    fixClient: dropCredentials,
  },
  {
    id: 'missing-allow-credentials',
    title: "The request carries credentials but Access-Control-Allow-Credentials is not exactly 'true'.",
    firefox: {
      reason: 'CORSMissingAllowCredentials',
      key: 'CORSMissingAllowCredentials',
      text: () => 'expected ‘true’ in CORS header ‘Access-Control-Allow-Credentials’',
      suffix: 'none',
    },
    chromium: {
      corsError: 'InvalidAllowCredentials',
      preflightCorsError: 'PreflightInvalidAllowCredentials',
      text: (ctx) =>
        `${preflightPrefix(ctx)}The value of the 'Access-Control-Allow-Credentials' header in the response is '${ctx.value}' which must be 'true' when the request's credentials mode is 'include'.${chromiumXhrCredentialsHint(ctx)}`,
      reportsValue: true,
    },
    webkit: { id: 'credentials-not-true', text: () => 'Credentials flag is true, but Access-Control-Allow-Credentials is not "true".' },
    fixServer: (ctx) =>
      `Send \`Access-Control-Allow-Credentials: true\` (lowercase, exactly once) together with \`Access-Control-Allow-Origin: ${ctx.requestOrigin}\`${ctx.preflight ? ' on the preflight (OPTIONS) response and on the actual response' : ''}, but only for origins you trust with the user's cookies.`,
    fixClient: dropCredentials,
  },
  {
    id: 'preflight-status',
    title: 'The preflight (OPTIONS) response does not have an ok status (200-299).',
    firefox: {
      reason: 'CORSPreflightDidNotSucceed',
      key: 'CORSPreflightDidNotSucceed3',
      text: () => 'CORS preflight response did not succeed',
      suffix: 'status',
    },
    chromium: {
      corsError: 'PreflightInvalidStatus',
      text: () => "Response to preflight request doesn't pass access control check: It does not have HTTP ok status.",
      reportsValue: false,
    },
    webkit: { id: 'preflight-not-successful', text: (ctx) => `Preflight response is not successful. Status code: ${ctx.status}` },
    fixServer: (ctx) =>
      `Answer the preflight \`OPTIONS ${pathOf(ctx.url)}\` with 204 (or 200) and the CORS headers; it got ${ctx.status}. Common causes: authentication or a router that runs before CORS (preflights carry no cookies or Authorization), or no OPTIONS route. Put the CORS middleware first.`,
    fixClient: (ctx) => avoidPreflight(ctx),
  },
  {
    id: 'preflight-redirect',
    title: 'The preflight (OPTIONS) response is a redirect; preflights may not be redirected.',
    firefox: null,
    chromium: {
      corsError: 'PreflightDisallowedRedirect',
      text: () => "Response to preflight request doesn't pass access control check: Redirect is not allowed for a preflight request.",
      reportsValue: false,
    },
    webkit: null,
    fixServer: (ctx) =>
      `Answer \`OPTIONS ${pathOf(ctx.url)}\` directly with 204 and the CORS headers instead of redirecting (often an http-to-https or trailing-slash redirect). Or request the final URL from the page.`,
    fixClient: () => 'Request the final URL (after the redirect) directly.',
  },
  {
    id: 'invalid-allow-methods',
    title: 'Access-Control-Allow-Methods on the preflight response cannot be parsed.',
    firefox: {
      reason: 'CORSInvalidAllowMethod',
      key: 'CORSInvalidAllowMethod',
      text: (ctx) => `invalid token ‘${ctx.value}’ in CORS header ‘Access-Control-Allow-Methods’`,
      suffix: 'none',
    },
    chromium: {
      corsError: 'InvalidAllowMethodsPreflightResponse',
      text: () => 'Cannot parse Access-Control-Allow-Methods response header field in preflight response.',
      reportsValue: false,
    },
    webkit: { id: 'invalid-allow-methods', text: (ctx) => `Header Access-Control-Allow-Methods has an invalid value: ${ctx.value}` },
    fixServer: (ctx) =>
      `Send a comma-separated list of method tokens, e.g. \`Access-Control-Allow-Methods: GET, POST, ${ctx.method}\`; '${ctx.value}' is not a method token.`,
    fixClient: () => null,
  },
  {
    id: 'invalid-allow-headers',
    title: 'Access-Control-Allow-Headers on the preflight response cannot be parsed.',
    firefox: {
      reason: 'CORSInvalidAllowHeader',
      key: 'CORSInvalidAllowHeader',
      text: (ctx) => `invalid token ‘${ctx.value}’ in CORS header ‘Access-Control-Allow-Headers’`,
      suffix: 'none',
    },
    chromium: {
      corsError: 'InvalidAllowHeadersPreflightResponse',
      text: () => 'Cannot parse Access-Control-Allow-Headers response header field in preflight response.',
      reportsValue: false,
    },
    webkit: { id: 'invalid-allow-headers', text: (ctx) => `Header Access-Control-Allow-Headers has an invalid value: ${ctx.value}` },
    fixServer: (ctx) =>
      `Send a comma-separated list of header names, e.g. \`Access-Control-Allow-Headers: Content-Type, Authorization\`; '${ctx.value}' is not a header name.`,
    fixClient: () => null,
  },
  {
    id: 'method-not-allowed',
    title: 'The preflight response does not allow the request method.',
    firefox: {
      reason: 'CORSMethodNotFound',
      key: 'CORSMethodNotFound',
      text: () => 'Did not find method in CORS header ‘Access-Control-Allow-Methods’',
      suffix: 'none',
    },
    chromium: {
      corsError: 'MethodDisallowedByPreflightResponse',
      text: (ctx) => `Method ${ctx.value} is not allowed by Access-Control-Allow-Methods in preflight response.`,
      reportsValue: true,
    },
    webkit: { id: 'method-not-allowed', text: (ctx) => `Method ${ctx.value} is not allowed by Access-Control-Allow-Methods.` },
    fixServer: (ctx) =>
      `Add ${ctx.value} to \`Access-Control-Allow-Methods\` on the preflight response, spelled exactly as the request sends it (methods are case-sensitive${ctx.value !== ctx.value.toUpperCase() ? `; '${ctx.value}' is not '${ctx.value.toUpperCase()}'` : ''})${ctx.credentials === 'include' ? "; '*' does not count for credentialed requests" : ''}.`,
    fixClient: (ctx) =>
      ctx.value !== ctx.value.toUpperCase()
        ? `Browsers upper-case only DELETE, GET, HEAD, OPTIONS, POST and PUT; write the method as '${ctx.value.toUpperCase()}' in the request if that is what the server expects.`
        : null,
  },
  {
    id: 'header-not-allowed',
    title: 'The preflight response does not allow one of the request headers.',
    firefox: {
      reason: 'CORSMissingAllowHeaderFromPreflight',
      key: 'CORSMissingAllowHeaderFromPreflight2',
      text: (ctx) =>
        `header ‘${ctx.value}’ is not allowed according to header ‘Access-Control-Allow-Headers’ from CORS preflight response`,
      suffix: 'none',
    },
    chromium: {
      corsError: 'HeaderDisallowedByPreflightResponse',
      text: (ctx) => `Request header field ${ctx.value} is not allowed by Access-Control-Allow-Headers in preflight response.`,
      reportsValue: true,
    },
    webkit: { id: 'header-not-allowed', text: (ctx) => `Request header field ${ctx.value} is not allowed by Access-Control-Allow-Headers.` },
    fixServer: (ctx) =>
      `Add ${ctx.value} to \`Access-Control-Allow-Headers\` on the preflight response${
        ctx.value === 'authorization'
          ? " by name: 'Authorization' is never covered by '*'"
          : ctx.credentials === 'include'
            ? " by name: '*' does not count for credentialed requests"
            : ''
      }.`,
    fixClient: (ctx) => `If the server does not need it, do not set the ${ctx.value} header in the request.`,
  },
  {
    id: 'redirect-contains-credentials',
    title: 'A cross-origin redirect points at a URL with a username or password.',
    firefox: FIREFOX_DID_NOT_SUCCEED,
    chromium: {
      corsError: 'RedirectContainsCredentials',
      // The network service raises this error without a failed parameter, so the quotes stay empty.
      text: () => "Redirect location '' contains a username and password, which is disallowed for cross-origin requests.",
      reportsValue: false,
    },
    webkit: { id: 'redirect-with-credentials', text: (ctx) => `redirection URL ${ctx.value} has credentials` },
    fixServer: (ctx) =>
      `Redirect to a URL without \`user:password@\` (the Location was '${ctx.value}'); pass credentials in a header the preflight allows instead.`,
    fixClient: () => null,
  },
  {
    id: 'redirect-not-http',
    title: 'A redirect points at a URL that is not http or https (data:, file:, ...).',
    firefox: FIREFOX_DID_NOT_SUCCEED,
    chromium: { corsError: null, netError: 'ERR_UNSAFE_REDIRECT', text: () => '', reportsValue: false },
    webkit: { id: 'redirect-non-cors-scheme', text: () => 'not allowed to follow a cross-origin CORS redirection with non CORS scheme' },
    fixServer: (ctx) =>
      `Redirect to an http(s) URL (the Location was '${ctx.value}'), or answer the request directly.`,
    fixClient: () => null,
  },
  {
    id: 'too-many-redirects',
    title: 'The request was redirected more than 20 times.',
    firefox: FIREFOX_DID_NOT_SUCCEED,
    chromium: { corsError: null, netError: 'ERR_TOO_MANY_REDIRECTS', text: () => '', reportsValue: false },
    webkit: { id: 'too-many-redirects', text: () => 'Load cannot follow more than 20 redirections' },
    fixServer: () =>
      'Break the redirect loop: browsers follow at most 20 redirects. Often two layers redirect back and forth (http/https, trailing slash, www).',
    fixClient: () => 'Request the final URL directly.',
  },
  {
    // Local Network Access (Chromium 142+, Firefox 153): seen in Chromium 156 and Firefox 153 with their testing
    // switches (--ip-address-space-overrides; network.lna.address_space.*.override), permission granted, denied and
    // unanswered (headless Chromium refuses at once). ctx.value is the target's address space. Nothing is sent: the
    // request fails at its preflight when it needs one (failedAt 'preflight'), else at itself ('response'), and
    // Chromium's line is the same in both (no "Response to preflight request" prefix), failedParameter "".
    id: 'local-network-permission-denied',
    title: "A public page reached the user's local network or loopback without the user's permission (Local Network Access).",
    firefox: FIREFOX_DID_NOT_SUCCEED,
    chromium: {
      corsError: 'LocalNetworkAccessPermissionDenied',
      text: (ctx) => `Permission was denied for this request to access the \`${ctx.value}\` address space.`,
      reportsValue: false,
    },
    webkit: null,
    fixServer: localNetworkServerFix,
    fixClient: (ctx) =>
      `The user must allow local network access for ${ctx.origin}: the browser asks when the page makes the request (Chromium and Firefox ask for ${ctx.value === 'loopback' ? "'loopback-network', apps on this device" : "'local-network', devices on the local network"}; an unanswered prompt holds the request, headless Chromium refuses it at once), and only a secure (https) page can be granted it.` +
      (ctx.initiator === 'fetch' && ctx.value === 'local' && ctx.url.startsWith('http:') && ctx.origin.startsWith('https:')
        ? " From an https page to an http LAN address, pass `targetAddressSpace: 'local'` in the fetch() options, or mixed content blocks the request before the prompt."
        : ''),
    sourceDerived: {
      firefox:
        "A denied permission (seen) and an unanswered prompt (seen: the request is held, nothing sent) are modelled alike: that the held request fails as denied once the prompt is dismissed or times out (network.lna.prompt.timeout, 5 minutes) is read from Firefox's source. A mode 'no-cors' fetch refused this way logs no line at all in Firefox (seen).",
    },
  },
  {
    // Seen in Chromium 156: a non-secure page (http on a name other than localhost) in the public space reaching a
    // loopback or LAN server; the permission cannot even be granted (Browser.setPermission: "Permission can't be
    // granted in current context."). Firefox 153 asks as for a secure page (seen: held), so never fails this way.
    id: 'insecure-local-network',
    title: 'A public page that is not a secure context (plain http) reached the local network or loopback: Chromium refuses it outright.',
    firefox: null,
    chromium: {
      corsError: 'InsecureLocalNetwork',
      text: (ctx) => `The request client is not a secure context and the resource is in more-private address space \`${ctx.value}\`.`,
      reportsValue: false,
    },
    webkit: null,
    fixServer: (ctx) =>
      `Serve the page over https: Chromium refuses every request from a plain-http public page to the ${spaceWords(ctx.value)}, and the user cannot allow it. ${localNetworkServerFix(ctx)}`,
    fixClient: (ctx) =>
      `Load the page from https (or from http://localhost, which is a secure context too) instead of ${ctx.origin}; then the user can allow local network access when the browser asks.`,
  },
  {
    id: 'did-not-succeed',
    title: 'The request did not complete (network error, too many redirects, or the connection was refused).',
    firefox: FIREFOX_DID_NOT_SUCCEED,
    chromium: null,
    webkit: null,
    fixServer: () =>
      'Make sure the server is reachable from the browser (host, port, TLS certificate) and does not redirect in a loop (at most 20 redirects).',
    fixClient: () => 'Check the URL (scheme, host and port) the page requests.',
  },
  {
    id: 'external-redirect-not-allowed',
    title: 'The request was redirected in a way CORS does not allow.',
    firefox: {
      reason: 'CORSExternalRedirectNotAllowed',
      key: 'CORSExternalRedirectNotAllowed',
      text: () => 'CORS request external redirect not allowed',
      suffix: 'none',
    },
    chromium: null,
    webkit: null,
    fixServer: () => 'Answer the request directly instead of redirecting, or redirect to a plain http(s) URL without credentials.',
    fixClient: () => 'Request the final URL directly.',
  },
  {
    id: 'request-not-http',
    title: 'The URL is not http or https; CORS requests work only over HTTP(S).',
    firefox: {
      reason: 'CORSRequestNotHttp',
      key: 'CORSRequestNotHttp',
      text: () => 'CORS request not http',
      suffix: 'none',
    },
    chromium: {
      corsError: 'CorsDisabledScheme',
      text: () =>
        'Cross origin requests are only supported for protocol schemes: chrome, chrome-extension, chrome-untrusted, data, http, https, isolated-app.',
      reportsValue: false,
    },
    webkit: null,
    fixServer: () => 'Serve the resource over http(s), and serve the page itself from a web server, not from file://.',
    fixClient: () => 'Open the page through a local web server (e.g. `npx serve`) instead of file://, and request http(s) URLs.',
  },
  {
    id: 'cors-disabled',
    title: 'CORS is disabled in this browser (Firefox preference content.cors.disable).',
    firefox: {
      reason: 'CORSDisabled',
      key: 'CORSDisabled',
      text: () => 'CORS disabled',
      suffix: 'none',
    },
    chromium: null,
    webkit: null,
    fixServer: () => 'Nothing to change on the server.',
    fixClient: () => 'Set content.cors.disable back to false in about:config.',
  },
  {
    id: 'origin-header-not-added',
    title: 'The browser could not add the Origin header to the request.',
    firefox: {
      reason: 'CORSOriginHeaderNotAdded',
      key: 'CORSOriginHeaderNotAdded',
      text: () => 'CORS header ‘Origin’ cannot be added',
      suffix: 'none',
    },
    chromium: null,
    webkit: null,
    fixServer: () => 'Nothing to change on the server.',
    fixClient: () => 'Check browser extensions or proxies that rewrite request headers.',
  },
]);

/** A row id of the reason table: what `reasonId` holds in the JSON contract. */
export type ReasonId = (typeof REASON_ROWS)[number]['id'];

/** Every reason, one row each. */
export const REASONS: readonly Reason[] = REASON_ROWS;

function pathOf(url: string): string {
  try {
    const u = new URL(url);
    return u.pathname + u.search;
  } catch {
    return url;
  }
}

/** An address space in words. */
function spaceWords(space: string): string {
  return space === 'loopback' ? "user's own machine (loopback)" : space === 'local' ? "user's local network (LAN)" : `\`${space}\` address space`;
}

/**
 * The server half for Local Network Access: no header grants it (Chromium 156
 * sends no Private Network Access preflight, so Access-Control-Allow-Private-Network
 * is never read), only where the page and the API live changes it.
 */
function localNetworkServerFix(ctx: ReasonContext): string {
  return (
    `The page is public, the API is on the ${spaceWords(ctx.value)}: the browser sends nothing there until the user allows local network access for ${ctx.origin}, and no response header can grant it ` +
    '(Chromium no longer sends a Private Network Access preflight, so `Access-Control-Allow-Private-Network: true` changes nothing). ' +
    'What the server side can do: serve the API from a public address the page reaches (behind your public domain or a reverse proxy), or serve the page from the same network as the API (a page on the LAN or on localhost needs no permission). ' +
    'Keep the ordinary CORS headers: once the user allows it, the CORS checks apply as usual.'
  );
}

/** The client half for preflight failures: how to avoid the preflight when the server cannot be changed quickly. */
function avoidPreflight(ctx: ReasonContext): string | null {
  return ctx.initiator === 'eventsource'
    ? null
    : 'A preflight is sent because of the method or a non-safelisted header; a GET, HEAD or POST with only safelisted headers needs none.';
}

const BY_ID: ReadonlyMap<string, Reason> = new Map(REASONS.map((r) => [r.id, r]));

/** The row with this id. Throws on an unknown id (a bug in the engine, never in input). */
export function reason(id: ReasonId): Reason {
  const row = BY_ID.get(id);
  if (!row) throw new Error(`corsproof: no reason row '${id}'`);
  return row;
}

/**
 * A warning about a request browsers let through: one a browser logs (its
 * `firefox` part), or one none logs but the verdict shows (`no-cors-opaque`:
 * `Verdict.opaque`). A row of {@link WARNINGS}.
 */
export interface Warning<Id extends string = WarningId> {
  id: Id;
  title: string;
  /** Firefox's `security.properties` key and whole console message, when Firefox logs it. */
  firefox: { key: string; message: (url: string) => string } | null;
  /** What to change before browsers enforce it. */
  fix: string;
}

function warningTable<const T extends readonly Warning<string>[]>(rows: T): T {
  return rows;
}

/** The warning rows, as written. */
const WARNING_ROWS = warningTable([
  {
    id: 'authorization-covered-by-wildcard',
    title: "Authorization passes only because Access-Control-Allow-Headers is '*'; the Fetch Standard requires it by name.",
    firefox: {
      key: 'CORSAllowHeaderFromPreflightDeprecation',
      message: (url) =>
        `Cross-Origin Request Warning: The Same Origin Policy will disallow reading the remote resource at ${url} soon. (Reason: When the \`Access-Control-Allow-Headers\` is \`*\`, the \`Authorization\` header is not covered. To include the \`Authorization\` header, it must be explicitly listed in CORS header \`Access-Control-Allow-Headers\`).`,
    },
    fix: "List Authorization by name on the preflight response: `Access-Control-Allow-Headers: Authorization, Content-Type` (or `*, Authorization`).",
  },
  {
    // Verdict.opaque: no browser logs anything (seen in Chromium, Firefox and WebKit); explain and the doctor say it.
    id: 'no-cors-opaque',
    title: "mode 'no-cors' hides the response from script: response.type is 'opaque', status 0, no headers, an empty body.",
    firefox: null,
    fix:
      "mode 'no-cors' does not solve a CORS error: it only stops the browser from reporting it, and script can no longer read the answer (response.ok is false, await response.json() throws a SyntaxError). " +
      "Remove mode: 'no-cors' and fix the server's CORS headers instead, so the request passes in mode 'cors' (Access-Control-Allow-Origin naming the page's origin, and what a preflight needs); " +
      "for a server you cannot change, call it from your own backend. no-cors suits only requests whose answer the page never reads (a beacon, a cache warm-up).",
  },
]);

/** A row id of the warnings table. */
export type WarningId = (typeof WARNING_ROWS)[number]['id'];

/** Warnings: requests that pass today with a console warning about the future, or whose response script cannot read. */
export const WARNINGS: readonly Warning[] = WARNING_ROWS;

const WARNINGS_BY_ID: ReadonlyMap<string, Warning> = new Map(WARNINGS.map((w) => [w.id, w]));

/** The warning row with this id. Throws on an unknown id (a bug in the engine). */
export function warning(id: WarningId): Warning {
  const row = WARNINGS_BY_ID.get(id);
  if (!row) throw new Error(`corsproof: no warning row '${id}'`);
  return row;
}

/** Chromium's API word in "Access to X at": `fetch`, `XMLHttpRequest` or `resource`. */
function chromiumApiName(initiator: Initiator): string {
  return initiator === 'fetch' ? 'fetch' : initiator === 'xhr' ? 'XMLHttpRequest' : 'resource';
}

/** Chromium's whole console message for a row. */
export function chromiumMessage(row: Reason, ctx: ReasonContext): string {
  if (!row.chromium) throw new Error(`corsproof: reason '${row.id}' has no Chromium message`);
  if (row.chromium.netError) return `Failed to load resource: net::${row.chromium.netError}`;
  const redirected = ctx.redirectedFrom !== null ? ` (redirected from '${ctx.redirectedFrom}')` : '';
  return `Access to ${chromiumApiName(ctx.initiator)} at '${ctx.url}'${redirected} from origin '${ctx.origin}' has been blocked by CORS policy: ${row.chromium.text(ctx)}`;
}

/** Firefox's whole console message for a row. */
export function firefoxMessage(row: Reason, ctx: ReasonContext): string {
  if (!row.firefox) throw new Error(`corsproof: reason '${row.id}' has no Firefox message`);
  const ff = row.firefox;
  const url = ff.quotesUrl ? `‘${ctx.url}’` : ctx.url;
  return `Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at ${url}. (Reason: ${ff.text(ctx)}).${firefoxSuffix(ff, ctx)}`;
}

/** Chromium's `CorsError` name for a row in context (`null` for a network error). */
export function chromiumCorsError(row: Reason, ctx: ReasonContext): string | null {
  if (!row.chromium) throw new Error(`corsproof: reason '${row.id}' has no Chromium code`);
  return ctx.preflight ? (row.chromium.preflightCorsError ?? row.chromium.corsError) : row.chromium.corsError;
}

// ---------------------------------------------------------------------------
// WebKit's console lines.

/** One console line WebKit logs (its inspector's Console.messageAdded): where from, and the text. */
export interface WebKitConsoleLine {
  /** `security` (the reason), `javascript` (the API's line, script's refused headers) or `network`. */
  source: 'security' | 'javascript' | 'network';
  level: 'error';
  text: string;
}

/** WebKit's API word in "<API> cannot load <url> due to access control checks.". */
function webkitApiName(initiator: Initiator): string {
  return initiator === 'fetch' ? 'Fetch API' : initiator === 'xhr' ? 'XMLHttpRequest' : 'EventSource';
}

/**
 * WebKit's reason line for a row in context: the row's text, after a refused
 * redirect behind "Cross-origin redirection to <url> denied by Cross-Origin
 * Resource Sharing policy: " (NetworkLoadChecker::checkRedirection).
 */
export function webkitMessage(row: Reason, ctx: ReasonContext): string {
  if (!row.webkit) throw new Error(`corsproof: reason '${row.id}' has no WebKit message`);
  const text = row.webkit.text(ctx);
  return ctx.redirectTo === undefined ? text : `Cross-origin redirection to ${ctx.redirectTo} denied by Cross-Origin Resource Sharing policy: ${text}`;
}

/**
 * The reason phrases WebKit prints after a status (the server's own phrase;
 * the engine assumes the standard one, RFC 9110).
 */
const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  406: 'Not Acceptable', 407: 'Proxy Authentication Required', 408: 'Request Timeout', 409: 'Conflict', 410: 'Gone',
  411: 'Length Required', 412: 'Precondition Failed', 413: 'Payload Too Large', 414: 'URI Too Long', 415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable', 417: 'Expectation Failed', 418: "I'm a Teapot", 421: 'Misdirected Request', 422: 'Unprocessable Entity',
  423: 'Locked', 424: 'Failed Dependency', 425: 'Too Early', 426: 'Upgrade Required', 428: 'Precondition Required',
  429: 'Too Many Requests', 431: 'Request Header Fields Too Large', 451: 'Unavailable For Legal Reasons',
  500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported', 506: 'Variant Also Negotiates', 507: 'Insufficient Storage', 508: 'Loop Detected',
  509: 'Bandwidth Limit Exceeded', 510: 'Not Extended', 511: 'Network Authentication Required',
};

/**
 * Every console line WebKit logs for one request, in order (as seen in real
 * WebKitGTK): a `Refused to set unsafe header "<Name>"` line for each
 * forbidden header XMLHttpRequest's setRequestHeader refused (`refused`, as
 * script wrote the names; fetch() logs none); then, when blocked (`row` and
 * `ctx`), the reason line, `<API> cannot load <url> due to access control
 * checks.` and `Failed to load resource: <reason>` (these two the other way
 * round when a same-origin load's redirect was refused); when the response passed
 * with a status of 400 or more (`status`), `Failed to load resource: the
 * server responded with a status of <status> (<reason phrase>)`.
 */
export function webkitConsoleLines(refused: readonly string[], row: Reason | null, ctx: ReasonContext | null, status: number): WebKitConsoleLine[] {
  const lines: WebKitConsoleLine[] = refused.map((name) => ({ source: 'javascript', level: 'error', text: `Refused to set unsafe header "${name}"` }));
  if (row !== null && ctx !== null) {
    const reasonLine = webkitMessage(row, ctx);
    const api: WebKitConsoleLine = { source: 'javascript', level: 'error', text: `${webkitApiName(ctx.initiator)} cannot load ${ctx.url} due to access control checks.` };
    const network: WebKitConsoleLine = { source: 'network', level: 'error', text: `Failed to load resource: ${reasonLine}` };
    lines.push({ source: 'security', level: 'error', text: reasonLine }, ...(ctx.sameOriginLoad ? [network, api] : [api, network]));
  } else if (status >= 400) {
    const phrase = STATUS_TEXT[status] ?? '';
    lines.push({ source: 'network', level: 'error', text: `Failed to load resource: the server responded with a status of ${status} (${phrase})` });
  }
  return lines;
}
