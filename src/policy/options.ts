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
 * What an origin function may give back: the same values the `origin`
 * option takes. `true`, `'*'` (never with credentials), an origin, a pattern,
 * a RegExp or an array of these allow; `false`, `null`, `undefined` and `''`
 * deny.
 */
export type OriginValue = boolean | string | RegExp | ReadonlyArray<string | RegExp> | null | undefined;

/** The `cors` package's origin callback: `callback(error, value)`; an error means "not allowed" (reported to `onError`). */
export type OriginCallback = (error: unknown, value?: OriginValue) => void;

/**
 * An origin function in the `cors` style (Express, Connect, node:http,
 * Fastify): `(origin, callback, request)`. It returns its value, returns a
 * promise (or any thenable) of it, or passes it to `callback`. It is called
 * only for requests with an `Origin` (already checked to be a serialized
 * origin). Throwing or rejecting means "not allowed" and is reported to
 * `onError`; a function that declares the callback and neither returns a
 * value nor calls back within 10 s is treated the same way.
 */
export type OriginFunction<Req = unknown> = (
  origin: string,
  callback: OriginCallback,
  request: Req,
) => OriginValue | PromiseLike<OriginValue> | void;

/** `credentials` decided per request from the adapter's request or context (as `@koa/cors` allows): `true` means credentials. */
export type CredentialsFunction<Ctx = unknown> = (context: Ctx) => boolean | PromiseLike<boolean>;

/** One allowed origin: an exact origin, a pattern (`https://*.example.com`, `http://localhost:*`), or an anchored RegExp. */
export type OriginEntry = string | RegExp;

/** The options. Every option is checked when the policy is created; an unknown one is an error. */
export interface CorsOptions<Req = unknown, OriginFn = OriginFunction<Req>> {
  /**
   * Which origins may read responses: `'*'` (any, only without credentials),
   * an exact origin (`'https://app.example.com'`), a pattern
   * (`'https://*.example.com'`, `'http://localhost:*'`), a RegExp anchored
   * with `^` and `$`, an array of these, `true` (reflect any origin; never
   * with credentials), `false` (no CORS headers at all), or a function
   * called the way the adapter's framework calls it (see {@link OriginFunction};
   * Koa: `(ctx)`; Hono: `(origin, c)`; Web handlers: `(origin, request)`) that
   * gives back one of these values. Default `'*'`: `Access-Control-Allow-Origin: *`
   * on every response, with or without `Origin`.
   */
  origin?: '*' | boolean | OriginEntry | OriginEntry[] | OriginFn;
  /**
   * Send `Access-Control-Allow-Credentials: true` (cookies, HTTP auth).
   * Default `false`. A function of the adapter's request or context decides
   * per request.
   */
  credentials?: boolean | CredentialsFunction<Req>;
  /** Methods allowed cross-origin, as an array or a comma-separated string. Default `GET,HEAD,PUT,PATCH,POST,DELETE`. */
  methods?: string | string[];
  /**
   * Request headers allowed cross-origin. Default: whatever the preflight
   * asks for (as the `cors` package does). `'*'` means the same.
   */
  allowedHeaders?: string | string[];
  /** Response headers script may read, besides the safelisted ones. */
  exposedHeaders?: string | string[];
  /** Access-Control-Max-Age in seconds: an integer from 0 to 86400 (a string of digits means the same). */
  maxAge?: number | string;
  /** The status of an allowed preflight response (2xx). Default 204. */
  optionsSuccessStatus?: number;
  /** Pass allowed preflights on to the next handler instead of answering them. Default `false`. */
  preflightContinue?: boolean;
  /**
   * Answer `Access-Control-Request-Private-Network: true` preflights with
   * `Access-Control-Allow-Private-Network: true` (Chromium's Private Network
   * Access, before Local Network Access replaced it). Default `false`: such a
   * preflight is answered as any other, without that header (so the browser
   * decides, as with the `cors` packages).
   *
   * Chromium 142 and later (Local Network Access; seen in Chromium 156) and
   * Firefox 153 send no such header, nor any other: a page on a public address
   * reaches an API on the user's LAN or loopback only once the user allows
   * local network access, and no response header grants that. This option
   * changes nothing there; the preflights they send are the ordinary ones.
   */
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

/** What a peer's option means here: accepted (maybe as another option), or refused with the corsproof way. */
export type PeerOptionVerdict = { accept: true; as?: { option: string; value: unknown } } | { accept: false; message: string };

const rename = (peerName: string, ours: string, value: unknown, note = ''): PeerOptionVerdict => ({
  accept: false,
  message: `${peerName} is called ${ours} here, with the same values: write ${ours}: ${JSON.stringify(value) ?? '...'}.${note}`,
});

/**
 * Options of `cors`, `@fastify/cors`, `@koa/cors` and `hono/cors` that
 * corsproof does not take under that name: each says what to write instead,
 * or is accepted where it means what corsproof does anyway.
 */
export const PEER_OPTIONS: Readonly<Record<string, (value: unknown, options: Readonly<Record<string, unknown>>) => PeerOptionVerdict>> = {
  // cors: `headers` is its alias of allowedHeaders.
  headers: (value, options) =>
    options.allowedHeaders === undefined
      ? { accept: true, as: { option: 'allowedHeaders', value } }
      : { accept: false, message: "the cors package's alias of allowedHeaders, given together with allowedHeaders: keep one of them (allowedHeaders)." },
  // @koa/cors and hono/cors
  allowMethods: (value) =>
    typeof value === 'function'
      ? {
          accept: false,
          message:
            "hono/cors's allowMethods as a function picks methods per origin; here list every method in methods (a preflight from an origin that is not allowed is refused anyway), or mount a second cors() with other methods on the routes that need them.",
        }
      : value === null || value === '' || (Array.isArray(value) && value.length === 0)
        ? {
            accept: false,
            message: `@koa/cors's allowMethods: ${JSON.stringify(value)} sends no Access-Control-Allow-Methods, so browsers refuse every preflight for PUT, PATCH or DELETE; leave it out for the default methods (GET,HEAD,PUT,PATCH,POST,DELETE), or list them in methods.`,
          }
        : rename('allowMethods (@koa/cors, hono/cors)', 'methods', value),
  allowHeaders: (value) => rename('allowHeaders (@koa/cors, hono/cors)', 'allowedHeaders', value),
  exposeHeaders: (value) => rename('exposeHeaders (@koa/cors, hono/cors)', 'exposedHeaders', value),
  privateNetworkAccess: (value) => rename("@koa/cors's privateNetworkAccess", 'privateNetwork', value),
  keepHeadersOnError: (value) =>
    value === true || value === undefined
      ? { accept: true }
      : {
          accept: false,
          message:
            "corsproof always keeps the CORS headers on error responses: without them the browser shows a CORS error instead of your 4xx/5xx. Remove keepHeadersOnError.",
        },
  secureContext: (value) =>
    value === false || value === undefined
      ? { accept: true }
      : {
          accept: false,
          message:
            "@koa/cors's secureContext sets Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp, which are not CORS headers: set them in a middleware of your own (ctx.set('Cross-Origin-Opener-Policy', 'same-origin'); ctx.set('Cross-Origin-Embedder-Policy', 'require-corp')) or with koa-helmet, and remove secureContext.",
        },
};
