/**
 * The smallest change to the server's headers that makes a blocked request
 * pass in Chromium, Firefox and WebKit, found and proven with the engine:
 * walk the scenario in each browser (`evaluateIn`), make the one edit the failing
 * step asks for, on the answer that failed (the preflight's or the
 * response's, on the hop that failed), and walk again; then drop every edit
 * the others make unnecessary, and check the result with `evaluate()`. A
 * change is returned only when all three browsers pass with it.
 *
 * Every value it writes is the request's own: the Origin the failing step
 * carried (never `*` with credentials, never "whatever Origin comes in"),
 * the method and header names the request sends, `true` for credentials,
 * an ok status for the preflight. What no header can fix (a redirect to a
 * data: URL, a redirect loop, `Origin: null` after a cross-origin redirect)
 * is said so, with the reason table's own fix. Pure: imports only the
 * engine.
 */
import type { BrowserOutcome } from '../engine/evaluate.js';
import { BROWSER_NAMES } from '../engine/browsers.js';
import { evaluate, evaluateIn } from '../engine/evaluate.js';
import { get, isNamed, isToken, splitList } from '../engine/headers.js';
import type { ReasonContext, ReasonId } from '../engine/reasons.js';
import { reason } from '../engine/reasons.js';
import type { BrowserName, Scenario, ScenarioResponse, Verdict } from '../engine/types.js';

/** An answer of the scenario: the preflight's, a redirect target's preflight, a redirect, or the final response. */
export type RepairPart =
  | { field: 'preflight' }
  | { field: 'redirectPreflights'; index: number }
  | { field: 'redirects'; index: number }
  | { field: 'response' };

/**
 * One edit of one answer:
 * - `set`: the header has exactly one line, with this value (the first line replaced in place, any other removed);
 * - `add-to-list`: the item is appended to the header's list (its last line), or a line is added;
 * - `status`: the status changes (and a preflight's Location goes with its redirect status).
 */
export type HeaderEdit =
  | { part: RepairPart; op: 'set'; name: string; value: string }
  | { part: RepairPart; op: 'add-to-list'; name: string; item: string }
  | { part: RepairPart; op: 'status'; status: number; dropLocation: boolean };

/** A line of the diff: kept (` `), removed (`-`), added (`+`); `advised` marks a line not needed to pass. */
export interface DiffLine {
  op: ' ' | '-' | '+';
  text: string;
  advised?: true;
}

/** The change to one answer, as a diff of its status line and header lines. */
export interface PartDiff {
  part: RepairPart;
  /** The answer in words, e.g. `the preflight (OPTIONS) response`, `redirect 1 (301)`. */
  title: string;
  lines: DiffLine[];
}

/** What {@link repair} proposes. */
export type Repair =
  | { kind: 'passes' }
  | {
      kind: 'change';
      /** The edits needed, in the order they were found; none can be left out. */
      edits: HeaderEdit[];
      /** Edits advised on top of them (`Vary: Origin` where Access-Control-Allow-Origin names an origin). */
      advised: HeaderEdit[];
      /** The diff per answer changed, in the scenario's order. */
      diffs: PartDiff[];
      /** The scenario with every edit (needed and advised) applied. */
      scenario: Scenario;
      /** `evaluate()` of that scenario: it passes. */
      verdict: Verdict;
      /** The failures the change removes, in the order the browsers met them. */
      fixes: ReasonId[];
    }
  | {
      kind: 'not-fixable';
      /** The failure no header change removes. */
      reasonId: ReasonId;
      browser: BrowserName;
      /** Why, in one sentence. */
      why: string;
      /** The reason table's fix for it: its client half when it has one, else its server half. */
      fix: { side: 'client' | 'server'; text: string };
    };

/** More edits than any scenario needs (each removes one failure); a guard against browsers asking for opposite edits. */
const MAX_EDITS = 48;

const ACAO = 'Access-Control-Allow-Origin';
const ACAC = 'Access-Control-Allow-Credentials';
const ACAM = 'Access-Control-Allow-Methods';
const ACAH = 'Access-Control-Allow-Headers';

/** The failures no header of the server's answers can remove (the Location is the redirect itself, the rest is the client's). */
const NOT_BY_HEADERS: ReadonlySet<ReasonId> = new Set<ReasonId>([
  'redirect-contains-credentials',
  'redirect-not-http',
  'too-many-redirects',
  'did-not-succeed',
  'request-not-http',
  'cors-disabled',
  'origin-header-not-added',
]);

/**
 * The smallest change to the server's headers that makes the scenario pass
 * in Chromium, Firefox and WebKit, checked with `evaluate()`; or `passes` when nothing
 * needs to change; or `not-fixable` with the reason table's fix when no
 * header change can do it.
 *
 * @throws ScenarioError as `evaluate()` does, for a scenario no page could make.
 */
export function repair(scenario: Scenario): Repair {
  if (evaluate(scenario).ok) return { kind: 'passes' };
  const edits: HeaderEdit[] = [];
  const fixes: ReasonId[] = [];
  for (;;) {
    const failing = firstFailure(applyEdits(scenario, edits));
    if (failing === null) break;
    const next = editFor(applyEdits(scenario, edits), failing.outcome);
    if ('kind' in next) return { ...next, browser: failing.browser };
    if (edits.length >= MAX_EDITS || edits.some((e) => sameEdit(e, next))) return noChangeFound(failing.browser, failing.outcome);
    edits.push(next);
    fixes.push(failing.outcome.reasonId as ReasonId);
  }
  const needed = minimal(scenario, edits);
  const advised = advisedEdits(applyEdits(scenario, needed), needed);
  const repaired = applyEdits(scenario, [...needed, ...advised]);
  const verdict = evaluate(repaired);
  if (!verdict.ok) throw new Error('corsproof: a repair that does not pass (a bug in repair.ts)');
  return { kind: 'change', edits: needed, advised, diffs: diffsOf(scenario, needed, advised), scenario: repaired, verdict, fixes };
}

/** The first browser that blocks the scenario, in the verdict's order (Chromium, Firefox, WebKit), with what it concluded. */
function firstFailure(scenario: Scenario): { browser: BrowserName; outcome: BrowserOutcome } | null {
  for (const browser of BROWSER_NAMES) {
    const outcome = evaluateIn(browser, scenario);
    if (!outcome.ok) return { browser, outcome };
  }
  return null;
}

/** Whether the scenario passes in all three browsers. */
function passes(scenario: Scenario): boolean {
  return firstFailure(scenario) === null;
}

/** Leave out every edit the scenario passes without (the last found first: later edits often cover earlier ones). */
function minimal(scenario: Scenario, edits: readonly HeaderEdit[]): HeaderEdit[] {
  let kept = [...edits];
  for (let i = kept.length - 1; i >= 0; i--) {
    const without = kept.filter((_, k) => k !== i);
    if (passes(applyEdits(scenario, without))) kept = without;
  }
  return kept;
}

type NotFixable = Extract<Repair, { kind: 'not-fixable' }>;

/** The edit the failing step asks for, or why no edit can do it. */
function editFor(scenario: Scenario, outcome: BrowserOutcome): HeaderEdit | Omit<NotFixable, 'browser'> {
  const id = outcome.reasonId as ReasonId;
  const context = outcome.context as ReasonContext;
  if (NOT_BY_HEADERS.has(id)) return notFixable(id, context, reason(id).title);
  const hop = outcome.failedAt === 'preflight' ? outcome.requests.length : outcome.requests.length - 1;
  const atPreflight = outcome.failedAt === 'preflight';
  const part = atPreflight ? preflightPart(scenario, hop) : responsePart(scenario, hop);
  const answer = partOf(scenario, part);
  const origin = sentOrigin(outcome, atPreflight) ?? context.requestOrigin;
  switch (id) {
    case 'missing-allow-origin':
    case 'multiple-allow-origin':
    case 'invalid-allow-origin':
    case 'allow-origin-mismatch':
    case 'wildcard-with-credentials':
      // After a redirect from one origin to another the browser sends `Origin: null`: allowing it trusts every sandboxed page.
      if (origin === 'null' && scenario.request.origin !== 'null') return taintedOrigin(context);
      return { part, op: 'set', name: ACAO, value: origin };
    case 'missing-allow-credentials':
      return { part, op: 'set', name: ACAC, value: 'true' };
    case 'preflight-status':
    case 'preflight-redirect':
      return { part, op: 'status', status: 204, dropLocation: id === 'preflight-redirect' };
    case 'external-redirect-not-allowed':
      // Firefox's word for a redirected preflight.
      return atPreflight ? { part, op: 'status', status: 204, dropLocation: true } : notFixable(id, context, reason(id).title);
    case 'invalid-allow-methods':
    case 'invalid-allow-headers':
      return validItems(part, answer, id === 'invalid-allow-methods' ? ACAM : ACAH);
    case 'method-not-allowed':
      return { part, op: 'add-to-list', name: ACAM, item: context.value };
    case 'header-not-allowed':
      return { part, op: 'add-to-list', name: ACAH, item: spelledAsSent(scenario, context.value) };
    default:
      return notFixable(id, context, reason(id).title);
  }
}

/** The Origin header of the failing step's request: the last preflight, or the last request sent. */
function sentOrigin(outcome: BrowserOutcome, atPreflight: boolean): string | null {
  const headers = atPreflight ? outcome.preflights.at(-1)?.headers : outcome.requests.at(-1)?.headers;
  return headers === undefined ? null : get(headers, 'origin');
}

/** An Allow-Methods or Allow-Headers list that cannot be parsed, with only its valid items kept (the request's own are added next, when missing). */
function validItems(part: RepairPart, answer: ScenarioResponse, name: string): HeaderEdit {
  const value = get(answer.headers, name.toLowerCase()) ?? '';
  const items = splitList(value).filter((item) => item !== '' && isToken(item));
  return { part, op: 'set', name, value: items.join(', ') };
}

/** A header name as the request spells it (the engine reports it lowercase). */
function spelledAsSent(scenario: Scenario, lower: string): string {
  return scenario.request.headers.find(([n]) => isNamed(n, lower))?.[0] ?? lower;
}

/** The answer to the preflight of hop `hop`: a redirect target's own answer, else the shared one. */
function preflightPart(scenario: Scenario, hop: number): RepairPart {
  const own = hop > 0 ? scenario.redirectPreflights?.[hop - 1] : null;
  return own !== null && own !== undefined ? { field: 'redirectPreflights', index: hop - 1 } : { field: 'preflight' };
}

/** The response of hop `hop`: a redirect, or the final response. */
function responsePart(scenario: Scenario, hop: number): RepairPart {
  return hop < (scenario.redirects?.length ?? 0) ? { field: 'redirects', index: hop } : { field: 'response' };
}

function notFixable(id: ReasonId, context: ReasonContext, why: string): Omit<NotFixable, 'browser'> {
  const row = reason(id);
  const client = row.fixClient(context);
  return { kind: 'not-fixable', reasonId: id, why, fix: client !== null ? { side: 'client', text: client } : { side: 'server', text: row.fixServer(context) } };
}

/** `Origin: null` after a cross-origin redirect: the reason table's advice for it (avoid the redirect). */
function taintedOrigin(context: ReasonContext): Omit<NotFixable, 'browser'> {
  const ctx: ReasonContext = { ...context, requestOrigin: 'null', redirectedFrom: context.redirectedFrom ?? context.url };
  const row = reason('allow-origin-mismatch');
  const client = row.fixClient(ctx);
  return {
    kind: 'not-fixable',
    reasonId: 'allow-origin-mismatch',
    why: `After the redirect from one origin to another the browser sends Origin: null, and no header can allow the page's origin ${context.origin} without allowing every sandboxed page.`,
    fix: client !== null ? { side: 'client', text: `${client} ${row.fixServer(ctx)}` } : { side: 'server', text: row.fixServer(ctx) },
  };
}

/** The browsers ask for edits that undo each other. */
function noChangeFound(browser: BrowserName, outcome: BrowserOutcome): NotFixable {
  const id = outcome.reasonId as ReasonId;
  const nf = notFixable(id, outcome.context as ReasonContext, 'No change to the headers passes in Chromium, Firefox and WebKit alike.');
  return { ...nf, browser };
}

/** `Vary: Origin` on each response whose Access-Control-Allow-Origin the change set to an origin, when it has none. */
function advisedEdits(repaired: Scenario, needed: readonly HeaderEdit[]): HeaderEdit[] {
  const out: HeaderEdit[] = [];
  for (const edit of needed) {
    if (edit.op !== 'set' || edit.name !== ACAO || edit.value === '*' || edit.part.field === 'preflight' || edit.part.field === 'redirectPreflights') continue;
    const vary = splitList(get(partOf(repaired, edit.part).headers, 'vary') ?? '').map((t) => t.toLowerCase());
    if (vary.includes('origin') || vary.includes('*') || out.some((e) => samePart(e.part, edit.part))) continue;
    out.push({ part: edit.part, op: 'add-to-list', name: 'Vary', item: 'Origin' });
  }
  return out;
}

// ---- Applying edits ------------------------------------------------------------

/** The answer a part names. */
function partOf(scenario: Scenario, part: RepairPart): ScenarioResponse {
  switch (part.field) {
    case 'preflight':
      return scenario.preflight as ScenarioResponse;
    case 'redirectPreflights':
      return scenario.redirectPreflights?.[part.index] as ScenarioResponse;
    case 'redirects':
      return scenario.redirects?.[part.index] as ScenarioResponse;
    case 'response':
      return scenario.response;
  }
}

function cloneAnswer(answer: ScenarioResponse): ScenarioResponse {
  return { status: answer.status, headers: answer.headers.map(([n, v]) => [n, v]) };
}

/** The scenario with the edits applied in order (a copy; the original is left as it is). */
export function applyEdits(scenario: Scenario, edits: readonly HeaderEdit[]): Scenario {
  const out: Scenario = {
    request: scenario.request,
    preflight: scenario.preflight === null ? null : cloneAnswer(scenario.preflight),
    response: cloneAnswer(scenario.response),
  };
  if (scenario.redirects !== undefined) out.redirects = scenario.redirects.map(cloneAnswer);
  if (scenario.redirectPreflights !== undefined) out.redirectPreflights = scenario.redirectPreflights.map((a) => (a === null ? null : cloneAnswer(a)));
  for (const edit of edits) applyEdit(partOf(out, edit.part), edit);
  return out;
}

function applyEdit(answer: ScenarioResponse, edit: HeaderEdit): void {
  const { headers } = answer;
  if (edit.op === 'status') {
    answer.status = edit.status;
    if (edit.dropLocation) answer.headers = headers.filter(([n]) => !isNamed(n, 'location'));
  } else if (edit.op === 'set') {
    const lower = edit.name.toLowerCase();
    // Nothing left to send: the header goes.
    if (edit.value === '') {
      answer.headers = headers.filter(([n]) => !isNamed(n, lower));
      return;
    }
    const first = headers.findIndex(([n]) => isNamed(n, lower));
    if (first < 0) {
      headers.push([edit.name, edit.value]);
      return;
    }
    headers[first] = [headers[first]?.[0] ?? edit.name, edit.value];
    answer.headers = headers.filter(([n], i) => i <= first || !isNamed(n, lower));
  } else {
    const lower = edit.name.toLowerCase();
    let last = -1;
    headers.forEach(([n], i) => {
      if (isNamed(n, lower)) last = i;
    });
    const line = headers[last];
    if (line === undefined) headers.push([edit.name, edit.item]);
    else headers[last] = [line[0], line[1].trim() === '' ? edit.item : `${line[1]}, ${edit.item}`];
  }
}

function samePart(a: RepairPart, b: RepairPart): boolean {
  return a.field === b.field && ('index' in a ? a.index : -1) === ('index' in b ? b.index : -1);
}

function sameEdit(a: HeaderEdit, b: HeaderEdit): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

// ---- The diff -------------------------------------------------------------------

/** The answers in the scenario's order: the preflight, the redirect targets' preflights, the redirects, the response. */
function partOrder(part: RepairPart): number {
  const index = 'index' in part ? part.index : 0;
  return { preflight: 0, redirectPreflights: 1000, redirects: 2000, response: 3000 }[part.field] + index;
}

/** An answer in words. */
export function partTitle(part: RepairPart, scenario: Scenario): string {
  switch (part.field) {
    case 'preflight':
      return 'the preflight (OPTIONS) response';
    case 'redirectPreflights':
      return `the preflight response after redirect ${part.index + 1}`;
    case 'redirects':
      return `redirect ${part.index + 1} (${scenario.redirects?.[part.index]?.status ?? ''})`;
    case 'response':
      return 'the response';
  }
}

function diffsOf(scenario: Scenario, needed: readonly HeaderEdit[], advised: readonly HeaderEdit[]): PartDiff[] {
  const parts: RepairPart[] = [];
  for (const e of [...needed, ...advised]) if (!parts.some((p) => samePart(p, e.part))) parts.push(e.part);
  parts.sort((a, b) => partOrder(a) - partOrder(b));
  const withNeeded = applyEdits(scenario, needed);
  const withAll = applyEdits(scenario, [...needed, ...advised]);
  return parts.map((part) => ({
    part,
    title: partTitle(part, scenario),
    lines: diffLines(partOf(scenario, part), partOf(withNeeded, part), partOf(withAll, part)),
  }));
}

const lineText = ([n, v]: [string, string]): string => `${n}: ${v}`;

/** The status line, then the header lines: LCS over the lines, removals before additions; the lines only the advised edits change are marked. */
function diffLines(before: ScenarioResponse, needed: ScenarioResponse, after: ScenarioResponse): DiffLine[] {
  const out: DiffLine[] = [];
  if (before.status !== after.status) out.push({ op: '-', text: `Status: ${before.status}` }, { op: '+', text: `Status: ${after.status}` });
  else out.push({ op: ' ', text: `Status: ${before.status}` });
  // What the advised edits change on top of the needed ones, consumed line by line as the whole diff meets them.
  const advisedOnly = lcsDiff(needed.headers.map(lineText), after.headers.map(lineText)).filter((l) => l.op !== ' ');
  for (const line of lcsDiff(before.headers.map(lineText), after.headers.map(lineText))) {
    const k = advisedOnly.findIndex((l) => l.op === line.op && l.text === line.text);
    if (k >= 0) advisedOnly.splice(k, 1);
    out.push(k >= 0 ? { ...line, advised: true } : line);
  }
  return out;
}

/** A line diff by longest common subsequence (header lists are short). */
function lcsDiff(a: readonly string[], b: readonly string[]): DiffLine[] {
  const n = a.length;
  const m = b.length;
  const table: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      const row = table[i] as number[];
      row[j] = a[i] === b[j] ? (table[i + 1]?.[j + 1] ?? 0) + 1 : Math.max(table[i + 1]?.[j] ?? 0, row[j + 1] ?? 0);
    }
  }
  const out: DiffLine[] = [];
  const added: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push(...added.splice(0), { op: ' ', text: a[i] as string });
      i++;
      j++;
    } else if (j < m && (i >= n || (table[i]?.[j + 1] ?? 0) >= (table[i + 1]?.[j] ?? 0))) {
      added.push({ op: '+', text: b[j++] as string });
    } else {
      out.push({ op: '-', text: a[i++] as string });
    }
  }
  return [...out, ...added];
}

/** A diff as text: `-`/`+`/` ` before each line, a title line per answer (what the page's Copy and the tests read). */
export function diffText(diffs: readonly PartDiff[]): string {
  return diffs.map((d) => [`# ${d.title}`, ...d.lines.map((l) => `${l.op} ${l.text}${l.advised ? '   (advised)' : ''}`)].join('\n')).join('\n\n');
}
