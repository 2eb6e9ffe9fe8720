/**
 * A browser's CORS console line read back: which row of the reason table it
 * is, in which browser and client API, what it names (the URL, the page's
 * origin, the offending value), what it cannot tell, and a draft scenario
 * that {@link evaluate} turns into the same message.
 *
 * The recognisers come from the reason table itself: each row's message
 * builders are run once (lazily) over every variant of the context (client
 * API, preflight or not, redirected or not, credentials mode) with marker
 * strings in place of the URL, the origin, the value and the status; each
 * distinct message becomes one RegExp with a named group per marker. A new
 * row is recognised without a change here. Only the drafts know rows by
 * name (`RECIPES`): how to make a server fail that way.
 *
 * Pure: no I/O, no dependencies, no globals beyond `URL`.
 */
import { REDIRECT_LIMIT, evaluate } from './evaluate.js';
import type { Reason, ReasonContext, ReasonId, WarningId } from './reasons.js';
import { REASONS, WARNINGS, chromiumCorsError, chromiumMessage, firefoxMessage } from './reasons.js';
import { ScenarioError } from './request.js';
import { corsUnsafeRequestHeaderNames, isCorsSafelistedMethod, normalizeMethod } from './safelist.js';
import type { BrowserName, CredentialsMode, HeaderList, Initiator, Scenario, ScenarioResponse } from './types.js';

/**
 * What a scenario needs that a console line may not tell: `missing` lists
 * them, `assumed` gives the value a draft used instead.
 */
export type ConsoleField =
  | 'url'
  | 'origin'
  | 'initiator'
  | 'method'
  | 'request-headers'
  | 'credentials'
  | 'status'
  | 'preflight'
  | 'response-headers'
  | 'reason';

/** A value a draft scenario assumed because neither the line nor the caller gave it. */
export interface ConsoleAssumption {
  field: ConsoleField;
  /** The value used, as text (a header list as `Name: value` lines joined by `; `). */
  value: string;
}

/** What the caller knows beyond the line (the CLI's `--origin`, `--method`, ...): it fills fields the line does not state. */
export interface ConsoleGiven {
  origin?: string;
  initiator?: Initiator;
  credentials?: CredentialsMode;
  method?: string;
  headers?: HeaderList;
}

/** A draft scenario for one reason row, and how far it can be trusted. */
export interface ConsoleDraft {
  /** The row the draft fails with. */
  reasonId: ReasonId;
  /** The scenario, or `null` when no scenario can fail this way (a network error, a browser setting, a non-HTTP URL). */
  scenario: Scenario | null;
  /** What the draft assumed, field by field. */
  assumed: ConsoleAssumption[];
  /** Whether `evaluate(scenario)` gives this row and the line's exact message in the line's browser. */
  reproduces: boolean;
  /** Why there is no scenario, or why it does not reproduce the line; `null` when it does. */
  note: string | null;
}

/** A recognised console line. `null` fields are what the line does not say. */
export interface ConsoleReading extends ConsoleDraft {
  recognised: true;
  browser: BrowserName;
  /**
   * Every row whose message reads exactly like this line, in table order;
   * more than one when the line cannot tell them apart (Firefox's "CORS
   * request did not succeed"). `reasonId` is the draft's row.
   */
  candidates: ReasonId[];
  /** Chromium's `CorsError` (the preflight variant at the preflight); `null` for Firefox, a network error, or when the line does not tell. */
  corsError: string | null;
  /** Chromium's network error (`ERR_TOO_MANY_REDIRECTS`), when the line is one. */
  netError: string | null;
  /** Firefox's reason as MDN names its page (`CORSMissingAllowOrigin`). */
  firefoxReason: string | null;
  /** Firefox's `security.properties` key of the message (`CORSMissingAllowOrigin2`). */
  firefoxKey: string | null;
  /** The URL the browser names (the last of a redirect chain). */
  url: string | null;
  /** The first URL, when Chromium says the request was redirected. */
  redirectedFrom: string | null;
  /** The page's origin (Chromium names it; Firefox does not). */
  origin: string | null;
  /** The client API (Chromium's "fetch", "XMLHttpRequest" or "resource", read as EventSource). */
  initiator: Initiator | null;
  /** Whether the failure was on the CORS-preflight response. */
  preflight: boolean | null;
  /** The credentials mode, when the message implies it (`include` for the credentials rows). */
  credentials: CredentialsMode | null;
  /** The request's method (Chromium's disallowed method, or its network line "PUT https://... net::ERR_FAILED"). */
  method: string | null;
  /** The status of the failing response (Firefox's "Status code: N.", or Chromium's network line). */
  status: number | null;
  /** The offending value the message names, or `null`. */
  value: string | null;
  /** What `value` is: a header name (`Access-Control-Allow-Origin`), `method` or `request header`. */
  valueName: string | null;
  /** The message as the browser prints it today (decorations removed, quotes and spaces as the table has them). */
  message: string;
  /** Text around the message that was left aside: DevTools prefixes and suffixes, other lines. */
  ignored: string[];
  /** What a scenario needs that the line does not tell. */
  missing: ConsoleField[];
}

/** Input that is not a console line the reason table produces, and why. */
export interface ConsoleNotRecognised {
  recognised: false;
  /** The browser, when the line has a browser's CORS frame around a reason corsproof does not know. */
  browser: BrowserName | null;
  /** What the input is, and what a line corsproof reads looks like. */
  why: string;
  /** When the line is a warning of the warnings table (the request passed). */
  warningId: WarningId | null;
}

// ---------------------------------------------------------------------------
// Recognisers, derived from the reason table's message builders.

type Slot = 'url' | 'from' | 'origin' | 'requestOrigin' | 'method' | 'value' | 'status';

/** Marker strings for the context's free fields (private-use code points: never in a message). */
const MARK: Record<Exclude<Slot, 'status'>, string> = {
  url: '\uE000u\uE001',
  from: '\uE000f\uE001',
  origin: '\uE000o\uE001',
  requestOrigin: '\uE000r\uE001',
  method: '\uE000m\uE001',
  value: '\uE000v\uE001',
};
/** The status marker: a number, as the context holds one. */
const STATUS_MARK = 790613;
const SLOT_OF: ReadonlyMap<string, Slot> = new Map([...Object.entries(MARK).map(([k, v]) => [v, k as Slot] as const), [String(STATUS_MARK), 'status']]);
const MARK_SPLIT = /(\uE000[a-z]\uE001|790613)/;
/** What each slot may hold in a line. */
const SLOT_PATTERN: Record<Slot, string> = {
  url: '\\S+?',
  from: '\\S+?',
  origin: "[^\\s'‘’]+?",
  requestOrigin: "[^\\s'‘’]+?",
  method: '\\S+?',
  value: '.*?',
  status: '\\d{1,3}',
};

/** One discrete variant of the context a message was built from. */
interface Variant {
  initiator: Initiator;
  preflight: boolean;
  credentials: CredentialsMode;
}

/** A distinct message of the table, as a recogniser. */
interface Template {
  browser: BrowserName;
  /** The rows producing it, in table order. */
  rows: Reason[];
  variants: Variant[];
  /** The message with markers. */
  text: string;
  regex: RegExp;
  /** The literal parts, quotes and spaces normalised ({@link loose}): a line holds them all before the RegExp is tried. */
  needles: string[];
}

const INITIATORS: readonly Initiator[] = ['fetch', 'xhr', 'eventsource'];
const CREDENTIALS: readonly CredentialsMode[] = ['omit', 'same-origin', 'include'];
const BROWSER_NAMES: readonly BrowserName[] = ['chromium', 'firefox'];

/** A context whose free fields are markers. */
function markedContext(v: Variant, redirected: boolean): ReasonContext {
  return {
    url: MARK.url,
    redirectedFrom: redirected ? MARK.from : null,
    origin: MARK.origin,
    requestOrigin: MARK.requestOrigin,
    initiator: v.initiator,
    credentials: v.credentials,
    method: MARK.method,
    value: MARK.value,
    status: STATUS_MARK,
    preflight: v.preflight,
  };
}

function messageIn(browser: BrowserName, row: Reason, ctx: ReasonContext): string {
  return browser === 'chromium' ? chromiumMessage(row, ctx) : firefoxMessage(row, ctx);
}

/** Every variant of the discrete context fields. */
function variants(): Variant[] {
  const out: Variant[] = [];
  for (const initiator of INITIATORS) for (const preflight of [false, true]) for (const credentials of CREDENTIALS) out.push({ initiator, preflight, credentials });
  return out;
}

/** Quotes as they may come back from a copy (typographic or straight), any run of white space. */
function literalPattern(text: string): string {
  let out = '';
  for (const ch of text) {
    if (ch === "'" || ch === '‘' || ch === '’') out += "['‘’]";
    else if (/\s/.test(ch)) out += out.endsWith('\\s+') ? '' : '\\s+';
    else out += ch.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
  }
  return out;
}

/** Text with quotes made straight and runs of white space one space (what {@link literalPattern} lets vary). */
function loose(text: string): string {
  return text.replace(/[‘’]/g, "'").replace(/\s+/g, ' ');
}

/** A message with markers → a RegExp with one named group per marker (later uses are back-references); `null` if a marker was mangled. */
function compile(text: string): RegExp | null {
  const seen = new Set<Slot>();
  let source = '';
  for (const part of text.split(MARK_SPLIT)) {
    const slot = SLOT_OF.get(part);
    if (slot === undefined) {
      if (part.includes('\uE000')) return null;
      source += literalPattern(part);
    } else {
      source += seen.has(slot) ? `\\k<${slot}>` : `(?<${slot}>${SLOT_PATTERN[slot]})`;
      seen.add(slot);
    }
  }
  return new RegExp(`${source}(?<tail>\\s[\\s\\S]*)?$`, 'u');
}

let templateCache: Template[] | null = null;

/** The recognisers, built on first use: one per distinct message of the table. */
function templates(): Template[] {
  if (templateCache !== null) return templateCache;
  const byText = new Map<string, Template>();
  const all = variants();
  for (const row of REASONS) {
    for (const browser of BROWSER_NAMES) {
      if ((browser === 'chromium' ? row.chromium : row.firefox) === null) continue;
      for (const redirected of [false, true]) {
        for (const v of all) addVariant(byText, browser, row, v, messageIn(browser, row, markedContext(v, redirected)));
      }
    }
  }
  templateCache = [...byText.values()];
  return templateCache;
}

function addVariant(byText: Map<string, Template>, browser: BrowserName, row: Reason, v: Variant, text: string): void {
  const key = `${browser}\n${text}`;
  let t = byText.get(key);
  if (t === undefined) {
    const regex = compile(text);
    if (regex === null) return;
    const needles = text.split(MARK_SPLIT).filter((p) => !SLOT_OF.has(p)).map(loose).filter((p) => p.trim() !== '');
    t = { browser, rows: [], variants: [], text, regex, needles };
    byText.set(key, t);
  }
  if (!t.rows.includes(row)) t.rows.push(row);
  t.variants.push(v);
}

/** A browser's frame around any reason (Chromium's "Access to ... has been blocked by CORS policy: ", Firefox's "Cross-Origin Request Blocked: ... (Reason: ...)"), for near misses. */
interface Frame {
  browser: BrowserName;
  regex: RegExp;
}

const REASON_MARK = '\uE000x\uE001';
let frameCache: Frame[] | null = null;

function frames(): Frame[] {
  if (frameCache !== null) return frameCache;
  const out: Frame[] = [];
  const chromiumRow = REASONS.find((r) => r.chromium !== null && r.chromium.corsError !== null);
  const firefoxRow = REASONS.find((r) => r.firefox !== null);
  const ctx = markedContext({ initiator: 'fetch', preflight: false, credentials: 'same-origin' }, false);
  for (const initiator of INITIATORS) {
    if (chromiumRow?.chromium) {
      const row = { ...chromiumRow, chromium: { ...chromiumRow.chromium, text: () => REASON_MARK } };
      out.push({ browser: 'chromium', regex: frameRegex(chromiumMessage(row, { ...ctx, initiator })) });
    }
  }
  if (firefoxRow?.firefox) {
    const row = { ...firefoxRow, firefox: { ...firefoxRow.firefox, text: () => REASON_MARK, suffix: 'none' as const, quotesUrl: false } };
    out.push({ browser: 'firefox', regex: frameRegex(firefoxMessage(row, ctx)) });
  }
  frameCache = out;
  return out;
}

function frameRegex(text: string): RegExp {
  const [head = '', tail = ''] = text.split(REASON_MARK);
  const slots = (s: string): string =>
    s
      .split(MARK_SPLIT)
      .map((p) => (SLOT_OF.has(p) ? '\\S+?' : literalPattern(p)))
      .join('');
  return new RegExp(tail === '' ? `${slots(head)}(?<reason>.+)$` : `${slots(head)}(?<reason>.+?)${slots(tail)}(?:\\s.*)?$`, 'u');
}

/** An example line of each browser, built by the table's own builders (for "not recognised" answers). */
function exampleLines(): string {
  const row = REASONS[0] as Reason;
  const ctx: ReasonContext = {
    url: 'https://api.example.com/data',
    redirectedFrom: null,
    origin: 'https://app.example.com',
    requestOrigin: 'https://app.example.com',
    initiator: 'fetch',
    credentials: 'same-origin',
    method: 'GET',
    value: '',
    status: 200,
    preflight: false,
  };
  return `Chromium: "${chromiumMessage(row, ctx)}"; Firefox: "${firefoxMessage(row, ctx)}"`;
}

// ---------------------------------------------------------------------------
// Reading a pasted text: decorations, Chromium's network line, the match.

/** Chromium's network line under a CORS error, as DevTools copies it: `[source:line] METHOD URL net::ERR_X [status (text)]`. */
const NETWORK_LINE = /^(?:\S+:\d+(?::\d+)?\s+)?(?:(?<method>[A-Za-z]+)\s+)?(?<url>\S+)\s+net::(?<error>ERR_[A-Z0-9_]+)(?:\s+(?<status>\d{3})(?:\s+\([^)]*\))?)?$/;
/** A line that is only a DevTools source location (`(index):1`, `app.js:12:5`). */
const LOCATION_LINE = /^\S+:\d+(?::\d+)?$/;
/** Decorations after a message: Firefox's "[Learn More]" link. */
const LEARN_MORE = /\s*\[?Learn More\]?\s*$/i;
/**
 * Older Chromium's advice after some messages (before version 116 or so), which the
 * table no longer has; read as the current message.
 */
const OLD_NO_CORS_HINTS: ReadonlyArray<[RegExp, string]> = [
  [/, or, if an opaque response serves your needs, set the request's mode to 'no-cors' to fetch the resource with CORS disabled\./g, '.'],
  [/ If an opaque response serves your needs, set the request's mode to 'no-cors' to fetch the resource with CORS disabled\./g, ''],
];
/** The longest input read. */
const MAX_INPUT = 100_000;

interface NetworkLine {
  method: string | null;
  url: string;
  error: string;
  status: number | null;
}

interface Match {
  template: Template;
  groups: Partial<Record<Slot, string>>;
  prefix: string;
  tail: string;
}

function parseNetworkLine(line: string): NetworkLine | null {
  const m = NETWORK_LINE.exec(line);
  if (!m?.groups) return null;
  const { method, url, error, status } = m.groups;
  return { method: method ?? null, url: url as string, error: error as string, status: status ? Number(status) : null };
}

/** The best template match in `line`: the one leaving the least text after it, then the earliest. */
function matchLine(line: string): Match | null {
  let best: Match | null = null;
  let bestIndex = 0;
  const quick = loose(line);
  for (const template of templates()) {
    if (!template.needles.every((n) => quick.includes(n))) continue;
    const m = template.regex.exec(line);
    if (!m) continue;
    const tail = (m.groups?.tail ?? '').trim();
    if (best !== null && (tail.length > best.tail.length || (tail.length === best.tail.length && m.index >= bestIndex))) continue;
    const groups: Partial<Record<Slot, string>> = {};
    for (const [k, v] of Object.entries(m.groups ?? {})) if (k !== 'tail' && v !== undefined) groups[k as Slot] = v;
    best = { template, groups, prefix: line.slice(0, m.index).trim(), tail };
    bestIndex = m.index;
  }
  return best;
}

/** A candidate message line with its decorations removed (noted in `ignored`). */
function clean(line: string, ignored: string[]): string {
  let out = line.replace(LEARN_MORE, (s) => (s.trim() ? (ignored.push(s.trim()), '') : ''));
  for (const [re, by] of OLD_NO_CORS_HINTS) {
    out = out.replace(re, (s) => (ignored.push(s.replace(/^[,.\s]+/, '').trim()), by));
  }
  return out.trim();
}

/** The message in the text: each line alone first, then the lines joined (a message wrapped over several). */
function findMessage(lines: string[], ignored: string[]): Match | null {
  for (const line of lines) {
    const local: string[] = [];
    const m = matchLine(clean(line, local));
    if (m) {
      ignored.push(...local, ...lines.filter((l) => l !== line));
      return m;
    }
  }
  if (lines.length < 2) return null;
  const local: string[] = [];
  const m = matchLine(clean(lines.join(' '), local));
  if (m) ignored.push(...local);
  return m;
}

/**
 * Read a console line from Chromium or Firefox (as printed, or as copied
 * from DevTools with its prefixes, suffixes and Chromium's network line):
 * the reason row, what the line names, what it cannot tell, and a draft
 * scenario. `given` fills what the line does not state (never what it does).
 */
export function readConsoleLine(text: string, given: ConsoleGiven = {}): ConsoleReading | ConsoleNotRecognised {
  if (text.length > MAX_INPUT) return notRecognised(null, `the input is ${text.length} characters long; a console line is shorter than ${MAX_INPUT}`);
  const lines = text
    .replace(/^\uFEFF/, '')
    .replace(/\u00A0/g, ' ')
    .split(/\r?\n|\r/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (lines.length === 0) return notRecognised(null, `the input is empty. Paste the browser's console line, e.g. ${exampleLines()}`);
  const network: NetworkLine[] = [];
  const rest: string[] = [];
  for (const line of lines) {
    const n = parseNetworkLine(line);
    if (n) network.push(n);
    else if (!LOCATION_LINE.test(line)) rest.push(line);
  }
  const ignored: string[] = [];
  const match = findMessage(rest, ignored);
  if (match === null) return networkOnly(network, rest, given) ?? explainMiss(rest, network);
  if (match.prefix) ignored.unshift(match.prefix);
  if (match.tail) ignored.push(match.tail);
  return reading(match, network, ignored, given);
}

function notRecognised(browser: BrowserName | null, why: string, warningId: WarningId | null = null): ConsoleNotRecognised {
  return { recognised: false, browser, why, warningId };
}

/** The facts of a reading, without its draft (what {@link draftScenario} works from). */
export type ConsoleFacts = Omit<ConsoleReading, 'recognised' | 'scenario' | 'assumed' | 'reproduces' | 'note'>;

/** The one value every entry has, or `null` when they differ. */
function only<T>(values: readonly T[]): T | null {
  const first = values[0];
  return first !== undefined && values.every((v) => v === first) ? first : null;
}

/** Of rows reading alike, the one that is this browser's own (no counterpart in the other browser: Firefox's generic "did not succeed"), else the first. */
function preferredRow(rows: readonly Reason[], browser: BrowserName): Reason {
  if (rows.length > 1) {
    const own = rows.find((r) => (browser === 'firefox' ? r.chromium : r.firefox) === null);
    if (own) return own;
  }
  return rows[0] as Reason;
}

/** The template's text with its markers replaced by what the line holds. */
function fill(text: string, groups: Partial<Record<Slot, string>>): string {
  return text
    .split(MARK_SPLIT)
    .map((part) => {
      const slot = SLOT_OF.get(part);
      return slot === undefined ? part : (groups[slot] ?? '');
    })
    .join('');
}

/** Whether the line says the failure was on the preflight: from the message, else from where the row can fail. */
function preflightOf(template: Template, recipe: Recipe | undefined): boolean | null {
  const said = only(template.variants.map((v) => v.preflight));
  if (said !== null) return said;
  if (recipe === undefined || recipe.at === 'either') return null;
  return recipe.at === 'preflight';
}

function corsErrorOf(browser: BrowserName, row: Reason, preflight: boolean | null): string | null {
  if (browser !== 'chromium' || row.chromium === null || row.chromium.netError) return null;
  if (preflight === null) return row.chromium.preflightCorsError === undefined ? row.chromium.corsError : null;
  return chromiumCorsError(row, { preflight } as ReasonContext);
}

function reading(match: Match, network: readonly NetworkLine[], ignored: string[], given: ConsoleGiven): ConsoleReading {
  const { template, groups } = match;
  const { browser } = template;
  const row = preferredRow(template.rows, browser);
  const recipe = RECIPES[row.id];
  const from = groups.from ?? null;
  const net =
    network.find((n) => groups.url !== undefined && (n.url === groups.url || n.url === from)) ??
    (groups.url === undefined ? network.find((n) => n.error === row.chromium?.netError) : undefined) ??
    null;
  for (const n of network) if (n !== net) ignored.push(`${n.method ?? ''} ${n.url} net::${n.error}`.trim());
  const preflight = preflightOf(template, recipe);
  const value = groups.value ?? null;
  const facts: ConsoleFacts = {
    browser,
    reasonId: row.id,
    candidates: template.rows.map((r) => r.id),
    corsError: corsErrorOf(browser, row, preflight),
    netError: browser === 'chromium' ? (row.chromium?.netError ?? null) : null,
    firefoxReason: browser === 'firefox' ? (row.firefox?.reason ?? null) : null,
    firefoxKey: browser === 'firefox' ? (row.firefox?.key ?? null) : null,
    url: groups.url ?? net?.url ?? null,
    redirectedFrom: from,
    origin: groups.origin ?? null,
    initiator: only(template.variants.map((v) => v.initiator)),
    preflight,
    credentials: recipe?.credentials ?? only(template.variants.map((v) => v.credentials)),
    method: recipe?.valueIs === 'method' && value ? value : (net?.method ?? null),
    status: groups.status !== undefined ? Number(groups.status) : preflight !== true ? (net?.status ?? null) : null,
    value,
    valueName: value !== null ? (recipe?.valueName ?? null) : null,
    message: fill(template.text, groups),
    ignored,
    missing: [],
  };
  facts.missing = missingOf(facts);
  return { recognised: true, ...facts, ...draftScenario(facts, given) };
}

function missingOf(f: ConsoleFacts): ConsoleField[] {
  const missing: ConsoleField[] = [];
  if (f.url === null) missing.push('url');
  if (f.origin === null) missing.push('origin');
  if (f.initiator === null) missing.push('initiator');
  if (f.method === null) missing.push('method');
  missing.push('request-headers');
  if (f.credentials === null) missing.push('credentials');
  if (f.status === null) missing.push('status');
  if (f.preflight === null) missing.push('preflight');
  missing.push('response-headers');
  if (f.candidates.length > 1) missing.push('reason');
  return missing;
}

/** A Chromium network line alone that names a row's network error ("GET https://... net::ERR_TOO_MANY_REDIRECTS"). */
function networkOnly(network: readonly NetworkLine[], rest: readonly string[], given: ConsoleGiven): ConsoleReading | null {
  for (const n of network) {
    const row = REASONS.find((r) => r.chromium?.netError === n.error);
    if (!row) continue;
    const match = matchLine(chromiumMessage(row, markedContext({ initiator: 'fetch', preflight: false, credentials: 'same-origin' }, false)));
    if (match) return reading(match, network, [...rest], given);
  }
  return null;
}

/** Why the text is not a line the table produces, and what such a line looks like. */
function explainMiss(rest: readonly string[], network: readonly NetworkLine[]): ConsoleNotRecognised {
  const candidates = rest.length > 1 ? [...rest, rest.join(' ')] : rest;
  for (const w of WARNINGS) {
    const regex = w.firefox ? compile(w.firefox.message(MARK.url)) : null;
    if (regex && candidates.some((l) => regex.test(l))) {
      return notRecognised('firefox', `this is Firefox's warning '${w.id}': the request was allowed. ${w.title} Fix: ${w.fix}`, w.id);
    }
  }
  for (const line of candidates) {
    for (const frame of frames()) {
      const m = frame.regex.exec(line);
      if (m) {
        const name = frame.browser === 'chromium' ? 'Chromium' : 'Firefox';
        return notRecognised(frame.browser, `a ${name} CORS message, but corsproof's reason table has no row for its reason "${m.groups?.reason ?? ''}" (another browser version, or a message in another language: corsproof reads the English ones)`);
      }
    }
  }
  const failed = network.find((n) => !REASONS.some((r) => r.chromium?.netError === n.error));
  if (failed) {
    return notRecognised('chromium', `Chromium's network line "${failed.method ?? ''} ${failed.url} net::${failed.error}" says only that the request failed; the reason is in the console line next to it. Paste that line, e.g. ${exampleLines()}`);
  }
  if (rest.some((l) => /Failed to fetch|NetworkError when attempting to fetch resource|Network ?Error|ERR_NETWORK/i.test(l))) {
    return notRecognised(null, `this is the script's own error, which never says why (browsers keep the reason from script). Paste the browser's console line above it, e.g. ${exampleLines()}`);
  }
  return notRecognised(null, `not a CORS console line of Chromium or Firefox. Such a line looks like this: ${exampleLines()}`);
}

// ---------------------------------------------------------------------------
// Drafts: a scenario that fails with the line's row.

const ACAO = 'Access-Control-Allow-Origin';
const ACAC = 'Access-Control-Allow-Credentials';
const ACAM = 'Access-Control-Allow-Methods';
const ACAH = 'Access-Control-Allow-Headers';

/** What a recipe works from: the request as drafted and what the line says. */
interface DraftFacts {
  url: string;
  origin: string;
  /** The Origin the request carries at the failing URL (`null` after a tainting redirect). */
  requestOrigin: string;
  value: string | null;
  status: number | null;
  assume: (field: ConsoleField, value: string) => string;
}

/** How a server fails with one row (the only place rows are known by name here). */
interface Recipe {
  /** Where the row can fail. */
  at: 'preflight' | 'response' | 'either' | 'redirect';
  /** The credentials mode the row implies. */
  credentials?: 'include';
  /** What the offending value is. */
  valueName?: string;
  /** Whether the value is the request's method or one of its header names. */
  valueIs?: 'method' | 'header';
  /** Make a passing answer (the failing hop's preflight or response) fail this way. */
  fail?: (answer: ScenarioResponse, d: DraftFacts) => void;
  /** For `redirect` rows: the redirect responses from the named URL on. */
  chain?: (d: DraftFacts, passing: HeaderList) => ScenarioResponse[];
}

function setHeader(answer: ScenarioResponse, name: string, ...values: string[]): void {
  const lower = name.toLowerCase();
  answer.headers = answer.headers.filter(([n]) => n.toLowerCase() !== lower);
  for (const v of values) answer.headers.push([name, v]);
}

/** A status that is not ok, as the line says or assumed. */
function failStatus(answer: ScenarioResponse, d: DraftFacts): void {
  if (answer.status < 200 || answer.status > 299) return;
  answer.status = d.status !== null && (d.status < 200 || d.status > 299) ? d.status : Number(d.assume('status', '404'));
}

/** The URL with a username and password in it. */
function withUserinfo(url: string): string {
  const u = new URL(url);
  u.username = 'user';
  u.password = 'secret';
  return u.href;
}

/** A response-header value the line does not give, recorded as assumed. */
function assumedHeader(d: DraftFacts, name: string, value: string): string {
  d.assume('response-headers', `${name}: ${value}`);
  return value;
}


/** The rows a draft can fail with, and how. Rows without a recipe have no scenario (a network error, a browser setting). */
const RECIPES: Partial<Record<ReasonId, Recipe>> = {
  'missing-allow-origin': { at: 'either', fail: (a) => setHeader(a, ACAO) },
  'multiple-allow-origin': {
    at: 'either',
    valueName: ACAO,
    fail: (a, d) => setHeader(a, ACAO, ...(d.value === null ? [d.requestOrigin, d.requestOrigin] : d.value.includes(', ') ? d.value.split(', ') : [d.value])),
  },
  'invalid-allow-origin': { at: 'either', valueName: ACAO, fail: (a, d) => setHeader(a, ACAO, d.value ?? assumedHeader(d, ACAO, 'app.example')) },
  'allow-origin-mismatch': { at: 'either', valueName: ACAO, fail: (a, d) => setHeader(a, ACAO, d.value ?? assumedHeader(d, ACAO, 'https://other.example')) },
  'wildcard-with-credentials': { at: 'either', credentials: 'include', fail: (a) => setHeader(a, ACAO, '*') },
  'missing-allow-credentials': {
    at: 'either',
    credentials: 'include',
    valueName: ACAC,
    fail: (a, d) => (d.value ? setHeader(a, ACAC, d.value) : setHeader(a, ACAC)),
  },
  'preflight-status': { at: 'preflight', fail: failStatus },
  'preflight-redirect': {
    at: 'preflight',
    fail: (a, d) => {
      a.status = 301;
      setHeader(a, 'Location', d.url);
    },
  },
  'invalid-allow-methods': { at: 'preflight', valueName: ACAM, fail: (a, d) => setHeader(a, ACAM, d.value ?? assumedHeader(d, ACAM, 'GET POST')) },
  'invalid-allow-headers': { at: 'preflight', valueName: ACAH, fail: (a, d) => setHeader(a, ACAH, d.value ?? assumedHeader(d, ACAH, 'X-A X-B')) },
  'method-not-allowed': { at: 'preflight', valueName: 'method', valueIs: 'method', fail: (a) => setHeader(a, ACAM) },
  'header-not-allowed': {
    at: 'preflight',
    valueName: 'request header',
    valueIs: 'header',
    fail: (a, d) => {
      const allowed = (a.headers.find(([n]) => n === ACAH)?.[1] ?? '').split(', ').filter((n) => n !== '' && n !== d.value);
      setHeader(a, ACAH, ...(allowed.length > 0 ? [allowed.join(', ')] : []));
    },
  },
  'redirect-contains-credentials': { at: 'redirect', chain: (d, passing) => [{ status: 302, headers: [...passing, ['Location', withUserinfo(d.url)]] }] },
  'redirect-not-http': { at: 'redirect', chain: (d, passing) => [{ status: 302, headers: [...passing, ['Location', d.value ?? assumedHeader(d, 'Location', 'data:text/plain,hello')]] }] },
  'too-many-redirects': {
    at: 'redirect',
    chain: (d, passing) => Array.from({ length: REDIRECT_LIMIT + 1 }, () => ({ status: 302, headers: [...passing, ['Location', d.url] as [string, string]] })),
  },
  'external-redirect-not-allowed': {
    at: 'preflight',
    fail: (a, d) => {
      a.status = 302;
      setHeader(a, 'Location', d.url);
    },
  },
};

/** Stand-ins when the line names no URL or origin: reserved names (RFC 2606), so no one mistakes them for the real ones. */
const PLACEHOLDER_URL = 'https://api.example/';
const PLACEHOLDER_ORIGINS: readonly string[] = ['https://app.example', 'https://page.example'];
/** A value that makes each CORS-safelisted request-header name need a preflight (any value does for other names). */
const UNSAFE_VALUES: Readonly<Record<string, string>> = {
  'content-type': 'application/json',
  accept: 'a{b}',
  'accept-language': 'en (GB)',
  'content-language': 'en_US',
  range: 'bytes=0-1, 2-3',
};

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

function formatHeaders(headers: HeaderList): string {
  return headers.length === 0 ? '(none)' : headers.map(([n, v]) => `${n}: ${v}`).join('; ');
}

/** Whether a request with this method and headers is preflighted (EventSource never is). */
function preflighted(method: string, headers: HeaderList, initiator: Initiator): boolean {
  return initiator !== 'eventsource' && (!isCorsSafelistedMethod(normalizeMethod(method)) || corsUnsafeRequestHeaderNames(headers).length > 0);
}

/** The request as drafted: what the line says, then `given`, then stand-ins (recorded in `assumed`). */
interface DraftRequest {
  url: string;
  from: string | null;
  origin: string;
  requestOrigin: string;
  initiator: Initiator;
  credentials: CredentialsMode;
  method: string;
  headers: HeaderList;
}

function draftRequest(f: ConsoleFacts, given: ConsoleGiven, recipe: Recipe, atPreflight: boolean, assume: DraftFacts['assume']): DraftRequest {
  const url = f.url ?? assume('url', PLACEHOLDER_URL);
  const initiator = f.initiator ?? given.initiator ?? (assume('initiator', 'fetch') as Initiator);
  const credentials = recipe.credentials ?? f.credentials ?? given.credentials ?? (assume('credentials', 'same-origin') as CredentialsMode);
  const origin = f.origin ?? given.origin ?? assume('origin', PLACEHOLDER_ORIGINS.find((o) => o !== originOf(url) && o !== f.value) as string);
  const headers: HeaderList = [...(given.headers ?? [])];
  if (recipe.valueIs === 'header' && f.value && !headers.some(([n]) => n.toLowerCase() === f.value)) {
    headers.push([f.value, UNSAFE_VALUES[f.value] ?? 'x']);
  }
  let method = f.method ?? given.method ?? null;
  if (method === null) method = assume('method', atPreflight && !preflighted('GET', headers, initiator) ? 'PUT' : 'GET');
  if (atPreflight && !preflighted(method, headers, initiator) && initiator !== 'eventsource') headers.push(['X-Requested-With', 'XMLHttpRequest']);
  if (given.headers === undefined) assume('request-headers', formatHeaders(headers));
  const from = f.redirectedFrom;
  const fromOrigin = from === null ? null : originOf(from);
  const tainted = from !== null && fromOrigin !== origin && originOf(url) !== fromOrigin;
  return { url, from, origin, requestOrigin: tainted ? 'null' : origin, initiator, credentials, method, headers };
}

/** The CORS headers of an answer that passes, for a request carrying `requestOrigin`. */
function passing(r: DraftRequest, requestOrigin: string, preflight: boolean): HeaderList {
  const include = r.credentials === 'include';
  const headers: HeaderList = [[ACAO, include ? requestOrigin : '*']];
  if (include) headers.push([ACAC, 'true']);
  if (preflight) {
    const method = normalizeMethod(r.method);
    if (!isCorsSafelistedMethod(method)) headers.push([ACAM, method]);
    const names = [...new Set(r.headers.map(([n]) => n.toLowerCase()))];
    if (names.length > 0) headers.push([ACAH, names.join(', ')]);
  }
  return headers;
}

/** The scenario: the request, a redirect when Chromium names one, the failing answer where the row fails. */
function draftOnce(f: ConsoleFacts, given: ConsoleGiven, recipe: Recipe, at: 'preflight' | 'response' | 'redirect'): { scenario: Scenario; assumed: ConsoleAssumption[] } {
  const assumed: ConsoleAssumption[] = [];
  const assume = (field: ConsoleField, value: string): string => {
    assumed.push({ field, value });
    return value;
  };
  const r = draftRequest(f, given, recipe, at === 'preflight', assume);
  if (f.preflight === null && recipe.at === 'either') assume('preflight', at === 'preflight' ? 'failed at the preflight' : 'failed at the actual response');
  const d: DraftFacts = { url: r.url, origin: r.origin, requestOrigin: r.requestOrigin, value: f.value, status: f.status, assume };
  const lastPreflight: ScenarioResponse = { status: at === 'preflight' ? (f.status ?? 204) : 204, headers: passing(r, r.requestOrigin, true) };
  const response: ScenarioResponse = { status: at === 'response' ? (f.status ?? 200) : 200, headers: passing(r, r.requestOrigin, false) };
  if (at === 'preflight') recipe.fail?.(lastPreflight, d);
  if (at === 'response') recipe.fail?.(response, d);
  const redirects: ScenarioResponse[] = [];
  if (r.from !== null) redirects.push({ status: 307, headers: [...passing(r, r.origin, false), ['Location', r.url]] });
  if (at === 'redirect' && recipe.chain) redirects.push(...recipe.chain(d, passing(r, r.requestOrigin, false)));
  if (f.status === null && at !== 'redirect' && !assumed.some((a) => a.field === 'status')) assume('status', String(at === 'preflight' ? lastPreflight.status : response.status));
  const needsPreflight = preflighted(r.method, r.headers, r.initiator);
  const scenario: Scenario = {
    request: { url: r.from ?? r.url, origin: r.origin, method: r.method, headers: r.headers, credentials: r.credentials, initiator: r.initiator },
    preflight: !needsPreflight ? null : r.from !== null ? { status: 204, headers: passing(r, r.origin, true) } : lastPreflight,
    response,
  };
  if (redirects.length > 0) scenario.redirects = redirects;
  if (needsPreflight && r.from !== null) scenario.redirectPreflights = [lastPreflight];
  return { scenario, assumed };
}

/**
 * Where to put the failure: where the line says, else where the row fails;
 * else, for a request known to be preflighted, the preflight first (the answer
 * that comes first, and where a server without CORS fails first), for others
 * the response first.
 */
function placements(f: ConsoleFacts, recipe: Recipe, given: ConsoleGiven): Array<'preflight' | 'response' | 'redirect'> {
  if (recipe.at !== 'either') return [recipe.at];
  if (f.preflight !== null) return [f.preflight ? 'preflight' : 'response'];
  const method = f.method ?? given.method;
  const known = method !== undefined || given.headers !== undefined;
  return known && preflighted(method ?? 'GET', given.headers ?? [], f.initiator ?? given.initiator ?? 'fetch') ? ['preflight', 'response'] : ['response', 'preflight'];
}

/** Whether the scenario fails with the row and the line's message in the line's browser; else why not. */
function check(scenario: Scenario, f: ConsoleFacts, reasonId: ReasonId): string | null {
  const name = f.browser === 'chromium' ? 'Chromium' : 'Firefox';
  let verdict;
  try {
    verdict = evaluate(scenario);
  } catch (e) {
    if (e instanceof ScenarioError) return `the draft is not a scenario a page can make: ${e.message}`;
    throw e;
  }
  const got = verdict.browsers[f.browser].reasonId;
  if (got === null) return `${name} allows the drafted request`;
  if (got !== reasonId) return `${name} blocks the drafted request for another reason ('${got}')`;
  const message = f.browser === 'chromium' ? verdict.chromium?.message : verdict.firefox?.message;
  return message === f.message ? null : `${name} blocks the drafted request with another message: ${message ?? ''}`;
}

/**
 * A draft scenario consistent with a reading: it fails with `reasonId` (by
 * default the reading's row; any of its `candidates`) in the line's browser,
 * with the line's exact message when the line holds enough to say so.
 * Fields the line does not state come from `given`, then from stand-ins
 * (listed in `assumed`).
 */
export function draftScenario(facts: ConsoleFacts, given: ConsoleGiven = {}, reasonId: ReasonId = facts.reasonId): ConsoleDraft {
  const recipe = RECIPES[reasonId];
  if (recipe === undefined) {
    const row = REASONS.find((r) => r.id === reasonId);
    return { reasonId, scenario: null, assumed: [], reproduces: false, note: `no scenario fails this way (${row?.title ?? reasonId}): the line is explained from the reason table alone` };
  }
  let first: ConsoleDraft | null = null;
  for (const at of placements(facts, recipe, given)) {
    const { scenario, assumed } = draftOnce(facts, given, recipe, at);
    const note = check(scenario, facts, reasonId);
    const draft: ConsoleDraft = { reasonId, scenario, assumed, reproduces: note === null, note };
    if (draft.reproduces) return draft;
    first ??= draft;
  }
  return first as ConsoleDraft;
}

/**
 * The reason table's context for a reading (what its fix builders take),
 * the fields the line does not give filled from its draft or stand-ins:
 * for explaining a line that has no scenario.
 */
export function readingContext(r: ConsoleReading): ReasonContext {
  const origin = r.origin ?? r.scenario?.request.origin ?? PLACEHOLDER_ORIGINS[0] as string;
  return {
    url: r.url ?? PLACEHOLDER_URL,
    redirectedFrom: r.redirectedFrom,
    origin,
    requestOrigin: origin,
    initiator: r.initiator ?? r.scenario?.request.initiator ?? 'fetch',
    credentials: r.credentials ?? r.scenario?.request.credentials ?? 'same-origin',
    method: r.method ?? r.scenario?.request.method ?? 'GET',
    value: r.value ?? '',
    status: r.status ?? 0,
    preflight: r.preflight ?? false,
  };
}
