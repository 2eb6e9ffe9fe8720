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
 * Unlike `@fastify/cors`, a route's own options apply to its preflights
 * too: the plugin adds an OPTIONS route next to each route that has them,
 * constrained to CORS preflights, so the app's own OPTIONS route for the same
 * path (if any) still gets every other OPTIONS request, and neither clashes.
 */
import type { IncomingMessage } from 'node:http';
import type { CorsOptions } from '../policy/options.js';
import type { CorsDecision, Policy } from '../policy/policy.js';
import { createPolicy, mergeVary } from '../policy/policy.js';
import { policyRequest } from './node-shared.js';

export { CorsConfigError } from '../policy/errors.js';
export type { CorsOptions } from '../policy/options.js';

/** The parts of Fastify's API the plugin uses (structural, so Fastify stays a peer). */
interface FastifyRequestLike {
  raw: IncomingMessage;
  routeOptions?: { config?: { [ROUTE_POLICY]?: Policy | null } };
}
interface FastifyReplyLike {
  code(status: number): FastifyReplyLike;
  header(name: string, value: string): FastifyReplyLike;
  getHeader(name: string): unknown;
  send(payload?: unknown): FastifyReplyLike;
}
interface RouteOptionsLike {
  method: string | string[];
  url: string;
  config?: { cors?: unknown; [ROUTE_POLICY]?: Policy | null };
  handler: unknown;
}
/** A find-my-way constraint strategy, as Fastify's addConstraintStrategy takes it. */
interface ConstraintStrategyLike {
  name: string;
  storage(): { get(value: string): unknown; set(value: string, store: unknown): void };
  deriveConstraint(req: IncomingMessage): string;
  mustMatchWhenDerived: boolean;
}
interface FastifyInstanceLike {
  addHook(name: string, hook: (...args: never[]) => unknown): unknown;
  addConstraintStrategy(strategy: ConstraintStrategyLike): unknown;
  hasConstraintStrategy(name: string): boolean;
  route(options: Record<string, unknown>): unknown;
  options(path: string, handler: (req: FastifyRequestLike, reply: FastifyReplyLike) => unknown): unknown;
}

const DECISION = Symbol('corsproof.decision');
/** Where a route's own compiled policy lives in its config (Fastify copies the config, symbols included). */
const ROUTE_POLICY = Symbol('corsproof.policy');
const SKIP_OVERRIDE = Symbol.for('skip-override');
const DISPLAY_NAME = Symbol.for('fastify.display-name');

type Decided = FastifyRequestLike & { [DECISION]?: CorsDecision };

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

/** The plugin's options: the policy options. */
export type FastifyCorsOptions = CorsOptions<FastifyRequestLike>;

/**
 * The plugin. Options are checked at registration (a CorsConfigError stops
 * the app from starting); each route's `config.cors` (options or `false`)
 * is checked when the route is added.
 */
async function corsproofFastify(instance: unknown, options: FastifyCorsOptions = {}): Promise<void> {
  const fastify = instance as FastifyInstanceLike;
  const global = createPolicy(options as CorsOptions);
  const preflightPaths = new Set<string>();

  const policyFor = (request: FastifyRequestLike): Policy | null => {
    const config = request.routeOptions?.config;
    return config !== undefined && ROUTE_POLICY in config ? (config[ROUTE_POLICY] ?? null) : global;
  };

  if (!fastify.hasConstraintStrategy(PREFLIGHT_CONSTRAINT)) fastify.addConstraintStrategy(PREFLIGHT_STRATEGY);
  fastify.addHook('onRoute', ((route: RouteOptionsLike) => {
    const own = route.config?.cors;
    if (own === undefined || route.config === undefined) return;
    route.config[ROUTE_POLICY] = own === false ? null : createPolicy(own as CorsOptions);
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (own !== false && !methods.includes('OPTIONS') && !preflightPaths.has(route.url)) {
      preflightPaths.add(route.url);
      fastify.route({ method: 'OPTIONS', url: route.url, constraints: { [PREFLIGHT_CONSTRAINT]: 'preflight' }, config: { cors: own }, handler: notFound });
    }
  }) as never);

  // Callback-style hooks: no promise per request when the decision is synchronous.
  const finish = (request: Decided, reply: FastifyReplyLike, decision: CorsDecision, done: (error?: unknown) => void): void => {
    request[DECISION] = decision;
    for (const [name, value] of decision.headers) reply.header(name, value);
    if (decision.kind === 'preflight' && !(decision.allowed && decision.continue)) {
      if (decision.vary) reply.header('Vary', decision.vary);
      reply.code(decision.status);
      if (decision.body !== null) reply.header('Content-Type', 'text/plain; charset=utf-8').send(decision.body);
      else reply.header('Content-Length', '0').send();
      return; // answered: Fastify skips the route
    }
    done();
  };
  fastify.addHook('onRequest', ((request: Decided, reply: FastifyReplyLike, done: (error?: unknown) => void) => {
    const policy = policyFor(request);
    if (policy === null) {
      done();
      return;
    }
    const decision = policy.decide(policyRequest(request.raw), request);
    if (decision instanceof Promise) decision.then((d) => finish(request, reply, d, done), done);
    else finish(request, reply, decision, done);
  }) as never);

  // Merge Vary when the reply goes out, so a Vary the route sets is kept.
  fastify.addHook('onSend', ((request: Decided, reply: FastifyReplyLike, payload: unknown, done: (error: unknown, payload: unknown) => void) => {
    const vary = request[DECISION]?.vary;
    if (vary) {
      const current = reply.getHeader('vary');
      reply.header('Vary', mergeVary(current === undefined ? undefined : String(current), vary));
    }
    done(null, payload);
  }) as never);

  // Preflights for paths without an OPTIONS route of their own land here (the hook answers them).
  fastify.options('*', notFound);
}

function notFound(_req: FastifyRequestLike, reply: FastifyReplyLike): unknown {
  return reply.code(404).send('Not Found');
}

const plugin = Object.assign(corsproofFastify, { [SKIP_OVERRIDE]: true, [DISPLAY_NAME]: 'corsproof' });

export default plugin;
export { plugin as cors };
