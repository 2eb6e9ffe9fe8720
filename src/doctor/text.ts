/**
 * The doctor's report as text: the exchanges, the verdict with each
 * browser's console lines (Chromium, Firefox and WebKit) and the fix, the
 * fix recipes. Reads everything from the verdict and the reason table; says nothing of its own about CORS. The
 * CLI prints it with colours, `corsproof/testing` puts it in assertion
 * messages without.
 */
import type { ReasonId } from '../engine/reasons.js';
import { reason } from '../engine/reasons.js';
import { BROWSER_NAMES } from '../engine/browsers.js';
import type { BrowserName, Scenario, Verdict } from '../engine/types.js';
import type { LayerFindings } from './layers.js';
import { renderOpaque } from './opaque-text.js';

/** How text is styled: picocolors' functions, or none. */
export interface Colors {
  bold: (text: string) => string;
  dim: (text: string) => string;
  red: (text: string) => string;
  green: (text: string) => string;
  yellow: (text: string) => string;
}

const same = (text: string): string => text;

/** No styling. */
export const PLAIN: Colors = { bold: same, dim: same, red: same, green: same, yellow: same };

/** MDN's page for a Firefox reason. */
export function mdnUrl(firefoxReason: string): string {
  return `https://developer.mozilla.org/docs/Web/HTTP/Guides/CORS/Errors/${firefoxReason}`;
}

function apiLabel(scenario: Scenario): string {
  const initiator = scenario.request.initiator ?? 'fetch';
  const creds = scenario.request.credentials;
  if (initiator === 'fetch') return `fetch(), credentials: '${creds}'`;
  const flag = creds === 'include' ? 'true' : 'false';
  return `${initiator === 'xhr' ? 'XMLHttpRequest' : 'EventSource'}, withCredentials = ${flag}`;
}

/** Every line of `text` indented `by`. */
export function indent(text: string, by: string): string {
  return text
    .split('\n')
    .map((line) => by + line)
    .join('\n');
}

/** The headers of an exchange that matter for CORS (and which layer answered; Allow shows a framework that answered OPTIONS itself). */
const SHOWN = /^(origin|access-control-|vary$|location$|allow$|server$|via$|x-powered-by$|content-type$)/i;

/** Render the exchanges of a live check: request line, the headers that matter, status. */
export function renderExchanges(
  exchanges: Array<{ request: { method: string; url: string; headers: Array<[string, string]> }; status: number; headers: Array<[string, string]> }>,
  layers: LayerFindings,
  pc: Colors = PLAIN,
): string {
  const out: string[] = [];
  exchanges.forEach((ex, i) => {
    out.push(`${pc.bold(`${ex.request.method} ${ex.request.url}`)}`);
    for (const [n, v] of ex.request.headers) if (SHOWN.test(n)) out.push(`  > ${n}: ${v}`);
    out.push(`  < ${ex.status}`);
    for (const [n, v] of ex.headers) if (SHOWN.test(n)) out.push(`  < ${n}: ${v}`);
    const answered = layers.perExchange[i] ?? [];
    if (answered.length > 0) out.push(pc.dim(`  answered by: ${answered.map((l) => l.name).join(' > ')}`));
  });
  for (const note of layers.notes) out.push(`${pc.yellow('Note')}: ${note}`);
  return out.join('\n');
}

/** Each browser's heading in the report (WebKit's says whose engine it is). */
export const BROWSER_LABELS: Readonly<Record<BrowserName, string>> = { chromium: 'Chromium', firefox: 'Firefox', webkit: 'WebKit (Safari)' };

/** Each browser's name in a sentence (the report's and the page's, src/site/words.ts). */
export const BROWSER_WORDS: Readonly<Record<BrowserName, string>> = { chromium: 'Chromium', firefox: 'Firefox', webkit: 'WebKit' };

/** Browsers in words, in the verdict's order: "WebKit", "Chromium and Firefox", "Chromium, Firefox and WebKit". */
export function browserList(browsers: readonly BrowserName[]): string {
  const names = BROWSER_NAMES.filter((b) => browsers.includes(b)).map((b) => BROWSER_WORDS[b]);
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1] as string}`;
}

/**
 * The reason the verdict's headline gives: that of the first browser the
 * verdict covers that blocks (Chromium, Firefox, WebKit), else of the first
 * browser that blocks at all; `null` when every browser allows the request.
 */
export function leadReasonId(verdict: Verdict): ReasonId | null {
  const lead = verdict.covers.find((b) => !verdict.browsers[b].ok) ?? BROWSER_NAMES.find((b) => !verdict.browsers[b].ok);
  return lead === undefined ? null : verdict.browsers[lead].reasonId;
}

/**
 * Where the verdict blocks, when not simply everywhere it looks (the page's
 * words): " in WebKit only (Chromium and Firefox allow it)", " in Firefox
 * and WebKit (Chromium allows it)", " in Chromium and Firefox" (a verdict
 * that covers fewer browsers, all of them blocking), or "".
 */
function blockedWhere(verdict: Verdict): string {
  const blocking = verdict.covers.filter((b) => !verdict.browsers[b].ok);
  const allowing = verdict.covers.filter((b) => verdict.browsers[b].ok);
  if (allowing.length > 0) return ` in ${browserList(blocking)}${blocking.length === 1 ? ' only' : ''} (${browserList(allowing)} ${allowing.length > 1 ? 'allow' : 'allows'} it)`;
  return verdict.covers.length < BROWSER_NAMES.length ? ` in ${browserList(blocking)}` : '';
}

/** One browser's part of the report: its error name and console line(s), or that it allows the request. */
function browserLines(browser: BrowserName, verdict: Verdict, pc: Colors): string[] {
  const judged = verdict.covers.includes(browser);
  const aside = judged ? '' : `  ${pc.dim('(not judged)')}`;
  const label = pc.bold(BROWSER_LABELS[browser]);
  if (browser === 'chromium' && verdict.chromium) {
    return [`  ${label}  ${pc.yellow(verdict.chromium.corsError ?? `net::${verdict.chromium.netError ?? 'ERR_FAILED'}`)}${aside}`, indent(verdict.chromium.message, '    ')];
  }
  if (browser === 'firefox' && verdict.firefox) {
    return [`  ${label}   ${pc.yellow(verdict.firefox.reason)}  ${pc.dim(mdnUrl(verdict.firefox.reason))}${aside}`, indent(verdict.firefox.message, '    ')];
  }
  if (browser === 'webkit' && verdict.webkit) {
    // WebKit names no error (the id is corsproof's for its message): every console line it logs, the reason,
    // "<API> cannot load <url> due to access control checks." and "Failed to load resource: <reason>".
    const lines = verdict.webkit.messages.length > 0 ? verdict.webkit.messages : [verdict.webkit.message];
    return [`  ${label}  ${pc.yellow(verdict.webkit.reason)}${aside}`, ...lines.map((line) => indent(line, '    '))];
  }
  const pad = browser === 'firefox' ? '   ' : '  ';
  return [`  ${label}${pad}allows this request.${aside}`];
}

/** Render one verdict as a short report: each browser's console lines, Chromium, Firefox and WebKit (Safari), and the fix. */
export function renderVerdict(scenario: Scenario, verdict: Verdict, pc: Colors = PLAIN): string {
  // mode 'no-cors' passed with an opaque response: script reads nothing of it, which "Allowed" would hide.
  if (verdict.opaque === true) return renderOpaque(scenario, verdict, pc);
  const out: string[] = [];
  const method = scenario.request.method ?? 'GET';
  const head = `${method} ${scenario.request.url}`;
  const left = BROWSER_NAMES.filter((b) => !verdict.covers.includes(b));
  if (verdict.ok) {
    out.push(`${pc.green('✓ Allowed')}${left.length > 0 ? ` in ${browserList(verdict.covers)}` : ''}  ${head}`);
  } else {
    const row = reason(leadReasonId(verdict) as ReasonId);
    out.push(`${pc.red('✗ Blocked')}${blockedWhere(verdict)} at the ${verdict.failedAt}: ${row.title}`);
    out.push(`  ${head}`);
  }
  out.push(`  from ${scenario.request.origin} (${apiLabel(scenario)})`);
  if (left.length > 0) out.push(`  Judged for ${browserList(verdict.covers)} only; ${browserList(left)} ${left.length > 1 ? 'are' : 'is'} not judged.`);
  const preflight = verdict.preflight.request;
  if (preflight) {
    const lines = preflight.headers.map(([n, v]) => `${n}: ${v}`).join(', ');
    out.push(`  Preflight: OPTIONS with ${lines}`);
  } else {
    out.push('  No preflight needed (safelisted method and headers).');
  }
  for (const w of verdict.warnings) {
    out.push(`  ${pc.yellow('Warning')} (${BROWSER_LABELS[w.browser]}, ${w.key})`);
    out.push(indent(w.message, '    '));
    out.push(indent(`Fix: ${w.fix}`, '    '));
  }
  if (verdict.ok) {
    const exposed = verdict.exposedHeaders.length > 0 ? verdict.exposedHeaders.join(', ') : '(none)';
    out.push(`  Script can read these response headers: ${exposed}`);
    // A browser left out that blocks the request: shown, so narrowing hides nothing.
    const blockedElsewhere = left.filter((b) => !verdict.browsers[b].ok);
    if (blockedElsewhere.length > 0) out.push('', ...blockedElsewhere.flatMap((b) => browserLines(b, verdict, pc)));
    return out.join('\n');
  }
  out.push('');
  for (const b of BROWSER_NAMES) out.push(...browserLines(b, verdict, pc));
  if (verdict.fixes) {
    out.push('');
    out.push(`  ${pc.bold('Fix')}`);
    out.push(indent(`Server: ${verdict.fixes.server}`, '    '));
    if (verdict.fixes.client) out.push(indent(`Client: ${verdict.fixes.client}`, '    '));
  }
  return out.join('\n');
}

/** Fix recipes as the report prints them: a bold title, a dimmed note, the snippet indented by `pad`. */
export function renderRecipes(recipes: ReadonlyArray<{ title: string; snippet: string }>, note: string, pad: string, pc: Colors = PLAIN): string {
  return recipes
    .map((r) => `\n\n${pad.slice(2)}${pc.bold(`Fix for ${r.title}`)}${note ? ` ${pc.dim(note)}` : ''}\n${r.snippet.split('\n').map((l) => `${pad}${l}`).join('\n')}`)
    .join('');
}
