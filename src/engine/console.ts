/**
 * A browser's CORS console line read back: which row of the reason table it
 * is, in which browser (Chromium, Firefox, WebKit) and client API, what it
 * names (the URL, the page's origin, the offending value), what it cannot
 * tell, and a draft scenario that {@link evaluate} (for WebKit
 * {@link evaluateIn}) turns into the same message.
 *
 * The recognisers come from the reason table itself: each row's message
 * builders are run once (lazily) over every variant of the context (client
 * API, preflight or not, redirected or not, credentials mode) with marker
 * strings in place of the URL, the origin, the value and the status; each
 * distinct message becomes one RegExp with a named group per marker. For
 * WebKit the builder is `webkitConsoleLines`: each of its three lines (the
 * reason, "<API> cannot load <url> ...", "Failed to load resource: <reason>")
 * is a recogniser, and lines pasted together are read as one reading. A new
 * row is recognised without a change here. Only the drafts know rows by
 * name (`RECIPES`): how to make a server fail that way.
 *
 * Pure: no I/O, no dependencies, no globals beyond `URL`.
 */
import { REDIRECT_LIMIT, evaluate, evaluateIn, webkitConsole } from './evaluate.js';
import type { Reason, ReasonContext, ReasonId, WarningId, WebKitConsoleLine } from './reasons.js';
import { REASONS, WARNINGS, chromiumCorsError, chromiumMessage, firefoxMessage, webkitConsoleLines, webkitMessage } from './reasons.js';
import { ScenarioError } from './request.js';
import { corsUnsafeRequestHeaderNames, isCorsSafelistedMethod, normalizeMethod } from './safelist.js';
import type { AddressSpace, AddressSpaces, CredentialsMode, EngineBrowser, HeaderList, Initiator, Scenario, ScenarioRequest, ScenarioResponse } from './types.js';

/** The browsers whose console lines are read: Chromium, Firefox and WebKit (Safari's engine). */
export type ConsoleBrowser = EngineBrowser;

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
  /**
   * Whether `evaluate(scenario)` gives this row and the line's exact message in the line's browser
   * (WebKit: `evaluateIn('webkit', scenario)` gives this row, and its console every WebKit line read).
   */
  reproduces: boolean;
  /** Why there is no scenario, or why it does not reproduce the line; `null` when it does. */
  note: string | null;
}

/** A recognised console line. `null` fields are what the line does not say. */
export interface ConsoleReading extends ConsoleDraft {
  recognised: true;
  browser: ConsoleBrowser;
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
  /**
   * The URL the browser names (the last of a redirect chain; for WebKit the URL of its
   * "cannot load <url>" line: the reason line names none).
   */
  url: string | null;
  /** The first URL, when Chromium says the request was redirected. */
  redirectedFrom: string | null;
  /**
   * The URL of the redirect WebKit refused (its "Cross-origin redirection to <url> denied ..."):
   * `url` answered with a redirect to it. `null` for the other browsers, and when WebKit's line has no redirect.
   */
  redirectTo: string | null;
  /**
   * The page's origin (Chromium names it; WebKit names the request's Origin, the page's but after a
   * redirect from one origin to another; Firefox none).
   */
  origin: string | null;
  /**
   * The Origin header the request carried, when the line names it (WebKit's "Origin <origin> is not
   * allowed"): the page's origin, or `"null"` (a redirect from one origin to another before, or a page
   * with an opaque origin). `null` when the line does not name it.
   */
  requestOrigin: string | null;
  /** The client API (Chromium's "fetch", "XMLHttpRequest" or "resource", read as EventSource; WebKit's "Fetch API", "XMLHttpRequest" or "EventSource"). */
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
  /**
   * The message as the browser prints it today (decorations removed, quotes and spaces as the table
   * has them). WebKit: its reason line (read from a "Failed to load resource: <reason>" line too), or the
   * "cannot load" line when that is all the input holds.
   */
  message: string;
  /**
   * The browser's lines read, decorations removed as in `message`: `[message]` for Chromium and Firefox;
   * for WebKit each of its block's lines found (the reason, "cannot load", "Failed to load resource"), in input order.
   */
  lines: string[];
  /** Text around the message that was left aside: DevTools prefixes and suffixes, other lines. */
  ignored: string[];
  /** What a scenario needs that the line does not tell. */
  missing: ConsoleField[];
}

/** Input that is not a console line the reason table produces, and why. */
export interface ConsoleNotRecognised {
  recognised: false;
  /** The browser, when the line has a browser's CORS frame around a reason corsproof does not know. */
  browser: ConsoleBrowser | null;
  /** What the input is, and what a line corsproof reads looks like. */
  why: string;
  /** When the line is a warning of the warnings table (the request passed). */
  warningId: WarningId | null;
}

// ---------------------------------------------------------------------------
// Recognisers, derived from the reason table's message builders.

type Slot = 'url' | 'from' | 'to' | 'origin' | 'requestOrigin' | 'method' | 'value' | 'status';

/** Marker strings for the context's free fields (private-use code points: never in a message). */
const MARK: Record<Exclude<Slot, 'status'>, string> = {
  url: '\uE000u\uE001',
  from: '\uE000f\uE001',
  to: '\uE000t\uE001',
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
  to: '\\S+?',
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

/**
 * Which of WebKit's lines a template is (`null` for Chromium's and Firefox's single message): the
 * reason, "<API> cannot load <url> due to access control checks." or "Failed to load resource: <reason>".
 */
type LineKind = 'reason' | 'api' | 'network';
const LINE_KIND: Readonly<Record<WebKitConsoleLine['source'], LineKind>> = { security: 'reason', javascript: 'api', network: 'network' };

/** A distinct message of the table, as a recogniser. */
interface Template {
  browser: ConsoleBrowser;
  /** Which of WebKit's lines it is; `null` for the other browsers. */
  kind: LineKind | null;
  /** The reason line (with markers) the same context gives: itself, or for WebKit's "Failed to load resource" line the reason in it; `null` for WebKit's "cannot load" line. */
  reasonText: string | null;
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
const BROWSER_NAMES: readonly ConsoleBrowser[] = ['chromium', 'firefox', 'webkit'];

/** A context whose free fields are markers (redirected: the first URL for Chromium, the refused redirect's for WebKit). */
function markedContext(v: Variant, redirected: boolean): ReasonContext {
  return {
    ...(redirected ? { redirectTo: MARK.to } : {}),
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

/** A row's part for a browser. */
function partOf(browser: ConsoleBrowser, row: Reason): object | null {
  return browser === 'chromium' ? row.chromium : browser === 'firefox' ? row.firefox : row.webkit;
}

/** The browser's console lines for a row in context: Chromium's and Firefox's one message; WebKit's three lines. */
function linesIn(browser: ConsoleBrowser, row: Reason, ctx: ReasonContext): Array<{ text: string; kind: LineKind | null; reasonText: string | null }> {
  if (browser === 'chromium') return [{ text: chromiumMessage(row, ctx), kind: null, reasonText: null }];
  if (browser === 'firefox') return [{ text: firefoxMessage(row, ctx), kind: null, reasonText: null }];
  const reasonLine = webkitMessage(row, ctx);
  return webkitConsoleLines([], row, ctx, 0).map((l) => {
    const kind = LINE_KIND[l.source];
    return { text: l.text, kind, reasonText: kind === 'api' ? null : reasonLine };
  });
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

/**
 * A message with markers → a RegExp with one named group per marker (later uses are back-references);
 * `null` if a marker was mangled. A value that ends the message (WebKit's "has an invalid value: X-A X-B")
 * takes the rest of the line: nothing after it tells where it ends.
 */
function compile(text: string): RegExp | null {
  const seen = new Set<Slot>();
  const parts = text.split(MARK_SPLIT).filter((p) => p !== '');
  let source = '';
  for (const [i, part] of parts.entries()) {
    const slot = SLOT_OF.get(part);
    if (slot === undefined) {
      if (part.includes('\uE000')) return null;
      source += literalPattern(part);
    } else {
      const last = i === parts.length - 1 && slot === 'value';
      source += seen.has(slot) ? `\\k<${slot}>` : `(?<${slot}>${last ? '.*' : SLOT_PATTERN[slot]})`;
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
      if (partOf(browser, row) === null) continue;
      for (const redirected of [false, true]) {
        for (const v of all) {
          for (const line of linesIn(browser, row, markedContext(v, redirected))) addVariant(byText, browser, row, v, line);
        }
      }
    }
  }
  templateCache = [...byText.values()];
  return templateCache;
}

function addVariant(byText: Map<string, Template>, browser: ConsoleBrowser, row: Reason, v: Variant, line: { text: string; kind: LineKind | null; reasonText: string | null }): void {
  const { text, kind, reasonText } = line;
  const key = `${browser}\n${text}`;
  let t = byText.get(key);
  if (t === undefined) {
    const regex = compile(text);
    if (regex === null) return;
    const needles = text.split(MARK_SPLIT).filter((p) => !SLOT_OF.has(p)).map(loose).filter((p) => p.trim() !== '');
    t = { browser, kind, reasonText, rows: [], variants: [], text, regex, needles };
    byText.set(key, t);
  }
  if (!t.rows.includes(row)) t.rows.push(row);
  t.variants.push(v);
}

/**
 * A browser's frame around any reason (Chromium's "Access to ... has been blocked by CORS policy: ",
 * Firefox's "Cross-Origin Request Blocked: ... (Reason: ...)", WebKit's "Cross-origin redirection to ...
 * denied by Cross-Origin Resource Sharing policy: "), for near misses.
 */
interface Frame {
  browser: ConsoleBrowser;
  regex: RegExp;
}

const REASON_MARK = '\uE000x\uE001';
let frameCache: Frame[] | null = null;

function frames(): Frame[] {
  if (frameCache !== null) return frameCache;
  const out: Frame[] = [];
  const chromiumRow = REASONS.find((r) => r.chromium !== null && r.chromium.corsError !== null);
  const firefoxRow = REASONS.find((r) => r.firefox !== null);
  const webkitRow = REASONS.find((r) => r.webkit !== null);
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
  if (webkitRow?.webkit) {
    const row = { ...webkitRow, webkit: { ...webkitRow.webkit, text: () => REASON_MARK } };
    out.push({ browser: 'webkit', regex: frameRegex(webkitMessage(row, markedContext({ initiator: 'fetch', preflight: false, credentials: 'same-origin' }, true))) });
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
  return `Chromium: "${chromiumMessage(row, ctx)}"; Firefox: "${firefoxMessage(row, ctx)}"; and WebKit (Safari) logs: "${webkitMessage(row, ctx)}"`;
}

// ---------------------------------------------------------------------------
// Reading a pasted text: decorations, Chromium's network line, the match.

/** Chromium's network line under a CORS error, as DevTools copies it: `[source:line] METHOD URL net::ERR_X [status (text)]`. */
const NETWORK_LINE = /^(?:\S+:\d+(?::\d+)?\s+)?(?:(?<method>[A-Za-z]+)\s+)?(?<url>\S+)\s+net::(?<error>ERR_[A-Z0-9_]+)(?:\s+(?<status>\d{3})(?:\s+\([^)]*\))?)?$/;
/** A line that is only a DevTools source location (`(index):1`, `app.js:12:5`). */
const LOCATION_LINE = /^\S+:\d+(?::\d+)?$/;
/** Decorations after a message: Firefox's "[Learn More]" link. */
const LEARN_MORE = /\s*\[?Learn More\]?\s*$/i;
/** Decorations after a message: Safari's source location, "(items, line 0)" (its "[Error]" before a message is left aside as any prefix is). */
const SAFARI_LOCATION = /\s+\([^()]*,\s*line \d+(?:,\s*column \d+)?\)\s*$/;
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
  let out = line.replace(LEARN_MORE, (s) => (s.trim() ? (ignored.push(s.trim()), '') : '')).replace(SAFARI_LOCATION, (s) => (ignored.push(s.trim()), ''));
  for (const [re, by] of OLD_NO_CORS_HINTS) {
    out = out.replace(re, (s) => (ignored.push(s.replace(/^[,.\s]+/, '').trim()), by));
  }
  return out.trim();
}

/** The message found: the line read, and for WebKit the other lines of its block read with it. */
interface Found {
  /** The most informative line: WebKit's reason line (or the "Failed to load resource" line, else the "cannot load" line). */
  main: Match;
  /** WebKit's "<API> cannot load <url> ..." line (its URL and API), when there is one. */
  api: Match | null;
  /** The browser's lines read, decorations removed, in input order. */
  lines: string[];
}

/** The message in the text: each line alone first, then the lines joined (a message wrapped over several). */
function findMessage(lines: string[], ignored: string[]): Found | null {
  for (const line of lines) {
    const local: string[] = [];
    const m = matchLine(clean(line, local));
    if (m?.template.browser === 'webkit') return findWebKit(lines, ignored);
    if (m) {
      ignored.push(...local, ...lines.filter((l) => l !== line));
      return { main: m, api: null, lines: [] };
    }
  }
  if (lines.length < 2) return null;
  const local: string[] = [];
  const m = matchLine(clean(lines.join(' '), local));
  if (m) ignored.push(...local);
  return m && { main: m, api: null, lines: [] };
}

/**
 * WebKit's lines, any of them or several pasted together: the reason line is read (else the "Failed to
 * load resource: <reason>" line, else the "cannot load" line), the first "cannot load" line adds the URL
 * and the API; every other line, and each line's decorations but the main one's, is left aside.
 */
function findWebKit(lines: string[], ignored: string[]): Found {
  const read: Array<{ m: Match; local: string[] }> = [];
  for (const line of lines) {
    const local: string[] = [];
    const m = matchLine(clean(line, local));
    if (m?.template.browser === 'webkit') read.push({ m, local });
    else ignored.push(line);
  }
  const reasonOf = (m: Match): string | null => (m.template.reasonText === null ? null : fill(m.template.reasonText, m.groups));
  const byKind = (kind: LineKind, reason?: string | null): Match | undefined =>
    read.find((r) => r.m.template.kind === kind && (reason === undefined || reasonOf(r.m) === reason))?.m;
  const main = byKind('reason') ?? byKind('network') ?? (read[0] as { m: Match }).m;
  const api = byKind('api') ?? null;
  // The network line of the same block: "Failed to load resource: " and the same reason.
  const network = main.template.kind === 'reason' ? byKind('network', reasonOf(main)) : undefined;
  const used: Match[] = [];
  for (const { m, local } of read) {
    if (m !== main && m !== api && m !== network) {
      ignored.push([m.prefix, fill(m.template.text, m.groups)].filter((p) => p !== '').join(' '));
      continue;
    }
    used.push(m);
    ignored.push(...local);
    if (m === main) continue;
    if (m.prefix) ignored.push(m.prefix);
    if (m.tail) ignored.push(m.tail);
  }
  return { main, api, lines: used.map((m) => fill(m.template.text, m.groups)) };
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
  const found = findMessage(rest, ignored);
  if (found === null) return networkOnly(network, rest, given) ?? explainMiss(rest, network);
  const { main } = found;
  if (main.prefix) ignored.unshift(main.prefix);
  if (main.tail) ignored.push(main.tail);
  return reading(found, network, ignored, given);
}

function notRecognised(browser: ConsoleBrowser | null, why: string, warningId: WarningId | null = null): ConsoleNotRecognised {
  return { recognised: false, browser, why, warningId };
}

/** The facts of a reading, without its draft (what {@link draftScenario} works from). */
export type ConsoleFacts = Omit<ConsoleReading, 'recognised' | 'scenario' | 'assumed' | 'reproduces' | 'note'>;

/** The one value every entry has, or `null` when they differ. */
function only<T>(values: readonly T[]): T | null {
  const first = values[0];
  return first !== undefined && values.every((v) => v === first) ? first : null;
}

/**
 * Of rows reading alike, the one that is this browser's own (no counterpart in the other browser:
 * Firefox's generic "did not succeed"), else the first (WebKit: the first, e.g. a missing
 * Access-Control-Allow-Origin of the three its "Origin ... is not allowed" line may be).
 */
function preferredRow(rows: readonly Reason[], browser: ConsoleBrowser): Reason {
  if (rows.length > 1 && browser !== 'webkit') {
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

function corsErrorOf(browser: ConsoleBrowser, row: Reason, preflight: boolean | null): string | null {
  if (browser !== 'chromium' || row.chromium === null || row.chromium.netError) return null;
  if (preflight === null) return row.chromium.preflightCorsError === undefined ? row.chromium.corsError : null;
  return chromiumCorsError(row, { preflight } as ReasonContext);
}

function reading(found: Found, network: readonly NetworkLine[], ignored: string[], given: ConsoleGiven): ConsoleReading {
  const { template, groups } = found.main;
  const { browser } = template;
  const row = preferredRow(template.rows, browser);
  const recipe = RECIPES[row.id];
  const from = groups.from ?? null;
  const net =
    browser === 'webkit'
      ? null
      : (network.find((n) => groups.url !== undefined && (n.url === groups.url || n.url === from)) ??
        (groups.url === undefined ? network.find((n) => n.error === row.chromium?.netError) : undefined) ??
        null);
  for (const n of network) if (n !== net) ignored.push(`${n.method ?? ''} ${n.url} net::${n.error}`.trim());
  // WebKit: a refused redirect was no preflight; the "cannot load" line names the URL and the API.
  const preflight = groups.to !== undefined ? false : preflightOf(template, recipe);
  const value = groups.value ?? null;
  const api = found.api;
  const requestOrigin = groups.requestOrigin ?? null;
  const message = fill(template.reasonText ?? template.text, groups);
  const facts: ConsoleFacts = {
    browser,
    reasonId: row.id,
    candidates: template.rows.map((r) => r.id),
    corsError: corsErrorOf(browser, row, preflight),
    netError: browser === 'chromium' ? (row.chromium?.netError ?? null) : null,
    firefoxReason: browser === 'firefox' ? (row.firefox?.reason ?? null) : null,
    firefoxKey: browser === 'firefox' ? (row.firefox?.key ?? null) : null,
    url: groups.url ?? api?.groups.url ?? net?.url ?? null,
    redirectedFrom: from,
    redirectTo: groups.to ?? null,
    origin: groups.origin ?? (browser === 'webkit' && requestOrigin !== 'null' ? requestOrigin : null),
    requestOrigin,
    initiator: only(template.variants.map((v) => v.initiator)) ?? (api && only(api.template.variants.map((v) => v.initiator))),
    preflight,
    credentials: recipe?.credentials ?? only(template.variants.map((v) => v.credentials)),
    method: recipe?.valueIs === 'method' && value ? value : (net?.method ?? null),
    status: groups.status !== undefined ? Number(groups.status) : preflight !== true ? (net?.status ?? null) : null,
    value,
    valueName: value !== null ? (recipe?.valueName ?? null) : null,
    message,
    lines: found.lines.length > 0 ? found.lines : [message],
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
    if (match) return reading({ main: match, api: null, lines: [] }, network, [...rest], given);
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
        const name = BROWSER_WORDS[frame.browser];
        return notRecognised(frame.browser, `a ${name} CORS message, but corsproof's reason table has no row for its reason "${m.groups?.reason ?? ''}" (another browser version, or a message in another language: corsproof reads the English ones)`);
      }
    }
  }
  const failed = network.find((n) => !REASONS.some((r) => r.chromium?.netError === n.error));
  if (failed) {
    return notRecognised('chromium', `Chromium's network line "${failed.method ?? ''} ${failed.url} net::${failed.error}" says only that the request failed; the reason is in the console line next to it. Paste that line, e.g. ${exampleLines()}`);
  }
  const statusLine = webkitStatusLine();
  if (rest.some((l) => statusLine.test(l))) {
    return notRecognised(null, `"Failed to load resource: the server responded with a status of N" says only that the response had an error status, not that CORS blocked it (WebKit and Chromium log it for responses script can read too). A CORS block logs a reason line, e.g. ${exampleLines()}`);
  }
  if (rest.some((l) => /Failed to fetch|NetworkError when attempting to fetch resource|Network ?Error|ERR_NETWORK|TypeError: Load failed/i.test(l))) {
    return notRecognised(null, `this is the script's own error, which never says why (browsers keep the reason from script). Paste the browser's console line above it, e.g. ${exampleLines()}`);
  }
  // "of Chromium or Firefox. Such a line ..." is what src/site/inputs.test.ts and test/browser/page-inputs.test.ts expect; the examples name WebKit too.
  return notRecognised(null, `not a CORS console line of Chromium or Firefox. Such a line looks like this: ${exampleLines()}`);
}

/** Each browser's name in words. */
const BROWSER_WORDS: Readonly<Record<ConsoleBrowser, string>> = { chromium: 'Chromium', firefox: 'Firefox', webkit: 'WebKit' };
/** WebKit's line for a load that passed with an error status (reasons.ts `webkitConsoleLines`): its words before the status, derived from the builder. */
function webkitStatusLine(): RegExp {
  const [head = ''] = (webkitConsoleLines([], null, null, STATUS_MARK)[0]?.text ?? '').split(String(STATUS_MARK));
  return new RegExp(`${literalPattern(head)}\\d{3}\\b`);
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
  /** The refused redirect's URL WebKit names, or `null`. */
  redirectTo: string | null;
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
  /** For rows the server's answers do not decide (Local Network Access): the request's fields that make it fail. */
  request?: (d: DraftFacts, redirected: boolean) => Pick<ScenarioRequest, 'addressSpace'>;
}

/**
 * Local Network Access: a public page, the failing URL in the address space the line names (Chromium), else
 * loopback; after a redirect the first URL public, so that the named URL is the one refused.
 */
function localNetworkSpaces(d: DraftFacts, redirected: boolean): AddressSpaces {
  const target: AddressSpace = d.value === 'local' || d.value === 'loopback' ? d.value : 'loopback';
  return redirected ? { page: 'public', target: 'public', redirectTargets: [target] } : { page: 'public', target };
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
      const allowed = (a.headers.find(([n]) => n === ACAH)?.[1] ?? '').split(', ').filter((n) => n !== '' && n !== d.value?.toLowerCase());
      setHeader(a, ACAH, ...(allowed.length > 0 ? [allowed.join(', ')] : []));
    },
  },
  'redirect-contains-credentials': { at: 'redirect', chain: (d, passing) => [{ status: 302, headers: [...passing, ['Location', d.value || withUserinfo(d.redirectTo ?? d.url)]] }] },
  'redirect-not-http': {
    at: 'redirect',
    chain: (d, passing) => [{ status: 302, headers: [...passing, ['Location', d.value ?? d.redirectTo ?? assumedHeader(d, 'Location', 'data:text/plain,hello')]] }],
  },
  'too-many-redirects': {
    at: 'redirect',
    chain: (d, passing) => Array.from({ length: REDIRECT_LIMIT + 1 }, () => ({ status: 302, headers: [...passing, ['Location', d.url] as [string, string]] })),
  },
  'local-network-permission-denied': { at: 'either', valueName: 'address space', request: (d, redirected) => ({ addressSpace: localNetworkSpaces(d, redirected) }) },
  'insecure-local-network': {
    at: 'either',
    valueName: 'address space',
    request: (d, redirected) => ({ addressSpace: { ...localNetworkSpaces(d, redirected), secureContext: false } }),
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
/** Stand-in first URLs for a redirect the line implies but does not name. */
const PLACEHOLDER_FIRST_URLS: readonly string[] = ['https://first.example/', 'https://start.example/', 'https://old.example/'];
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

function draftRequest(f: ConsoleFacts, given: ConsoleGiven, recipe: Recipe, atPreflight: boolean, assume: DraftFacts['assume'], api: Initiator): DraftRequest {
  const url = f.url ?? assume('url', PLACEHOLDER_URL);
  const initiator = f.initiator ?? given.initiator ?? (assume('initiator', api) as Initiator);
  const credentials = recipe.credentials ?? f.credentials ?? given.credentials ?? (assume('credentials', 'same-origin') as CredentialsMode);
  const origin = f.origin ?? given.origin ?? assume('origin', PLACEHOLDER_ORIGINS.find((o) => o !== originOf(url) && o !== f.value) as string);
  const headers: HeaderList = [...(given.headers ?? [])];
  if (recipe.valueIs === 'header' && f.value && !headers.some(([n]) => n.toLowerCase() === f.value?.toLowerCase())) {
    headers.push([f.value, UNSAFE_VALUES[f.value.toLowerCase()] ?? 'x']);
  }
  let method = f.method ?? given.method ?? null;
  if (method === null) method = assume('method', atPreflight && !preflighted('GET', headers, initiator) ? 'PUT' : 'GET');
  if (atPreflight && !preflighted(method, headers, initiator) && initiator !== 'eventsource') headers.push(['X-Requested-With', 'XMLHttpRequest']);
  if (given.headers === undefined) assume('request-headers', formatHeaders(headers));
  const from = f.redirectedFrom ?? taintingFrom(f, url, origin, assume);
  const fromOrigin = from === null ? null : originOf(from);
  const tainted = from !== null && fromOrigin !== origin && originOf(url) !== fromOrigin;
  return { url, from, origin, requestOrigin: tainted ? 'null' : origin, initiator, credentials, method, headers };
}

/**
 * WebKit names the Origin the request carried: `null` after a redirect from one origin to another (the
 * usual cause), or from a page with an opaque origin. Unless the page's origin is given as `null`, the
 * draft redirects from a stand-in first URL on a third origin.
 */
function taintingFrom(f: ConsoleFacts, url: string, origin: string, assume: DraftFacts['assume']): string | null {
  if (f.requestOrigin !== 'null' || origin === 'null') return null;
  const first = PLACEHOLDER_FIRST_URLS.find((u) => originOf(u) !== originOf(url) && originOf(u) !== origin) as string;
  assume('url', `${first} redirected to ${url} (a redirect from one origin to another sends Origin: null)`);
  return first;
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
function draftOnce(f: ConsoleFacts, given: ConsoleGiven, recipe: Recipe, at: 'preflight' | 'response' | 'redirect', api: Initiator): { scenario: Scenario; assumed: ConsoleAssumption[] } {
  const assumed: ConsoleAssumption[] = [];
  const assume = (field: ConsoleField, value: string): string => {
    assumed.push({ field, value });
    return value;
  };
  const r = draftRequest(f, given, recipe, at === 'preflight', assume, api);
  if (f.preflight === null && recipe.at === 'either') assume('preflight', at === 'preflight' ? 'failed at the preflight' : 'failed at the actual response');
  const d: DraftFacts = { url: r.url, origin: r.origin, requestOrigin: r.requestOrigin, value: f.value, status: f.status, redirectTo: f.redirectTo, assume };
  const lastPreflight: ScenarioResponse = { status: at === 'preflight' ? (f.status ?? 204) : 204, headers: passing(r, r.requestOrigin, true) };
  const response: ScenarioResponse = { status: at === 'response' ? (f.status ?? 200) : 200, headers: passing(r, r.requestOrigin, false) };
  if (at === 'preflight') recipe.fail?.(lastPreflight, d);
  if (at === 'response') recipe.fail?.(response, d);
  const redirects: ScenarioResponse[] = [];
  if (r.from !== null) redirects.push({ status: 307, headers: [...passing(r, r.origin, false), ['Location', r.url]] });
  if (at === 'redirect' && recipe.chain) redirects.push(...recipe.chain(d, passing(r, r.requestOrigin, false)));
  if (at === 'redirect' && recipe.fail && f.redirectTo !== null) redirects.push(refusedRedirect(r, d, recipe, f.redirectTo));
  if (f.status === null && at !== 'redirect' && !assumed.some((a) => a.field === 'status')) assume('status', String(at === 'preflight' ? lastPreflight.status : response.status));
  const needsPreflight = preflighted(r.method, r.headers, r.initiator);
  const scenario: Scenario = {
    request: { url: r.from ?? r.url, origin: r.origin, method: r.method, headers: r.headers, credentials: r.credentials, initiator: r.initiator },
    preflight: !needsPreflight ? null : r.from !== null ? { status: 204, headers: passing(r, r.origin, true) } : lastPreflight,
    response,
  };
  if (redirects.length > 0) scenario.redirects = redirects;
  if (needsPreflight && r.from !== null) scenario.redirectPreflights = [lastPreflight];
  if (recipe.request) Object.assign(scenario.request, recipe.request(d, r.from !== null));
  return { scenario, assumed };
}

/** WebKit's refused redirect: the answer at the URL, a redirect to `to` that fails the CORS check this row's way. */
function refusedRedirect(r: DraftRequest, d: DraftFacts, recipe: Recipe, to: string): ScenarioResponse {
  const status = d.status !== null && [301, 302, 303, 307, 308].includes(d.status) ? d.status : Number(d.assume('status', '302'));
  const hop: ScenarioResponse = { status, headers: passing(r, r.requestOrigin, false) };
  recipe.fail?.(hop, d);
  hop.headers.push(['Location', to]);
  return hop;
}

/**
 * Where to put the failure: where the line says, else where the row fails;
 * else, for a request known to be preflighted, the preflight first (the answer
 * that comes first, and where a server without CORS fails first), for others
 * the response first.
 */
function placements(f: ConsoleFacts, recipe: Recipe, given: ConsoleGiven): Array<'preflight' | 'response' | 'redirect'> {
  if (recipe.at !== 'either') return [recipe.at];
  if (f.redirectTo !== null) return ['redirect'];
  if (f.preflight !== null) return [f.preflight ? 'preflight' : 'response'];
  const method = f.method ?? given.method;
  const known = method !== undefined || given.headers !== undefined;
  return known && preflighted(method ?? 'GET', given.headers ?? [], f.initiator ?? given.initiator ?? 'fetch') ? ['preflight', 'response'] : ['response', 'preflight'];
}

/** Whether the scenario fails with the row and the line's message in the line's browser; else why not. */
function check(scenario: Scenario, f: ConsoleFacts, reasonId: ReasonId): string | null {
  if (f.browser === 'webkit') return checkWebKit(scenario, f, reasonId);
  const name = BROWSER_WORDS[f.browser];
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

/** WebKit: whether `evaluateIn('webkit')` fails the scenario with the row, and its console holds every WebKit line read; else why not. */
function checkWebKit(scenario: Scenario, f: ConsoleFacts, reasonId: ReasonId): string | null {
  let outcome;
  try {
    outcome = evaluateIn('webkit', scenario);
  } catch (e) {
    if (e instanceof ScenarioError) return `the draft is not a scenario a page can make: ${e.message}`;
    throw e;
  }
  if (outcome.reasonId === null) return 'WebKit allows the drafted request';
  if (outcome.reasonId !== reasonId) return `WebKit blocks the drafted request for another reason ('${outcome.reasonId}')`;
  const logged = webkitConsole(scenario, outcome).map((l) => l.text);
  const missing = f.lines.find((l) => !logged.includes(l));
  return missing === undefined ? null : `WebKit blocks the drafted request with other lines: ${logged.join(' | ')}`;
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
  // An API the line does not name: fetch() first, then XMLHttpRequest (WebKit names a header as XHR's script spelled it, fetch()'s in lowercase).
  const apis: Initiator[] = facts.initiator === null && given.initiator === undefined ? ['fetch', 'xhr'] : ['fetch'];
  for (const api of apis) {
    for (const at of placements(facts, recipe, given)) {
      const { scenario, assumed } = draftOnce(facts, given, recipe, at, api);
      const note = check(scenario, facts, reasonId);
      const draft: ConsoleDraft = { reasonId, scenario, assumed, reproduces: note === null, note };
      if (draft.reproduces) return draft;
      first ??= draft;
    }
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
    ...(r.redirectTo === null ? {} : { redirectTo: r.redirectTo }),
    url: r.url ?? PLACEHOLDER_URL,
    redirectedFrom: r.redirectedFrom,
    origin,
    requestOrigin: r.requestOrigin ?? origin,
    initiator: r.initiator ?? r.scenario?.request.initiator ?? 'fetch',
    credentials: r.credentials ?? r.scenario?.request.credentials ?? 'same-origin',
    method: r.method ?? r.scenario?.request.method ?? 'GET',
    value: r.value ?? '',
    status: r.status ?? 0,
    preflight: r.preflight ?? false,
  };
}
