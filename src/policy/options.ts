/**
 * The options of `createPolicy` and the adapters. Names follow the `cors`
 * package, so that switching is a one-line import change.
 */

/** What the policy knows of a request: the method and the CORS request headers, raw. */
export interface PolicyRequest {
  /** The request method as received. */
  method: string;
  /** The `Origin` header, or `undefined` when absent. */
  origin: string | undefined;
  /** `Access-Control-Request-Method`, or `undefined`. */
  accessControlRequestMethod: string | undefined;
  /** `Access-Control-Request-Headers` (lines joined with ", "), or `undefined`. */
  accessControlRequestHeaders: string | undefined;
  /** `Access-Control-Request-Private-Network`, or `undefined`. */
  accessControlRequestPrivateNetwork?: string | undefined;
}

/**
 * A function deciding whether an origin is allowed. It gets the request's
 * `Origin` (already checked to be a serialized origin) and the request the
 * adapter passes along (the framework's own request object). Throwing or
 * rejecting means "not allowed" and is reported to `onError`.
 */
export type OriginFunction<Req = unknown> = (origin: string, request: Req) => boolean | Promise<boolean>;

/** One allowed origin: an exact origin, a pattern (`https://*.example.com`, `http://localhost:*`), or an anchored RegExp. */
export type OriginEntry = string | RegExp;

/** The options. Every option is checked when the policy is created; an unknown one is an error. */
export interface CorsOptions<Req = unknown> {
  /**
   * Which origins may read responses: `'*'` (any, only without credentials),
   * an exact origin (`'https://app.example.com'`), a pattern
   * (`'https://*.example.com'`, `'http://localhost:*'`), a RegExp anchored
   * with `^` and `$`, an array of these, `true` (reflect any origin; never
   * with credentials), `false` (no CORS headers at all), or a function
   * `(origin, request) => boolean | Promise<boolean>` (the `cors` package's
   * `(origin, callback)` form works too). Default `'*'`.
   */
  origin?: '*' | boolean | OriginEntry | OriginEntry[] | OriginFunction<Req>;
  /** Send `Access-Control-Allow-Credentials: true` (cookies, HTTP auth). Default `false`. */
  credentials?: boolean;
  /** Methods allowed cross-origin, as an array or a comma-separated string. Default `GET,HEAD,PUT,PATCH,POST,DELETE`. */
  methods?: string | string[];
  /**
   * Request headers allowed cross-origin. Default: whatever the preflight
   * asks for (as the `cors` package does). `'*'` means the same.
   */
  allowedHeaders?: string | string[];
  /** Response headers script may read, besides the safelisted ones. */
  exposedHeaders?: string | string[];
  /** Access-Control-Max-Age in seconds: an integer from 0 to 86400. */
  maxAge?: number;
  /** The status of an allowed preflight response (2xx). Default 204. */
  optionsSuccessStatus?: number;
  /** Pass allowed preflights on to the next handler instead of answering them. Default `false`. */
  preflightContinue?: boolean;
  /** Answer `Access-Control-Request-Private-Network: true` preflights with `Access-Control-Allow-Private-Network: true`. */
  privateNetwork?: boolean;
  /**
   * Explain refused preflights: a plain-text body saying which check failed
   * and what option would allow it, and a log line (to `console.warn`, or
   * to the function given).
   */
  debug?: boolean | ((line: string) => void);
  /** Called when an origin function throws or rejects; the request is then treated as not allowed. */
  onError?: (error: unknown) => void;
  /**
   * Allow `http://` origins other than loopback together with credentials
   * (anyone on the network path can impersonate them). Default `false`.
   */
  dangerouslyAllowInsecureOriginsWithCredentials?: boolean;
  /**
   * Allow wildcard patterns directly under a public suffix
   * (`https://*.github.io`) together with credentials (anyone can register
   * a matching site). Default `false`.
   */
  dangerouslyAllowPublicSuffixWildcards?: boolean;
}

/** The option names, for the unknown-option check. */
export const OPTION_NAMES: readonly string[] = [
  'origin',
  'credentials',
  'methods',
  'allowedHeaders',
  'exposedHeaders',
  'maxAge',
  'optionsSuccessStatus',
  'preflightContinue',
  'privateNetwork',
  'debug',
  'onError',
  'dangerouslyAllowInsecureOriginsWithCredentials',
  'dangerouslyAllowPublicSuffixWildcards',
];

/** The `cors` package's default methods. */
export const DEFAULT_METHODS: readonly string[] = ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE'];
