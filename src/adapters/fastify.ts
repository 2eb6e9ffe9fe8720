/**
 * `corsproof/fastify`: a Fastify plugin, registered like `@fastify/cors`,
 * with per-route options.
 *
 * ```ts
 * import cors from 'corsproof/fastify';
 * await app.register(cors, { origin: ['https://app.example.com'], credentials: true });
 * app.get('/public', { config: { cors: { origin: '*' } } }, handler); // this route's own policy
 * app.get('/internal', { config: { cors: false } }, handler);         // no CORS headers here
 * ```
 *
 * A route's `config.cors` is read when its requests are handled (compiled
 * once per route), so it applies whether or not `register` was awaited.
 *
 * Unlike `@fastify/cors`, a route's own options apply to its preflights too,
 * for every route the plugin sees being declared (declared after
 * `await app.register(cors)`, or in a plugin registered after it): the
 * plugin adds an OPTIONS route next to it, constrained to CORS preflights,
 * which answers each preflight with the options of the route its
 * Access-Control-Request-Method reaches. The app's own OPTIONS route for the
 * same path (if any) still gets every other OPTIONS request. Fastify shows a
 * plugin no route declared before it loaded (routes declared next to a
 * `register` that is not awaited), so their preflights get the plugin's
 * options; the first request to such a route with its own options logs a
 * warning saying so.
 *
 * The plugin's OPTIONS routes are hidden from schema tools (`@fastify/swagger`),
 * and what they do not answer goes to the app's not-found handler.
 */
import type { IncomingMessage } from 'node:http';
import type { ConfigProblem } from '../policy/errors.js';
import { CorsConfigError } from '../policy/errors.js';
import type { PolicyConventions } from '../policy/compile.js';
import type { CorsOptions } from '../policy/options.js';
import type { CorsDecision, Policy } from '../policy/policy.js';
import { answersPreflight, createPolicy, mergeVary } from '../policy/policy.js';
import { headerLine, policyRequest, probeRequest } from './node-shared.js';

export { CorsConfigError } from '../policy/errors.js';
export type { CorsOptions } from '../policy/options.js';

/** What the plugin puts in a route's config: the route's compiled policy (`null`: CORS off), or, on its own OPTIONS routes, the policy per method. */
interface RouteConfigLike {
  cors?: unknown;
  [ROUTE_POLICY]?: Policy | null;
  [PREFLIGHT_POLICIES]?: Map<string, Policy | null>;
}
/** The parts of Fastify's API the plugin uses (structural, so Fastify stays a peer). */
interface FastifyRequestLike {
  raw: IncomingMessage;
  routeOptions?: { method?: string | string[]; url?: string; config?: RouteConfigLike };
  log: { warn(object: object, message: string): void; error(object: object, message: string): void };
}
interface FastifyReplyLike {
  code(status: number): FastifyReplyLike;
  header(name: string, value: string): FastifyReplyLike;
  getHeader(name: string): unknown;
  send(payload?: unknown): FastifyReplyLike;
  callNotFound(): void;
}
interface RouteOptionsLike {
  method: string | string[];
  url: string;
  config?: RouteConfigLike;
}
/** A find-my-way constraint strategy, as Fastify's addConstraintStrategy takes it. */
interface ConstraintStrategyLike {
  name: string;
  storage(): { get(value: string): unknown; set(value: string, store: unknown): void };
  deriveConstraint(req: IncomingMessage): string;
  mustMatchWhenDerived: boolean;
}
interface FastifyInstanceLike {
  prefix: string;
  addHook(name: string, hook: (...args: never[]) => unknown): unknown;
  addConstraintStrategy(strategy: ConstraintStrategyLike): unknown;
  decorateRequest(name: symbol, value: null): unknown;
  hasRequestDecorator(name: symbol): boolean;
  hasConstraintStrategy(name: string): boolean;
  route(options: Record<string, unknown>): unknown;
}

const DECISION = Symbol('corsproof.decision');
/** Where a route's own compiled policy lives in its config (Fastify copies the config, symbols included). */
const ROUTE_POLICY = Symbol('corsproof.policy');
/** On the plugin's preflight-only OPTIONS routes: the policy of each method of the path, by Access-Control-Request-Method. */
const PREFLIGHT_POLICIES = Symbol('corsproof.preflightPolicies');
const SKIP_OVERRIDE = Symbol.for('skip-override');
const DISPLAY_NAME = Symbol.for('fastify.display-name');

type Decided = FastifyRequestLike & { [DECISION]?: CorsDecision | null };

/** The route constraint that sends CORS preflights (OPTIONS with Access-Control-Request-Method) to the plugin's OPTIONS routes. */
const PREFLIGHT_CONSTRAINT = 'corsproofPreflight';
const PREFLIGHT_STRATEGY: ConstraintStrategyLike = {
  name: PREFLIGHT_CONSTRAINT,
  storage() {
    const stores = new Map<string, unknown>();
    return { get: (value) => stores.get(value) ?? null, set: (value, store) => void stores.set(value, store) };
  },
  deriveConstraint: (req) => (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined ? 'preflight' : 'other'),
  // Requests that are not preflights still reach the unconstrained routes.
  mustMatchWhenDerived: false,
};

/**
 * The plugin's options: the policy options, and these `@fastify/cors`
 * options where they mean something here.
 */
export type FastifyCorsOptions = CorsOptions<FastifyRequestLike> & {
  /**
   * `false`: the plugin answers no preflight and adds no OPTIONS route; an
   * allowed preflight gets the CORS headers and goes on to the app's OPTIONS
   * route (or its not-found handler), as with `preflightContinue: true`.
   * Default `true`.
   */
  preflight?: boolean;
  /** Hide the plugin's OPTIONS routes from schema tools (`schema: { hide }`). Default `true`. */
  hideOptionsRoute?: boolean;
  /** The log level of the plugin's OPTIONS routes (Fastify's level names). */
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Accepted for `@fastify/cors` code: only real preflights (OPTIONS with Origin and Access-Control-Request-Method) are answered, always. */
  strictPreflight?: true;
  /** Accepted for `@fastify/cors` code: the plugin decides in `onRequest`, always. */
  hook?: 'onRequest';
};

/** What the plugin does besides the policy. */
interface PluginSettings {
  answerPreflights: boolean;
  hideRoutes: boolean;
  logLevel: string | undefined;
}

const problemOf = (path: string, message: string): ConfigProblem => ({ code: 'peer-option', path, message });
const typeProblem = (path: string, expected: string, value: unknown): ConfigProblem => ({
  code: 'bad-type',
  path,
  message: `expected ${expected}, got ${JSON.stringify(value) ?? typeof value}.`,
});

/**
 * `@fastify/cors`'s own options, taken out before the policy sees the rest:
 * accepted where they cost nothing, else refused with the corsproof way to
 * the same effect.
 */
const FASTIFY_CORS_OPTIONS = ['preflight', 'hideOptionsRoute', 'logLevel', 'strictPreflight', 'hook', 'cacheControl', 'delegator'] as const;
/** Those that are about the plugin's routes, not about a policy: plugin options only. */
const PLUGIN_ONLY = new Set<string>(['preflight', 'hideOptionsRoute', 'logLevel']);

/**
 * How @fastify/cors calls origin functions (`(origin, callback)`, here with
 * the request third) and joins lists (`', '`).
 */
const CONVENTIONS: PolicyConventions = {
  listSeparator: ', ',
  probeContext: (origin) => {
    const raw = probeRequest(origin);
    return { raw, headers: raw.headers, method: raw.method, url: raw.url };
  },
};

/**
 * One of @fastify/cors's own options: what it sets in the plugin's
 * settings or the policy's options (`rest`), or the problem it is.
 */
function readPluginOption(key: (typeof FASTIFY_CORS_OPTIONS)[number], value: unknown, rest: Record<string, unknown>, settings: PluginSettings, problems: ConfigProblem[]): void {
  switch (key) {
    case 'preflight':
      if (typeof value !== 'boolean') problems.push(typeProblem(key, 'true or false', value));
      else if (!value) {
        if (rest.preflightContinue === false) {
          problems.push(problemOf(key, 'preflight: false passes allowed preflights on (preflightContinue: true): remove preflightContinue: false.'));
        }
        rest.preflightContinue = true;
        settings.answerPreflights = false;
      }
      break;
    case 'hideOptionsRoute':
      if (typeof value !== 'boolean') problems.push(typeProblem(key, 'true or false', value));
      else settings.hideRoutes = value;
      break;
    case 'logLevel':
      if (typeof value !== 'string') problems.push(typeProblem(key, "a log level such as 'warn'", value));
      else settings.logLevel = value;
      break;
    case 'strictPreflight':
      if (value !== true) {
        problems.push(
          problemOf(
            key,
            'corsproof answers only real CORS preflights (OPTIONS with Origin and Access-Control-Request-Method); every other OPTIONS request goes to your routes, or your not-found handler. Remove strictPreflight, and declare an OPTIONS route (app.options(path, handler)) for the OPTIONS requests that are not preflights.',
          ),
        );
      }
      break;
    case 'hook':
      if (value !== 'onRequest') {
        problems.push(
          problemOf(
            key,
            `corsproof/fastify decides in onRequest, so preflights are answered before authentication and body parsing can refuse them (hook: 'onRequest' is accepted). For a decision per request, use an origin function, as with @fastify/cors (origin: (origin, callback) => ...). For one that needs a later hook's data, call createPolicy from 'corsproof' in that hook instead of registering the plugin.`,
          ),
        );
      }
      break;
    case 'cacheControl': {
      const seconds = typeof value === 'number' ? value : Number(/max-age=(\d+)/i.exec(String(value))?.[1] ?? 600);
      problems.push(
        problemOf(
          key,
          `browsers keep a preflight's answer for Access-Control-Max-Age seconds, not by Cache-Control: use maxAge: ${Math.min(86400, Math.max(0, Math.floor(seconds) || 0))}. To send Cache-Control on preflight answers anyway, set it in an onSend hook (reply.header('Cache-Control', ...)).`,
        ),
      );
      break;
    }
    case 'delegator':
      problems.push(
        problemOf(
          key,
          "options chosen per request cannot be checked at start-up: use an origin function, as with @fastify/cors (origin: (origin, callback) => ...), or a route's own options ({ config: { cors: { ... } } }).",
        ),
      );
      break;
  }
}

/**
 * Split the options (the plugin's, or a route's `config.cors`) into the
 * policy and the plugin's settings. Throws one CorsConfigError with every
 * problem, the policy's included.
 */
function readOptions(options: unknown, level: 'plugin' | 'route', conventions: PolicyConventions): { policy: Policy; settings: PluginSettings } {
  const settings: PluginSettings = { answerPreflights: true, hideRoutes: true, logLevel: undefined };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    if (level === 'route') throw new CorsConfigError([typeProblem('config.cors', 'an options object, or false to turn CORS off for this route', options)]);
    return { policy: createPolicy(options as CorsOptions, conventions), settings };
  }
  const rest: Record<string, unknown> = { ...(options as Record<string, unknown>) };
  const problems: ConfigProblem[] = [];
  for (const key of FASTIFY_CORS_OPTIONS) {
    if (!Object.hasOwn(rest, key)) continue;
    const value = rest[key];
    delete rest[key];
    if (value === undefined) continue;
    if (level === 'route' && PLUGIN_ONLY.has(key)) {
      problems.push(problemOf(key, `an option of the plugin's OPTIONS routes, not of one route: pass it to app.register(cors, { ${key}: ${JSON.stringify(value)} }).`));
      continue;
    }
    readPluginOption(key, value, rest, settings, problems);
  }
  let policy: Policy | undefined;
  try {
    policy = createPolicy(rest as CorsOptions, conventions);
  } catch (error) {
    if (!(error instanceof CorsConfigError)) throw error;
    problems.push(...error.problems);
  }
  if (problems.length > 0 || policy === undefined) throw new CorsConfigError(problems);
  return { policy, settings };
}

/** A route's `config.cors`: its policy, `null` for `false`; compiled once per options object. */
function routePolicy(own: unknown, compiled: WeakMap<object, Policy>, conventions: PolicyConventions): Policy | null {
  if (own === false) return null;
  if (typeof own === 'object' && own !== null) {
    const known = compiled.get(own);
    if (known !== undefined) return known;
  }
  const { policy } = readOptions(own, 'route', conventions);
  compiled.set(own as object, policy);
  return policy;
}

/**
 * The plugin. Options are checked at registration (a CorsConfigError stops
 * the app from starting); a route's `config.cors` (options or `false`) is
 * checked when the route is added, when the plugin sees that, else at the
 * route's first request (a problem then answers 500 and is logged).
 */
async function corsproofFastify(instance: unknown, options: FastifyCorsOptions = {}): Promise<void> {
  const fastify = instance as FastifyInstanceLike;
  // As @fastify/cors does, an origin function is called with `this` bound to the Fastify instance.
  const conventions: PolicyConventions = { ...CONVENTIONS, originThis: fastify };
  const { policy: global, settings } = readOptions(options, 'plugin', conventions);
  // An origin function that answers asynchronously is checked now: an unsafe one stops the app from starting.
  await global.ready();
  const policies = new RoutePolicies(fastify, global, settings, conventions);
  if (!fastify.hasConstraintStrategy(PREFLIGHT_CONSTRAINT)) fastify.addConstraintStrategy(PREFLIGHT_STRATEGY);
  // Declared up front, as @fastify/cors does with its own: every request object keeps one shape, decided or not.
  if (!fastify.hasRequestDecorator(DECISION)) fastify.decorateRequest(DECISION, null);
  fastify.addHook('onRoute', ((route: RouteOptionsLike) => policies.onRoute(route)) as never);
  fastify.addHook('onRequest', ((request: Decided, reply: FastifyReplyLike, done: (error?: unknown) => void) => decideRequest(policies.policyFor(request), request, reply, done)) as never);
  fastify.addHook('onSend', mergeVaryOnSend as never);
  // Preflights for paths without an OPTIONS route of their own land here (the onRequest hook answers them).
  // Constrained to preflights, so that the app's own catch-all (app.all('/*'), app.options('*')) still starts
  // and gets every other OPTIONS request.
  if (settings.answerPreflights) {
    fastify.route({ ...policies.ownRoute, method: 'OPTIONS', url: '*', constraints: { [PREFLIGHT_CONSTRAINT]: 'preflight' }, handler: optionsHandler });
  }
}

/** Which policy governs a request: the plugin's, a route's own (`config.cors`), or the one for a preflight's method. */
class RoutePolicies {
  /** Route options compiled once per options object. */
  readonly compiled = new WeakMap<object, Policy>();
  /** Routes the plugin did not see being added: their policy (or the problem with their options), by their config. */
  readonly late = new WeakMap<object, Policy | null | CorsConfigError>();
  /** The plugin's preflight-only OPTIONS routes: path → method → policy. */
  readonly preflightRoutes = new Map<string, Map<string, Policy | null>>();
  /** What every route the plugin adds has: hidden from schema tools, no HEAD twin, the configured log level. */
  readonly ownRoute: Record<string, unknown>;

  constructor(
    readonly fastify: FastifyInstanceLike,
    readonly global: Policy,
    readonly settings: PluginSettings,
    readonly conventions: PolicyConventions,
  ) {
    this.ownRoute = {
      exposeHeadRoute: false,
      schema: { hide: settings.hideRoutes },
      ...(settings.logLevel !== undefined ? { logLevel: settings.logLevel } : {}),
    };
  }

  policyFor(request: FastifyRequestLike): Policy | null | CorsConfigError {
    const config = request.routeOptions?.config;
    if (config === undefined || config === null) return this.global;
    const byMethod = config[PREFLIGHT_POLICIES];
    if (byMethod !== undefined) {
      const method = request.raw.headers['access-control-request-method'];
      const policy = typeof method === 'string' ? byMethod.get(method) : undefined;
      return policy === undefined ? this.global : policy;
    }
    if (ROUTE_POLICY in config) return config[ROUTE_POLICY] ?? null;
    if (config.cors === undefined) return this.global;
    const known = this.late.get(config);
    return known !== undefined ? known : this.lateRoutePolicy(request, config);
  }

  /** A route with its own options, seen as it is added: its policy checked now (a CorsConfigError stops the app), and an OPTIONS route for its preflights. */
  onRoute(route: RouteOptionsLike): void {
    const config = route.config;
    if (config === undefined || config === null || config.cors === undefined) return;
    const policy = routePolicy(config.cors, this.compiled, this.conventions);
    route.config = { ...config, [ROUTE_POLICY]: policy };
    if (!this.settings.answerPreflights) return;
    let byMethod = this.preflightRoutes.get(route.url);
    if (byMethod === undefined) {
      byMethod = new Map();
      this.preflightRoutes.set(route.url, byMethod);
      const prefix = this.fastify.prefix;
      this.fastify.route({
        ...this.ownRoute,
        method: 'OPTIONS',
        url: route.url.startsWith(prefix) ? route.url.slice(prefix.length) : route.url,
        constraints: { [PREFLIGHT_CONSTRAINT]: 'preflight' },
        config: { [PREFLIGHT_POLICIES]: byMethod },
        handler: optionsHandler,
      });
    }
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) {
      if (!byMethod.has(method)) byMethod.set(method, policy);
    }
  }

  /** A route added before the plugin loaded: its options read at its first request. */
  lateRoutePolicy(request: FastifyRequestLike, config: RouteConfigLike): Policy | null | CorsConfigError {
    let policy: Policy | null | CorsConfigError;
    try {
      policy = routePolicy(config.cors, this.compiled, this.conventions);
      if (this.settings.answerPreflights) {
        request.log.warn(
          { route: request.routeOptions?.url, method: request.routeOptions?.method },
          'corsproof: this route has its own config.cors but was declared before corsproof/fastify loaded, so the plugin could not add its preflight route: its requests follow its options, its CORS preflights get the plugin\'s options. Declare it after `await app.register(cors, ...)` (or in a plugin registered after corsproof) for its preflights to follow its options too.',
        );
      }
    } catch (error) {
      if (!(error instanceof CorsConfigError)) throw error;
      policy = error;
    }
    this.late.set(config, policy);
    return policy;
  }
}

/** The onRequest hook: decide with the route's policy, answer the preflights the plugin answers, let the rest through. */
function decideRequest(policy: Policy | null | CorsConfigError, request: Decided, reply: FastifyReplyLike, done: (error?: unknown) => void): void {
  if (policy === null) {
    done();
    return;
  }
  if (policy instanceof CorsConfigError) {
    // Never a silent allow: the route answers 500 until its options are fixed.
    request.log.error({ err: policy, route: request.routeOptions?.url }, "corsproof: this route's config.cors is invalid");
    done(Object.assign(new Error("corsproof: this route's CORS options (config.cors) are invalid; the server log says why"), { statusCode: 500, cause: policy }));
    return;
  }
  // Callback style: no promise per request when the decision is synchronous.
  const decision = policy.decide(policyRequest(request.raw), request);
  if (decision instanceof Promise) decision.then((d) => finish(request, reply, d, done), done);
  else finish(request, reply, decision, done);
}

function finish(request: Decided, reply: FastifyReplyLike, decision: CorsDecision, done: (error?: unknown) => void): void {
  request[DECISION] = decision;
  for (const [name, value] of decision.headers) reply.header(name, value);
  if (answersPreflight(decision)) {
    if (decision.vary) reply.header('Vary', decision.vary);
    reply.code(decision.status);
    if (decision.body !== null) reply.header('Content-Type', 'text/plain; charset=utf-8').send(decision.body);
    else reply.header('Content-Length', '0').send();
    return; // answered: Fastify skips the route
  }
  done();
}

/** The onSend hook: merge Vary when the reply goes out, so a Vary the route sets is kept. */
function mergeVaryOnSend(request: Decided, reply: FastifyReplyLike, payload: unknown, done: (error: unknown, payload: unknown) => void): void {
  const vary = request[DECISION]?.vary;
  if (vary) {
    // Unchanged (an answered preflight's, or nobody else's): no second write.
    const current = reply.getHeader('vary');
    const merged = mergeVary(headerLine(current), vary);
    if (merged !== current) reply.header('Vary', merged);
  }
  done(null, payload);
}

/**
 * The handler of the plugin's OPTIONS routes: an allowed preflight that
 * goes on (`preflightContinue`) gets the success status and no body;
 * everything else the hook did not answer goes to the app's not-found handler.
 */
function optionsHandler(request: Decided, reply: FastifyReplyLike): void {
  const decision = request[DECISION];
  if (decision?.kind === 'preflight' && decision.allowed && decision.continue) reply.code(decision.status).header('Content-Length', '0').send();
  else reply.callNotFound();
}

const plugin = Object.assign(corsproofFastify, { [SKIP_OVERRIDE]: true, [DISPLAY_NAME]: 'corsproof' });

export default plugin;
export { plugin as cors };
