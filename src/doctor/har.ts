/**
 * Diagnose offline from a HAR export (HTTP Archive 1.2, as Chromium and
 * Firefox DevTools save it): rebuild, for each cross-origin request, the
 * scenario the browser saw (its preflight, redirect hops and response) and
 * let the engine judge it.
 */
import { evaluate } from '../engine/evaluate.js';
import { ScenarioError } from '../engine/request.js';
import { isRedirectStatus } from '../engine/status.js';
import type { CredentialsMode, HeaderList, Scenario, ScenarioResponse, Verdict } from '../engine/types.js';
import { isBrowserAddedHeader } from './curl.js';

/** A HAR file corsproof cannot read. */
export class HarError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HarError';
  }
}

interface HarHeader {
  name: string;
  value: string;
}
interface HarEntry {
  request: { method: string; url: string; headers: HarHeader[] };
  response: { status: number; headers: HarHeader[]; redirectURL?: string };
}

/** One diagnosed HAR entry. */
export interface HarDiagnosis {
  /** The entry's index in `log.entries`. */
  entry: number;
  scenario: Scenario;
  /** The engine's verdict, or `null` when the HAR lacks the preflight the request needed (see `note`). */
  verdict: Verdict | null;
  /** Why there is no verdict, or `null`. */
  note: string | null;
  /** Indexes of the entries used: the preflight (if any), redirect hops, the final response. */
  usedEntries: number[];
}

function headerList(headers: HarHeader[], where: string): HeaderList {
  if (!Array.isArray(headers)) throw new HarError(`${where}.headers is not an array`);
  return headers.map((h, i) => {
    if (typeof h?.name !== 'string' || typeof h?.value !== 'string') throw new HarError(`${where}.headers[${i}] needs a string name and value`);
    return [h.name, h.value] as [string, string];
  });
}

function header(list: HeaderList, name: string): string | undefined {
  return list.find(([n]) => n.toLowerCase() === name)?.[1];
}

function entriesOf(har: unknown): HarEntry[] {
  const log = (har as { log?: { entries?: unknown } } | null)?.log;
  if (!log || !Array.isArray(log.entries)) throw new HarError('not a HAR file: no log.entries array');
  return log.entries.map((e: unknown, i: number) => {
    const entry = e as HarEntry;
    if (typeof entry?.request?.url !== 'string' || typeof entry?.request?.method !== 'string') throw new HarError(`log.entries[${i}].request needs a url and a method`);
    if (typeof entry?.response?.status !== 'number') throw new HarError(`log.entries[${i}].response needs a status`);
    return entry;
  });
}

/**
 * Diagnose the cross-origin entries of a HAR (those whose request carries an
 * Origin other than the URL's own), or only `only` when given. Preflights
 * (OPTIONS with Access-Control-Request-Method) and redirect hops are folded
 * into the request they belong to.
 */
export function diagnoseHar(har: unknown, options: { only?: number; credentials?: CredentialsMode } = {}): HarDiagnosis[] {
  const entries = entriesOf(har);
  if (options.only !== undefined && (options.only < 0 || options.only >= entries.length)) {
    throw new HarError(`--entry ${options.only}: the HAR has ${entries.length} entries (0 to ${entries.length - 1})`);
  }
  const parsed = entries.map((e, i) => ({
    method: e.request.method,
    url: e.request.url,
    reqHeaders: headerList(e.request.headers, `log.entries[${i}].request`),
    status: e.response.status,
    resHeaders: headerList(e.response.headers, `log.entries[${i}].response`),
    redirectURL: e.response.redirectURL ?? '',
  }));
  const isPreflight = (i: number): boolean =>
    parsed[i]?.method === 'OPTIONS' && header(parsed[i]?.reqHeaders ?? [], 'access-control-request-method') !== undefined;
  const hopTargets = new Set<number>();
  // Follow redirect chains: entry i redirects to the next entry requesting its Location.
  const nextHop = (i: number): number | null => {
    const e = parsed[i];
    if (!e || !isRedirectStatus(e.status)) return null;
    const location = e.redirectURL || header(e.resHeaders, 'location');
    if (!location) return null;
    const target = new URL(location, e.url).href;
    for (let j = i + 1; j < parsed.length; j++) if (!isPreflight(j) && parsed[j]?.url === target) return j;
    return null;
  };
  for (let i = 0; i < parsed.length; i++) {
    const n = nextHop(i);
    if (n !== null) hopTargets.add(n);
  }
  const out: HarDiagnosis[] = [];
  for (let i = 0; i < parsed.length; i++) {
    const e = parsed[i] as (typeof parsed)[number];
    if (isPreflight(i) || hopTargets.has(i)) continue;
    if (options.only !== undefined && options.only !== i) continue;
    const origin = header(e.reqHeaders, 'origin');
    let crossOrigin = false;
    try {
      crossOrigin = origin !== undefined && origin !== 'null' && new URL(e.url).origin !== origin;
    } catch {
      throw new HarError(`log.entries[${i}].request.url is not a URL`);
    }
    if (!crossOrigin) {
      if (options.only !== undefined) throw new HarError(`entry ${i} is not a cross-origin request (no Origin header other than its own)`);
      continue;
    }
    const used: number[] = [];
    // The preflight: the last OPTIONS before it for the same URL.
    let preflight: ScenarioResponse | null = null;
    for (let j = i - 1; j >= 0; j--) {
      if (isPreflight(j) && parsed[j]?.url === e.url) {
        preflight = { status: parsed[j]?.status ?? 0, headers: parsed[j]?.resHeaders ?? [] };
        used.push(j);
        break;
      }
    }
    const redirects: ScenarioResponse[] = [];
    let last = i;
    used.push(i);
    for (let hop = nextHop(i); hop !== null && redirects.length <= 20; hop = nextHop(hop)) {
      redirects.push({ status: parsed[last]?.status ?? 0, headers: parsed[last]?.resHeaders ?? [] });
      last = hop;
      used.push(hop);
    }
    const final = parsed[last] as (typeof parsed)[number];
    const credentials: CredentialsMode = options.credentials ?? (header(e.reqHeaders, 'cookie') !== undefined ? 'include' : 'same-origin');
    const scenario: Scenario = {
      request: {
        url: e.url,
        origin: origin as string,
        method: e.method,
        headers: e.reqHeaders.filter(([n]) => !isBrowserAddedHeader(n)),
        credentials,
      },
      preflight,
      response: { status: final.status, headers: final.resHeaders },
    };
    if (redirects.length > 0) scenario.redirects = redirects;
    let verdict: Verdict | null = null;
    let note: string | null = null;
    try {
      verdict = evaluate(scenario);
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error;
      note =
        error.field === 'preflight'
          ? 'the browser sent a preflight for this request, but the HAR does not hold it (export with preflight requests shown, or run corsproof check on the URL)'
          : `this entry cannot be replayed: ${error.message}`;
    }
    out.push({ entry: i, scenario, verdict, note, usedEntries: used.sort((a, b) => a - b) });
  }
  return out;
}
