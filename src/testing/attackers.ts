/**
 * The attacker's side: requests from the origins a careless allow-list
 * lets through (the probe table, src/policy/probes.ts, derived from the
 * origins the app really allows), each sent as the browser sends it, with
 * credentials; a finding is a probe origin whose page a browser lets read
 * the response.
 */
import { AssertionError } from 'node:assert';
import type { BrowserName } from '../engine/types.js';
import type { Probe, ProbeId } from '../policy/probes.js';
import { findingsAmong, probeFlaw, probesFor } from '../policy/probes.js';
import type { FetchInit } from './client.js';
import type { CorsOutcome, Judging } from './expect.js';
import { CorsPage, reportText } from './expect.js';
import type { Transport } from './targets.js';

/** Options of `expectCors(target).attackers(...)`. */
export interface AttackersOptions {
  /** The origins the app means to allow, serialized (`https://app.example.com`); the probes are derived from them. */
  allowed: readonly string[];
  /** Probe classes the app allows on purpose (e.g. `'trusts-any-subdomain'` for a `https://*.example.com` policy). */
  ignore?: readonly ProbeId[];
}

/** One request from one probe origin, and what came of it. */
export interface AttackResult {
  probe: Probe;
  /** The request, as `fetch(path, init)`. */
  path: string;
  init: FetchInit;
  /** The browsers that let the probe origin read the response (empty: blocked everywhere). */
  readableIn: BrowserName[];
  /** The verdict, the exchanges and the layers that answered. */
  outcome: CorsOutcome;
}

/** The requests an attacker's page makes when none are chosen: a credentialed GET, and a credentialed PUT with a JSON body (preflighted). */
const DEFAULT_REQUESTS: ReadonlyArray<{ path: string; init: FetchInit }> = [
  { path: '/', init: { credentials: 'include' } },
  { path: '/', init: { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{}', credentials: 'include' } },
];

/** The attackers' requests against one target, waiting for `toBeBlocked()`. */
export class AttackerExpectation {
  readonly #transport: Transport;
  readonly #options: AttackersOptions;
  readonly #judging: Judging;
  readonly #requests: ReadonlyArray<{ path: string; init: FetchInit }>;

  /** @internal */
  constructor(transport: Transport, options: AttackersOptions, judging: Judging, requests: ReadonlyArray<{ path: string; init: FetchInit }> = []) {
    this.#transport = transport;
    this.#options = options;
    this.#judging = judging;
    this.#requests = requests;
    // Refuse a wrong allow-list now, not at the first await.
    probesFor(options.allowed);
  }

  /** The request each attacker's page makes (repeat for several; default: a credentialed GET and a preflighted credentialed PUT of `/`). Credentials default to `'include'`. */
  fetch(path: string, init: FetchInit = {}): AttackerExpectation {
    const request = { path, init: { credentials: 'include' as const, ...init } };
    return new AttackerExpectation(this.#transport, this.#options, this.#judging, [...this.#requests, request]);
  }

  /** Send every probe's requests and judge them, without asserting anything (every readable probe, explained by another or not). */
  async run(): Promise<AttackResult[]> {
    const ignored = new Set(this.#options.ignore ?? []);
    const probes = probesFor(this.#options.allowed).filter((p) => !ignored.has(p.id));
    const requests = this.#requests.length > 0 ? this.#requests : DEFAULT_REQUESTS;
    const results: AttackResult[] = [];
    for (const probe of probes) {
      for (const { path, init } of requests) {
        const outcome = await new CorsPage(this.#transport, probe.origin, this.#judging).fetch(path, init).run();
        const readableIn = this.#judging.browsers.filter((b) => outcome.verdict.browsers[b].ok);
        results.push({ probe, path, init, readableIn, outcome });
      }
    }
    return results;
  }

  /**
   * No browser lets any probe origin read a response; rejects naming each
   * finding (its id and the probe origins that read) with the report of the
   * first. A class another finding explains is not named (a server that
   * reflects any origin lets every probe in: one finding).
   */
  async toBeBlocked(): Promise<AttackResult[]> {
    const results = await this.run();
    const ids = findingsAmong(results.filter((r) => r.readableIn.length > 0).map((r) => r.probe.id));
    const found = results.filter((r) => r.readableIn.length > 0 && ids.includes(r.probe.id));
    if (found.length === 0) return results;
    const lines = found.map((r) => `  ${r.probe.id}: ${r.probe.origin} reads ${r.init.method ?? 'GET'} ${r.path}${r.init.credentials === 'include' ? ' with credentials' : ''} (${r.readableIn.join(', ')})`);
    const why = ids.map((id) => `  ${id}: the server ${probeFlaw(id)}.`);
    const first = found[0] as AttackResult;
    const report = reportText(first.outcome);
    const message = `corsproof: expected every attacker's origin to be blocked, but ${found.length} request${found.length > 1 ? 's were' : ' was'} readable:\n${lines.join('\n')}\n\n${why.join('\n')}\n\nThe first, as the browser sees it:\n\n${report}`;
    // 'fail', as assert.fail(message): nothing to compare (see fail() in expect.ts).
    throw new AssertionError({ message, operator: 'fail' });
  }
}
