/**
 * `corsproof/testing`: a team's CORS contract, checked in its own test
 * suite the way browsers will check it, in-process and without a browser.
 *
 * ```ts
 * import { expectCors } from 'corsproof/testing';
 * await expectCors(app).from('https://app.example.com')
 *   .fetch('/items/7', { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{}', credentials: 'include' })
 *   .toPass();
 * ```
 *
 * Each assertion resolves to the verdict, or rejects with a `node:assert`
 * AssertionError carrying the doctor's report, so it works unchanged in
 * Vitest, Jest, node:test and Mocha.
 *
 * @packageDocumentation
 */
import type { BrowserName } from '../engine/types.js';
import type { Judging } from './expect.js';
import { BROWSERS, CorsPage } from './expect.js';
import type { AttackersOptions } from './attackers.js';
import { AttackerExpectation } from './attackers.js';
import type { AppTarget, FetchHandler, NodeListener, RouteModule, Transport, TransportOptions } from './targets.js';
import { fetchTransport, nodeTransport, routeModuleTransport, transportFor } from './targets.js';

export { CorsPage, CorsRequestExpectation } from './expect.js';
export type { CorsOutcome } from './expect.js';
export { AttackerExpectation } from './attackers.js';
export type { AttackersOptions, AttackResult } from './attackers.js';
export type { ProbeId, Probe } from '../policy/probes.js';
export type { Body, EventSourceInit, FetchInit, HeadersInit, XhrInit } from './client.js';
export type { AppTarget, ExpressLike, FastifyLike, FetchApp, FetchHandler, KoaLike, NodeListener, RouteModule } from './targets.js';
export { DEFAULT_APP_URL } from './targets.js';

/** Options of {@link expectCors}. */
export interface ExpectCorsOptions extends TransportOptions {
  /** The browsers whose verdict the assertions hold to (default: every engine corsproof models, Chromium, Firefox and WebKit). */
  browsers?: readonly BrowserName[];
}

/** The target under test; `.from(origin)` is the page that makes the requests. */
export class CorsExpectation {
  readonly #transport: Transport;
  readonly #judging: Judging;

  /** @internal */
  constructor(transport: Transport, options: ExpectCorsOptions) {
    this.#transport = transport;
    this.#judging = { browsers: readBrowsers(options.browsers) };
  }

  /** The page's origin (`https://app.example.com`): every request below is made from it. */
  from(pageOrigin: string): CorsPage {
    return new CorsPage(this.#transport, pageOrigin, this.#judging);
  }

  /**
   * Pages at the origins an attacker would try, derived from the origins the
   * app means to allow (prefix and suffix tricks, an unescaped dot, the http
   * twin, any subdomain, hosting services, ...); `.toBeBlocked()` fails when
   * a browser lets any of them read a response.
   */
  attackers(options: AttackersOptions): AttackerExpectation {
    return new AttackerExpectation(this.#transport, options, this.#judging);
  }
}

function readBrowsers(browsers: readonly BrowserName[] | undefined): readonly BrowserName[] {
  if (browsers === undefined) return BROWSERS;
  const unknown = browsers.filter((b) => !BROWSERS.includes(b));
  if (unknown.length > 0 || browsers.length === 0) {
    throw new TypeError(`expectCors: browsers must name some of ${BROWSERS.join(', ')}; got ${JSON.stringify(browsers)}.`);
  }
  return [...new Set(browsers)];
}

/** The forms of {@link expectCors}. */
export interface ExpectCors {
  /**
   * An app recognised by its shape (an Express, Koa, Fastify or Hono app,
   * an object with `fetch(request)`), or a base URL of a deployed service.
   */
  (target: AppTarget, options?: ExpectCorsOptions): CorsExpectation;
  /** A Node request listener `(req, res)`: a node:http handler, `koaApp.callback()`. */
  node(listener: NodeListener, options?: ExpectCorsOptions): CorsExpectation;
  /**
   * A Web fetch handler `(request) => Response`, or a Next.js route module's
   * exported methods (`{ GET, POST, OPTIONS }`; `params` is what a dynamic
   * route's handlers get, e.g. `{ id: '7' }` for `app/items/[id]/route.ts`).
   */
  fetch(handler: FetchHandler | RouteModule, options?: ExpectCorsOptions & { params?: Record<string, string | string[]> }): CorsExpectation;
}

/** Check a target's CORS the way browsers will. */
export const expectCors: ExpectCors = Object.assign((target: AppTarget, options: ExpectCorsOptions = {}) => new CorsExpectation(transportFor(target, options), options), {
  node: (listener: NodeListener, options: ExpectCorsOptions = {}) => new CorsExpectation(nodeTransport(listener, options), options),
  fetch: (handler: FetchHandler | RouteModule, options: ExpectCorsOptions & { params?: Record<string, string | string[]> } = {}) =>
    new CorsExpectation(typeof handler === 'function' ? fetchTransport(handler, options) : routeModuleTransport(handler, options), options),
});
