/**
 * The scanner's judge: what a route's answers let an attacker do, decided
 * the way a browser would let them. A probe origin's finding stands only
 * when the engine says Chromium, Firefox or WebKit lets a page at that
 * origin read the response (its preflight passed, its CORS check passed);
 * its severity
 * comes from the finding table (findings.ts), with credentials or without.
 * Pure: the answers come in, the findings go out.
 */
import { BROWSER_NAMES } from '../engine/browsers.js';
import { evaluate } from '../engine/evaluate.js';
import { get, splitList } from '../engine/headers.js';
import { ScenarioError } from '../engine/request.js';
import type { BrowserName, ScenarioResponse } from '../engine/types.js';
import type { Exchange } from '../doctor/exchange.js';
import { cacheReuse } from '../doctor/caching.js';
import { parseSetCookie, siteOf } from '../doctor/cookies.js';
import { variesByOrigin } from '../doctor/exposure.js';
import { recipesForReport } from '../doctor/fixes.js';
import { layerFindings } from '../doctor/layers.js';
import type { ProbeId } from '../policy/probes.js';
import { findingsAmong, pageOriginIn, probeFlaw } from '../policy/probes.js';
import { findingRow, severityOf } from './findings.js';
import type { PlannedRequest, RoutePlan } from './plan.js';
import { INVENTED_HEADER, INVENTED_METHOD } from './plan.js';
import type { Evidence, Finding, FindingId, Severity } from './types.js';

/** A planned request and its answer (`null`: it did not complete). */
export interface Answered {
  planned: PlannedRequest;
  answer: Exchange | null;
}

/** Whether each browser lets the page read the response. */
type Readable = Record<BrowserName, boolean>;

const NOBODY: Readable = { chromium: false, firefox: false, webkit: false };

/** Which browsers load a page at a probe origin: the probe table's record (pageOriginIn). */
export function hostableIn(origin: string): Readable {
  return pageOriginIn(origin);
}

/** A finding before the route's common fields are added. */
type Draft = Pick<Finding, 'id' | 'severity' | 'probe' | 'message' | 'evidence' | 'browsers' | 'cookies'>;

/** Every finding on one route: the probe classes a browser lets through, then what the legit answers show. */
export function judgeRoute(plan: RoutePlan, answered: readonly Answered[], noOrigin: Exchange | null): Finding[] {
  const drafts = [...probeDrafts(plan, answered), ...headerDrafts(plan, answered), ...varyDrafts(answered, noOrigin)];
  const { recipe, layer } = stackOf(plan, answered);
  return drafts.map((d) => ({
    url: plan.target.url,
    method: plan.target.method,
    ...d,
    fix: fixFor(d.id, plan),
    recipe,
    layer,
    source: plan.target.source,
  }));
}

/** The exchange of a request, as evidence. */
function evidenceOf(exchange: Exchange): Evidence {
  const { request } = exchange;
  return { request: { method: request.method, url: request.url, headers: request.headers }, response: { status: exchange.status, headers: exchange.headers } };
}

/** The answers for one origin: its preflight's (when the route is preflighted) and its actual request's. */
function answersFor(answered: readonly Answered[], role: PlannedRequest['role'], origin: string): { preflight: Exchange | null; actual: Exchange | null } {
  let preflight: Exchange | null = null;
  let actual: Exchange | null = null;
  for (const a of answered) {
    if (a.planned.role !== role || a.planned.origin !== origin) continue;
    if (a.planned.preflight) preflight = a.answer;
    else actual = a.answer;
  }
  return { preflight, actual };
}

/**
 * Whether each browser lets a page at `origin` read `actual` (after
 * `preflight` when the route is preflighted): the engine's verdict, for a
 * browser that loads pages at that origin at all.
 */
function readableBy(plan: RoutePlan, origin: string, preflight: Exchange | null, actual: Exchange, credentials: 'include' | 'omit'): Readable {
  if (plan.preflighted && preflight === null) return NOBODY;
  const hostable = hostableIn(origin);
  const response = (e: Exchange): ScenarioResponse => ({ status: e.status, headers: e.headers });
  try {
    const verdict = evaluate({
      request: { ...plan.pageRequest, origin, credentials },
      preflight: preflight === null ? null : response(preflight),
      response: response(actual),
    });
    // A browser that will not load a page at the probe origin lets no attacker read from there.
    const readable = { ...NOBODY };
    for (const b of BROWSER_NAMES) readable[b] = hostable[b] && verdict.browsers[b].ok;
    return readable;
  } catch (error) {
    // A probe origin the engine refuses as an origin (a browser could not be there) shows nothing.
    if (error instanceof ScenarioError) return NOBODY;
    throw error;
  }
}

const anyBrowser = (r: Readable): boolean => r.chromium || r.firefox || r.webkit;
const isOk = (status: number): boolean => status >= 200 && status <= 299;
const RANK: Record<Severity, number> = { high: 0, medium: 1, low: 2, info: 3 };

/** The probe classes a browser lets through: the worst probe of each class, less those another class explains. */
function probeDrafts(plan: RoutePlan, answered: readonly Answered[]): Draft[] {
  const worst = new Map<ProbeId, Draft>();
  for (const a of answered) {
    const probe = a.planned.probe;
    if (a.planned.role !== 'probe' || a.planned.preflight || probe === null || a.answer === null) continue;
    const draft = probeDraft(plan, answered, probe.id, probe.origin, a.answer);
    const before = worst.get(probe.id);
    if (draft !== null && (before === undefined || RANK[draft.severity] < RANK[before.severity])) worst.set(probe.id, draft);
  }
  return findingsAmong(worst.keys()).map((id) => worst.get(id) as Draft);
}

/** One probe's finding: readable with credentials (a 2xx), or only without; `null` when the server did not allow it or no browser lets it read. */
function probeDraft(plan: RoutePlan, answered: readonly Answered[], id: ProbeId, origin: string, actual: Exchange): Draft | null {
  // Only an Access-Control-Allow-Origin naming the probe is this class's flaw ('*' is the wildcard finding).
  if (get(actual.headers, 'access-control-allow-origin') !== origin) return null;
  const { preflight } = answersFor(answered, 'probe', origin);
  const evidence = [...(plan.preflighted && preflight !== null ? [evidenceOf(preflight)] : []), evidenceOf(actual)];
  const reach = findingRow(id).reach;
  const withCredentials = readableBy(plan, origin, preflight, actual, 'include');
  const flaw = `The server ${probeFlaw(id)}: it allowed the Origin ${origin}.`;
  if (anyBrowser(withCredentials) && isOk(actual.status)) {
    const who = reach === 'any-website' ? 'a page on that origin' : 'a page on that origin (a network attacker or a subdomain)';
    const message = `${flaw} With Access-Control-Allow-Credentials: true, ${who} reads this ${actual.status} response with the user's cookies.`;
    const cookies = cookieContext(origin, plan.target.url, answered);
    return { id, severity: severityOf(id, true), probe: origin, message, evidence, browsers: withCredentials, cookies };
  }
  const withoutCredentials = readableBy(plan, origin, preflight, actual, 'omit');
  if (anyBrowser(withCredentials) || anyBrowser(withoutCredentials)) {
    const why = anyBrowser(withCredentials)
      ? `Its credentialed responses are readable, but this one is a ${actual.status}: scan with the user's credentials (--cookie, --bearer) to see the data behind it.`
      : 'Only responses without credentials are readable there (no Access-Control-Allow-Credentials: true).';
    return { id, severity: 'low', probe: origin, message: `${flaw} ${why}`, evidence, browsers: anyBrowser(withCredentials) ? withCredentials : withoutCredentials };
  }
  return null;
}

/**
 * Whether the user's cookies would ride along on a credentialed request
 * from a page at `origin`: context beside a finding, never a reason to lower
 * it. Same-site pages send every cookie; cross-site ones only
 * `SameSite=None; Secure` cookies, and not where the browser keeps
 * third-party cookies apart. The cookies the API sets (Set-Cookie in its
 * answers) are named with their SameSite.
 */
function cookieContext(origin: string, url: string, answered: readonly Answered[]): string {
  const set = new Map<string, string>();
  for (const a of answered) {
    for (const [n, v] of a.answer?.headers ?? []) {
      if (n.toLowerCase() !== 'set-cookie') continue;
      const { name, attributes } = parseSetCookie(v);
      const sameSite = attributes.get('samesite') || 'unset (Lax in Chromium)';
      if (name !== '' && set.size < 10) set.set(name, sameSite);
    }
  }
  const seen = set.size === 0 ? '' : ` This API sets ${[...set].map(([n, s]) => `${n} (SameSite=${s})`).join(', ')}.`;
  if (origin !== 'null' && siteOf(origin) === siteOf(url)) {
    return `A page on ${origin} is same-site with ${new URL(url).host}: every cookie rides along, SameSite=Lax and Strict included.${seen}`;
  }
  return `From ${origin === 'null' ? "an opaque origin ('null')" : origin}, a cross-site page: only cookies set with SameSite=None; Secure ride along, and none where the browser keeps third-party cookies apart (Safari; Firefox's Total Cookie Protection; Chromium when the user blocks third-party cookies). Tokens sent from script (Authorization) are not cookies: an attacker's page cannot send them.${seen}`;
}

/** The answer to the first legit origin's actual request, and to its preflight. */
function legitAnswers(plan: RoutePlan, answered: readonly Answered[]): { preflight: Exchange | null; actual: Exchange | null } {
  return answersFor(answered, 'legit', plan.legitOrigins[0] as string);
}

/** What the legit origin's answers show (the wildcard, a header that is not an origin or set twice, exposure) and the invented preflight. */
function headerDrafts(plan: RoutePlan, answered: readonly Answered[]): Draft[] {
  const out: Draft[] = [];
  const origin = plan.legitOrigins[0] as string;
  const { preflight, actual } = legitAnswers(plan, answered);
  for (const e of [actual, preflight]) {
    if (e === null) continue;
    const draft = allowOriginDraft(e, origin);
    if (draft !== null && !out.some((d) => d.id === draft.id)) out.push(draft);
  }
  if (actual !== null) {
    const credentials = get(actual.headers, 'access-control-allow-credentials') === 'true';
    if (credentials && splitList(get(actual.headers, 'access-control-expose-headers') ?? '').includes('*')) {
      const message = "Access-Control-Expose-Headers: * with Access-Control-Allow-Credentials: true: browsers read '*' as a header name on credentialed requests, so no extra header is exposed.";
      out.push(info('expose-wildcard-with-credentials', origin, message, [actual]));
    }
  }
  const invented = answered.find((a) => a.planned.role === 'invented')?.answer ?? null;
  if (invented !== null) out.push(...inventedDrafts(invented, origin));
  return out;
}

function info(id: FindingId, probe: string | null, message: string, exchanges: Exchange[]): Draft {
  return { id, severity: findingRow(id).severity, probe, message, evidence: exchanges.map(evidenceOf), browsers: NOBODY };
}

/** The Access-Control-Allow-Origin lines of one answer: set twice, `*` (with credentials or not), or a value that is no origin. */
function allowOriginDraft(e: Exchange, origin: string): Draft | null {
  const lines = e.headers.filter(([n]) => n.toLowerCase() === 'access-control-allow-origin').map(([, v]) => v.trim());
  if (lines.length > 1) return info('multiple-allow-origin', origin, `Access-Control-Allow-Origin is sent ${lines.length} times (${lines.map((l) => `'${l}'`).join(', ')}): browsers refuse the response. Two layers each add it; keep it in one.`, [e]);
  const value = lines[0];
  if (value === undefined) return null;
  if (value === '*') {
    if (get(e.headers, 'access-control-allow-credentials') === 'true') {
      return info('wildcard-with-credentials', origin, "Access-Control-Allow-Origin: * with Access-Control-Allow-Credentials: true: browsers refuse every credentialed request (Chromium: must not be the wildcard '*' when the request's credentials mode is 'include'). Not a leak, an outage.", [e]);
    }
    return info('wildcard', origin, 'Access-Control-Allow-Origin: *: any page can read these responses without credentials. Fine for public data; not for anything behind a network boundary or IP allow-list.', [e]);
  }
  if (value !== 'null' && !isSerializedOrigin(value)) {
    return info('invalid-allow-origin', origin, `Access-Control-Allow-Origin: ${value} is not an origin (a list, a pattern, a path or trailing slash): it matches no page, so browsers refuse every response.`, [e]);
  }
  return null;
}

/** `scheme://host[:port]` exactly as browsers serialize it (http or https). */
export function isSerializedOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
}

/** The invented method or header echoed back by the preflight. */
function inventedDrafts(e: Exchange, origin: string): Draft[] {
  const out: Draft[] = [];
  if (get(e.headers, 'access-control-allow-origin') === null) return out;
  const methods = splitList(get(e.headers, 'access-control-allow-methods') ?? '');
  if (methods.some((m) => m.toUpperCase() === INVENTED_METHOD)) {
    out.push(info('preflight-reflects-methods', origin, `A preflight asking for the method ${INVENTED_METHOD}, which no API has, got Access-Control-Allow-Methods: ${get(e.headers, 'access-control-allow-methods') ?? ''}: the server allows whatever method it is asked for. List the methods the API has.`, [e]));
  }
  const headers = splitList(get(e.headers, 'access-control-allow-headers') ?? '');
  if (headers.some((h) => h.toLowerCase() === INVENTED_HEADER.toLowerCase())) {
    out.push(info('preflight-reflects-headers', origin, `A preflight asking for the header ${INVENTED_HEADER} got Access-Control-Allow-Headers: ${get(e.headers, 'access-control-allow-headers') ?? ''}: the server allows whatever header it is asked for. List the headers the pages send.`, [e]));
  }
  return out;
}

/** Whether any cache (the browser's, a CDN's) may store this answer and hand it to a later request. */
function reusable(e: Exchange): boolean {
  const reuse = cacheReuse({ method: e.request.method, authorization: get(e.request.headers, 'authorization') !== null, status: e.status, headers: e.headers });
  return reuse.browser !== 'none' || reuse.shared !== 'none';
}

/**
 * `missing-vary-origin`: Access-Control-Allow-Origin changes with Origin
 * (between the legit origin, a probe and no Origin at all) and an answer
 * that a cache may store (caching.ts) lacks `Vary: Origin`; its evidence is
 * that answer and one that differs.
 */
function varyDrafts(answered: readonly Answered[], noOrigin: Exchange | null): Draft[] {
  const actuals: Exchange[] = [];
  for (const a of answered) if (!a.planned.preflight && a.planned.role !== 'invented' && a.answer !== null) actuals.push(a.answer);
  if (noOrigin !== null) actuals.push(noOrigin);
  const allow = (e: Exchange): string | null => get(e.headers, 'access-control-allow-origin');
  for (const e of actuals) {
    if (variesByOrigin(e.headers) || !reusable(e)) continue;
    const other = actuals.find((o) => allow(o) !== allow(e));
    if (other === undefined) continue;
    const origin = get(e.request.headers, 'origin');
    const said = (x: Exchange): string => `${get(x.request.headers, 'origin') === null ? 'without Origin' : `from ${get(x.request.headers, 'origin') ?? ''}`}: ${allow(x) === null ? 'no Access-Control-Allow-Origin' : `Access-Control-Allow-Origin: ${allow(x) ?? ''}`}`;
    const message = `Access-Control-Allow-Origin depends on the request (${said(e)}; ${said(other)}), but the answer ${origin === null ? 'without Origin' : `to ${origin}`} has no Vary: Origin: a browser or shared cache can hand it to a page on another origin.`;
    return [{ id: 'missing-vary-origin', severity: 'low', probe: origin, message, evidence: [evidenceOf(e), evidenceOf(other)], browsers: NOBODY }];
  }
  return [];
}

/** What to change, in words. */
function fixFor(id: FindingId, plan: RoutePlan): string {
  const allowed = plan.legitOrigins.join(', ');
  switch (findingRow(id).reach) {
    case 'any-website':
    case 'network-or-subdomain':
      return `Allow an explicit list of origins, compared as whole strings (${allowed}), never a pattern, prefix, suffix or substring match, and never 'null'.`;
    default:
      break;
  }
  switch (id) {
    case 'missing-vary-origin':
      return 'Send Vary: Origin on every response whose Access-Control-Allow-Origin depends on the request, answers to requests without Origin included.';
    case 'wildcard':
      return "Keep '*' only for public data; for anything else, allow an explicit list of origins.";
    case 'wildcard-with-credentials':
      return `Name the allowed origin (${allowed}) instead of '*' when credentials are allowed, or stop allowing credentials.`;
    case 'invalid-allow-origin':
      return 'Send exactly one serialized origin (scheme://host[:port], no path, no trailing slash), chosen by comparing the request\'s Origin with your list.';
    case 'multiple-allow-origin':
      return 'Set Access-Control-Allow-Origin in one layer only (the application or the proxy, not both).';
    case 'preflight-reflects-methods':
      return 'Answer preflights with the methods the API has, not the one asked for.';
    case 'preflight-reflects-headers':
      return 'Answer preflights with the request headers the pages send, not whatever is asked for.';
    default:
      return 'List the header names script needs in Access-Control-Expose-Headers.';
  }
}

/** The stack that answered (its outermost detected layer) and the corsproof recipe that fixes it there, if any. */
function stackOf(plan: RoutePlan, answered: readonly Answered[]): { recipe: string | null; layer: string | null } {
  const { preflight, actual } = legitAnswers(plan, answered);
  const exchanges = [preflight, actual].filter((e): e is Exchange => e !== null);
  if (exchanges.length === 0) return { recipe: null, layer: null };
  const layers = layerFindings(exchanges);
  const layer = layers.perExchange.flat()[0]?.name ?? null;
  const scenario = { request: plan.pageRequest, preflight: preflight === null ? null : { status: preflight.status, headers: preflight.headers }, response: { status: (actual ?? exchanges[0] as Exchange).status, headers: (actual ?? exchanges[0] as Exchange).headers } };
  try {
    const recipes = recipesForReport({ scenario, verdict: evaluate(scenario), layers });
    return { recipe: recipes[0]?.id ?? null, layer };
  } catch (error) {
    if (error instanceof ScenarioError) return { recipe: null, layer };
    throw error;
  }
}
