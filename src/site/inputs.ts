/**
 * The page's other inputs, read into a scenario for the form: a console line
 * (the engine's readConsoleLine), a "Copy as cURL" command (the doctor's
 * parseCurl) and a HAR file (the doctor's diagnoseHar). Each reading says
 * what it could not tell, control by control, so the page marks those
 * controls and asks for them. Pure: no DOM, no network (the HAR reader also
 * runs in a worker, src/site/har-worker.ts).
 */
import { CurlError, parseCurl } from '../doctor/curl.js';
import { HarError, diagnoseHar } from '../doctor/har.js';
import type { HarDiagnosis } from '../doctor/har.js';
import { sameOutcome } from '../doctor/outcome.js';
import type { ConsoleField, ConsoleReading } from '../engine/console.js';
import { readConsoleLine } from '../engine/console.js';
import { evaluate } from '../engine/evaluate.js';
import type { ReasonId } from '../engine/reasons.js';
import { reason } from '../engine/reasons.js';
import { ScenarioError } from '../engine/request.js';
import type { Initiator, Scenario, Verdict } from '../engine/types.js';
import { validateScenario } from '../engine/validate.js';
import type { ControlKey } from './form.js';
import { BROWSER_WORDS, blockedIn, whoBlocks } from './words.js';

/** A control the input could not fill from what it read, and what the page says beside it. */
export interface Unknown {
  control: ControlKey;
  /** E.g. "Not in the console line: assumed GET. Put in your request's." */
  note: string;
}

/** An input read: what it says, and the scenario for the form (or none). */
export interface InputReading {
  ok: true;
  /** What was read, a line each (the page lists them). */
  summary: string[];
  /** The scenario to write into the form; `null` leaves the form as it is (nothing a scenario can reproduce). */
  scenario: Scenario | null;
  /** What the input cannot tell, by control (the page marks each control). */
  unknown: Unknown[];
  /** Remarks: how the input was read, what it cannot tell that no control holds. */
  notes: string[];
}

/** An input the page cannot read, and why, in a sentence. */
export interface InputRefusal {
  ok: false;
  message: string;
}

export type InputOutcome = InputReading | InputRefusal;

const API_WORDS: Record<Initiator, string> = { fetch: 'fetch()', xhr: 'XMLHttpRequest', eventsource: 'EventSource' };

/** Which control holds each field a console line may not tell. */
const CONSOLE_CONTROLS: Record<Exclude<ConsoleField, 'reason' | 'status'>, ControlKey> = {
  url: 'url',
  origin: 'origin',
  initiator: 'initiator',
  method: 'method',
  'request-headers': 'requestHeaders',
  credentials: 'credentials',
  preflight: 'preflightStatus',
  'response-headers': 'responseHeaders',
};

/** Words for a field the line does not tell (the page's list). */
const CONSOLE_WORDS: Record<ConsoleField, string> = {
  url: 'the URL',
  origin: 'the page origin',
  initiator: 'the client API',
  method: 'the method',
  'request-headers': 'the request headers',
  credentials: 'the credentials mode',
  status: 'the status',
  preflight: 'whether the preflight or the response failed',
  'response-headers': "the server's header lines",
  reason: 'which of several failures it is',
};

// ---------------------------------------------------------------------------
// A console line.

/** A pasted console line from Chromium, Firefox or WebKit (Safari), read with the engine's reader. */
export function readConsoleInput(text: string): InputOutcome {
  if (text.trim() === '') return { ok: false, message: "Nothing pasted yet. Paste the CORS error from the browser's console (DevTools > Console), e.g. " + exampleLine() };
  const r = readConsoleLine(text);
  if (!r.recognised) return { ok: false, message: r.warningId !== null ? r.why : `Not a CORS console line corsproof recognises: ${r.why}` };
  const notes: string[] = [];
  if (!r.reproduces && r.note !== null) notes.push(r.scenario === null ? `No scenario fails this way: ${r.note}. The form is left as it was.` : `The draft does not reproduce the line exactly: ${r.note}`);
  if (r.missing.includes('reason')) notes.push(`The line cannot tell which failure it is: ${r.candidates.map((id) => reason(id).title.replace(/\.$/, '')).join('; or ')}. The draft is the first.`);
  const unknown = r.scenario === null ? [] : consoleUnknowns(r);
  if (unknown.length > 0) notes.push(`The line cannot tell ${listWords(r.missing.filter((f) => f !== 'reason').map((f) => CONSOLE_WORDS[f]))}: the marked fields hold a draft that fails the same way; put in your request's and your server's.`);
  return { ok: true, summary: consoleSummary(r), scenario: r.scenario, unknown, notes };
}

function exampleLine(): string {
  return "Access to fetch at 'https://api.example.com/data' from origin 'https://app.example.com' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource.";
}

/** What the line says, a line each (what `explain --console` prints first). */
function consoleSummary(r: ConsoleReading): string[] {
  const browser = BROWSER_WORDS[r.browser];
  const api = r.initiator === null ? '' : `, ${API_WORDS[r.initiator]}`;
  const where = r.preflight === null ? '' : r.preflight ? ', at the preflight' : r.netError !== null ? '' : ', at the response';
  const code = r.corsError ?? (r.netError !== null ? `net::${r.netError}` : null) ?? r.firefoxReason ?? '';
  const out = [`Recognised a ${browser} console line${api}${where}: ${reason(r.reasonId).title}${code === '' ? '' : ` (${code})`}`];
  const field = (name: string, value: string | number | null): void => {
    if (value !== null) out.push(`${name}: ${value}`);
  };
  field('URL', r.url);
  field('Redirected from', r.redirectedFrom);
  field('Page origin', r.origin ?? `not in ${browser}'s line`);
  field('Method', r.method);
  field('Credentials', r.credentials);
  field('Status', r.status);
  if (r.value !== null) field(r.valueName ?? 'Value', r.value === '' ? "'' (empty or absent)" : r.value);
  return out;
}

/** The controls a console line does not fill, each with the draft's assumption. */
function consoleUnknowns(r: ConsoleReading): Unknown[] {
  const out: Unknown[] = [];
  for (const field of r.missing) {
    if (field === 'reason') continue;
    const control: ControlKey = field === 'status' ? (r.preflight === true ? 'preflightStatus' : 'responseStatus') : CONSOLE_CONTROLS[field];
    const assumed = r.assumed.find((a) => a.field === field)?.value;
    const note =
      field === 'response-headers'
        ? "Not in the console line: a draft that fails the same way. Put in the header lines your server sent (DevTools > Network > the request > Response Headers)."
        : `Not in the console line: assumed ${assumed ?? 'a draft value'}. Put in your request's.`;
    if (!out.some((u) => u.control === control)) out.push({ control, note });
  }
  return out;
}

function listWords(words: string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} or ${words.at(-1) ?? ''}`;
}

// ---------------------------------------------------------------------------
// A "Copy as cURL" command.

/**
 * A pasted "Copy as cURL" command (POSIX or Windows cmd), read with the
 * doctor's reader: the request fields come from it; the server's answers
 * (preflight, redirect hops, response) are not in a command, so the form's
 * are kept.
 */
export function readCurlInput(text: string, current: Scenario | null): InputOutcome {
  if (text.trim() === '') return { ok: false, message: 'Nothing pasted yet. Paste a command from DevTools > Network > right-click the request > Copy > Copy as cURL (bash, POSIX, cmd or Windows).' };
  let parsed;
  try {
    parsed = parseCurl(text.trim());
  } catch (e) {
    if (e instanceof CurlError) return { ok: false, message: `Cannot read this cURL command: ${e.message}.` };
    throw e;
  }
  const unknown: Unknown[] = [];
  const notes = [...parsed.remarks];
  let origin = parsed.origin;
  if (origin === null) {
    origin = current?.request.origin ?? 'https://app.example.com';
    unknown.push({ control: 'origin', note: `The command has no Origin header (a same-origin request, or copied without it): kept ${origin}. Put in your page's origin.` });
  }
  // Origin is read as the page's origin; the browser's other own headers are not script's.
  const left = [...new Set(parsed.browserHeaders)].filter((n) => n !== 'origin');
  if (left.length > 0) notes.push(`Left out, as the browser adds them itself: ${left.join(', ')}.`);
  if (parsed.credentialHeaders.length > 0) notes.push(`The copied ${parsed.credentialHeaders.map(([n]) => n).join(' and ')} means the request carried credentials: credentials include.`);
  // The server's answers are the form's: the preflight, the redirect hops (and their preflights), the response.
  const hops = current?.redirects === undefined ? {} : { redirects: current.redirects, ...(current.redirectPreflights === undefined ? {} : { redirectPreflights: current.redirectPreflights }) };
  const keep = { preflight: current?.preflight ?? null, ...hops, response: current?.response ?? { status: 200, headers: [] } };
  const json = { request: { url: parsed.url, origin, method: parsed.method, headers: parsed.headers, credentials: parsed.credentials, initiator: current?.request.initiator ?? 'fetch' }, ...keep };
  let scenario: Scenario;
  try {
    scenario = validateScenario(json);
  } catch (e) {
    if (e instanceof ScenarioError) return { ok: false, message: `The cURL command's request is not one a page can make: ${e.message}.` };
    throw e;
  }
  unknown.push({ control: 'initiator', note: `Not in the command: kept ${API_WORDS[scenario.request.initiator ?? 'fetch']}. Put in the API your script calls.` });
  if (parsed.credentials !== 'include') unknown.push({ control: 'credentials', note: credentialsNote(scenario) });
  const server = 'Not in the command: the form\'s answer is kept. Put in what your server sent (DevTools > Network > the request > Response Headers).';
  unknown.push({ control: 'preflightStatus', note: server }, { control: 'responseStatus', note: server });
  const summary = [`Read a cURL command: ${scenario.request.method} ${scenario.request.url}`, `Page origin: ${parsed.origin ?? 'not in the command'}`];
  if (parsed.headers.length > 0) summary.push(`Request headers script set: ${parsed.headers.map(([n]) => n).join(', ')}`);
  return { ok: true, summary, scenario, unknown, notes };
}

/** A request copied without cookies: script may still have asked for credentials; say whether that changes the verdict. */
function credentialsNote(scenario: Scenario): string {
  let differs = false;
  try {
    const without = evaluate(scenario);
    const withIt = evaluate({ ...scenario, request: { ...scenario.request, credentials: 'include' } });
    differs = !sameOutcome(without, withIt);
  } catch {
    // judged again by the page, which names the problem
  }
  return `The command carries no cookies, so it cannot tell whether script asked for credentials: assumed same-origin${differs ? '. With include the verdict differs: choose what your script does' : ''}.`;
}

// ---------------------------------------------------------------------------
// A HAR file.

/** HAR files larger than this are refused (the page reads them in a worker). */
export const MAX_HAR_BYTES = 100 * 1000 * 1000;
/** Without a worker (the page opened from file://), HAR files larger than this are refused: read on the page's thread, they would freeze it. */
export const MAX_HAR_BYTES_IN_PAGE = 5 * 1000 * 1000;
/** At most this many requests are listed (blocked ones first). */
export const MAX_HAR_ROWS = 500;

/** One cross-origin request of a HAR, as the page lists it (structured-cloneable: it crosses from the worker). */
export interface HarRow {
  entry: number;
  usedEntries: number[];
  method: string;
  url: string;
  origin: string;
  /** true: Chromium, Firefox and WebKit allow it; false: blocked; null: not judged (`note` says why). */
  ok: boolean | null;
  /** The HAR's verdict in words. */
  outcome: string;
  scenario: Scenario;
  /** Redirect hops in the HAR (the scenario holds them; the form shows each). */
  redirects: number;
  notes: string[];
  /** A note for the credentials control, when the HAR cannot tell them and they change the verdict. */
  credentials: string | null;
  /** Whether the HAR names the client API (Chromium's `_resourceType`: fetch, xhr, eventsource); Firefox's does not. */
  initiatorKnown: boolean;
}

/** A HAR read: the cross-origin requests found, the ones listed. */
export interface HarListing {
  ok: true;
  name: string;
  bytes: number;
  entries: number;
  /** How many cross-origin requests the reader found. */
  found: number;
  rows: HarRow[];
}

export type HarOutcome = HarListing | InputRefusal;

const kb = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${Math.ceil(n / 1000)} kB`);

/** A HAR file refused for its size before it is read, or null. */
export function harSizeProblem(name: string, bytes: number, inPage: boolean): string | null {
  if (bytes === 0) return `${name} is empty (0 bytes): a HAR file is JSON text. Export it again: DevTools > Network > Save all as HAR.`;
  const limit = inPage ? MAX_HAR_BYTES_IN_PAGE : MAX_HAR_BYTES;
  if (bytes <= limit) return null;
  const where = inPage ? ' when the page is opened from a file (no background reader there; corsproof ui reads up to 100 MB)' : '';
  return `${name} is ${kb(bytes)}: the page reads HAR files up to ${kb(limit)}${where}. Export only the requests you need (filter the Network panel, then Save all as HAR), or run corsproof check --har ${name}, which has no limit.`;
}

/** What is wrong with text that is not JSON: binary data, a file cut short, or other text. */
export function notJsonProblem(name: string, text: string): string {
  const head = text.slice(0, 4096);
  if (head.startsWith('\u001f\uFFFD')) return `${name} is gzip-compressed: unpack it first (a HAR file is JSON text).`;
  if (head.startsWith('PK\u0003\u0004')) return `${name} is a ZIP archive: unpack it first (a HAR file is JSON text).`;
  if (/[\u0000\uFFFD]/.test(head)) return `${name} is not text (binary data): a HAR file is JSON text, as DevTools > Network > Save all as HAR writes it.`;
  const start = text.trimStart()[0];
  if (start !== '{' && start !== '[') return `${name} is not JSON (it starts with ${JSON.stringify(text.trimStart().slice(0, 20))}): a HAR file is JSON text, as DevTools > Network > Save all as HAR writes it.`;
  if (jsonCutShort(text)) return `${name} ends in the middle of its JSON (${kb(text.length)} read): the file is truncated. Export it again, and let the download finish.`;
  return `${name} is not valid JSON: a HAR file is JSON text, as DevTools > Network > Save all as HAR writes it.`;
}

/** Whether JSON text ends inside a string or with brackets still open (a file cut short). */
export function jsonCutShort(text: string): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return inString || depth > 0;
}

/** A HAR file's text read: its cross-origin requests judged, listed blocked first. */
export function readHarText(name: string, text: string): HarOutcome {
  if (text.trim() === '') return { ok: false, message: `${name} is empty: a HAR file is JSON text. Export it again: DevTools > Network > Save all as HAR.` };
  let har: unknown;
  try {
    har = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    return { ok: false, message: notJsonProblem(name, text) };
  }
  let found: HarDiagnosis[];
  try {
    found = diagnoseHar(har);
  } catch (e) {
    if (e instanceof HarError || e instanceof ScenarioError) return { ok: false, message: `${name} is not a HAR file corsproof can read: ${e.message}.` };
    throw e;
  }
  const all = (har as { log: { entries: Array<{ _resourceType?: unknown }> } }).log.entries;
  const entries = all.length;
  const apiOf = (d: HarDiagnosis): Initiator | null => RESOURCE_TYPES[String(all[d.entry]?._resourceType)] ?? null;
  const rank = (d: HarDiagnosis): number => (d.verdict === null ? 1 : d.verdict.ok ? 2 : 0);
  const listed = found
    .map((d, i) => ({ d, i }))
    .sort((a, b) => rank(a.d) - rank(b.d) || a.i - b.i)
    .slice(0, MAX_HAR_ROWS)
    .map(({ d }) => harRow(d, apiOf(d)));
  return { ok: true, name, bytes: text.length, entries, found: found.length, rows: listed };
}

/** The verdict in a few words: allowed, or where it is blocked (`in WebKit only`, ...) and the first blocking browser's reason. */
export function outcomeWords(v: Verdict | null, note: string | null): string {
  if (v === null) return `Not judged: ${note ?? 'no verdict'}`;
  if (v.ok) return 'Allowed';
  const id = whoBlocks(v).reasonId as ReasonId;
  return `Blocked${blockedIn(v, false)} at the ${v.failedAt ?? 'response'}: ${reason(id).title}`;
}

/** Chromium's `_resourceType` of a HAR entry, as the client API that made it. */
const RESOURCE_TYPES: Readonly<Record<string, Initiator>> = { fetch: 'fetch', xhr: 'xhr', eventsource: 'eventsource' };

function harRow(d: HarDiagnosis, api: Initiator | null): HarRow {
  const s = d.scenario;
  const redirects = s.redirects?.length ?? 0;
  const notes = [...d.remarks];
  if (d.note !== null) notes.push(d.note);
  if (d.browserError !== null && !notes.some((n) => n.includes(d.browserError as string))) notes.push(`The browser recorded ${d.browserError} for this request.`);
  const credentials =
    d.credentialsFrom === 'assumed'
      ? `The HAR does not record whether script asked for credentials: judged without${d.ifCredentialed !== null ? `; with include: ${outcomeWords(d.ifCredentialed, null)}` : ' (with include the verdict is the same)'}.`
      : null;
  // The form's scenario: the whole chain (its redirect hops and their preflights included), with the client API the HAR names.
  const form: Scenario = { ...s, request: { ...s.request, initiator: api ?? 'fetch' } };
  const ok = d.verdict === null ? null : d.verdict.ok;
  return { entry: d.entry, usedEntries: d.usedEntries, method: s.request.method, url: s.request.url, origin: s.request.origin, ok, outcome: outcomeWords(d.verdict, d.note), scenario: form, redirects, notes, credentials, initiatorKnown: api !== null };
}
