/**
 * The verdict as the page shows it: what `corsproof explain` prints
 * (src/doctor/text.ts renders the same verdict for the terminal), as
 * elements. Reads only the verdict and the reason table; says nothing of its
 * own about CORS. Every element a test reads has an id (prefixed for a
 * second verdict on the page, e.g. the live check's).
 */
import { mdnUrl } from '../doctor/text.js';
import { BROWSER_NAMES } from '../engine/browsers.js';
import type { ReasonId } from '../engine/reasons.js';
import { reason } from '../engine/reasons.js';
import type { BrowserName, Scenario, Verdict } from '../engine/types.js';
import { h, withCode } from './dom.js';
import { renderOutput } from './output.js';
import { BROWSER_WORDS as NAMES, blockedIn, browserList, whoBlocks } from './words.js';

/** How the page's script made the request, as the CLI says it. */
export function apiLabel(scenario: Scenario): string {
  const initiator = scenario.request.initiator ?? 'fetch';
  const creds = scenario.request.credentials;
  if (initiator === 'fetch') return `fetch(), credentials: '${creds}'`;
  const flag = creds === 'include' ? 'true' : 'false';
  return `${initiator === 'xhr' ? 'XMLHttpRequest' : 'EventSource'}, withCredentials = ${flag}`;
}

/**
 * The verdict in words: who blocks (`in WebKit only (Chromium and Firefox
 * allow it)`; nothing when all three do), at which step, and why (the reason
 * table's title, for the first browser that blocks).
 */
export function statusLine(verdict: Verdict): { ok: boolean; word: string; detail: string } {
  if (verdict.ok) return { ok: true, word: 'Allowed', detail: `${browserList(verdict.covers)} let script read the response.` };
  const id = whoBlocks(verdict).reasonId as ReasonId;
  return { ok: false, word: 'Blocked', detail: `${blockedIn(verdict, true)} at the ${verdict.failedAt ?? 'response'}: ${reason(id).title}` };
}

/** The verdict's headline: icon and word (colour is never the only signal). */
function headline(doc: Document, verdict: Verdict, p: string): HTMLElement {
  const s = statusLine(verdict);
  return h(
    doc,
    'p',
    { id: `${p}verdict-status`, class: `status ${s.ok ? 'ok' : 'blocked'}`, 'data-ok': String(s.ok) },
    h(doc, 'span', { class: 'icon', 'aria-hidden': 'true' }, s.ok ? '✓' : '✗'),
    ' ',
    h(doc, 'strong', { id: `${p}verdict-word` }, s.word),
    s.ok ? `: ${s.detail}` : s.detail,
  );
}

/** The request, and the preflight the browsers send for it. */
function requestPart(doc: Document, scenario: Scenario, verdict: Verdict): HTMLElement {
  const pre = verdict.preflight.request;
  return h(
    doc,
    'div',
    { class: 'request' },
    h(doc, 'p', {}, h(doc, 'code', {}, `${scenario.request.method} ${scenario.request.url}`)),
    h(doc, 'p', {}, `from ${scenario.request.origin} (${apiLabel(scenario)})`),
    h(doc, 'p', {}, pre ? `Preflight: OPTIONS with ${pre.headers.map(([n, v]) => `${n}: ${v}`).join(', ')}` : 'No preflight needed (safelisted method and headers).'),
  );
}

/** WebKit's reason line under corsproof's id for it (WebKit names none), then every line its console shows. */
function webkitBody(doc: Document, title: HTMLElement, report: NonNullable<Verdict['webkit']>, p: string): Node[] {
  title.append(' ', h(doc, 'code', { id: `${p}webkit-reason`, class: 'code' }, report.reason), h(doc, 'small', {}, " (corsproof's name: WebKit names none)"));
  const out: Node[] = [h(doc, 'pre', { id: `${p}webkit-message`, class: 'console' }, report.message)];
  if (report.messages.length > 0) {
    out.push(
      h(doc, 'p', { id: `${p}webkit-console-title`, class: 'console-title' }, 'Its console (Safari, WebKitGTK) shows:'),
      h(doc, 'pre', { id: `${p}webkit-console`, class: 'console' }, report.messages.join('\n')),
    );
  }
  return out;
}

/** One browser's console line, with its error name (Chromium), reason and MDN page (Firefox), or reason line and console lines (WebKit). */
function browserPart(doc: Document, browser: BrowserName, verdict: Verdict, p: string): HTMLElement {
  const title = h(doc, 'h3', {}, NAMES[browser]);
  let body: Node[];
  if (browser === 'chromium' && verdict.chromium) {
    const code = verdict.chromium.corsError ?? `net::${verdict.chromium.netError ?? 'ERR_FAILED'}`;
    title.append(' ', h(doc, 'code', { id: `${p}chromium-error`, class: 'code' }, code));
    body = [h(doc, 'pre', { id: `${p}chromium-message`, class: 'console' }, verdict.chromium.message)];
  } else if (browser === 'firefox' && verdict.firefox) {
    const link = h(doc, 'a', { id: `${p}firefox-reason`, href: mdnUrl(verdict.firefox.reason), rel: 'noreferrer', target: '_blank' }, verdict.firefox.reason);
    title.append(' ', link, h(doc, 'span', { class: 'visually-hidden' }, ' (MDN, opens in a new tab)'));
    body = [h(doc, 'pre', { id: `${p}firefox-message`, class: 'console' }, verdict.firefox.message)];
  } else if (browser === 'webkit' && verdict.webkit) {
    body = webkitBody(doc, title, verdict.webkit, p);
  } else {
    body = [h(doc, 'p', { id: `${p}${browser}-message`, class: 'allows' }, h(doc, 'span', { 'aria-hidden': 'true' }, '✓ '), `${NAMES[browser]} allows this request.`)];
  }
  return h(doc, 'section', { class: 'browser', 'data-browser': browser }, title, ...body);
}

/** Warnings browsers log for requests they still let through. */
function warningsPart(doc: Document, verdict: Verdict, p: string): HTMLElement | null {
  if (verdict.warnings.length === 0) return null;
  return h(
    doc,
    'section',
    { class: 'warnings', id: `${p}warnings` },
    h(doc, 'h3', {}, 'Warnings'),
    ...verdict.warnings.map((w) =>
      h(
        doc,
        'div',
        { class: 'warning' },
        h(doc, 'p', {}, h(doc, 'span', { 'aria-hidden': 'true' }, '⚠ '), h(doc, 'strong', {}, `${NAMES[w.browser]} warns`), ` (${w.key})`),
        h(doc, 'pre', { class: 'console' }, w.message),
        h(doc, 'p', {}, 'Fix: ', ...withCode(doc, w.fix)),
      ),
    ),
  );
}

/** The fix, server half then client half. */
function fixPart(doc: Document, verdict: Verdict, p: string): HTMLElement | null {
  if (!verdict.fixes) return null;
  return h(
    doc,
    'section',
    { class: 'fix' },
    h(doc, 'h3', {}, 'Fix'),
    h(doc, 'p', { id: `${p}fix-server` }, h(doc, 'strong', {}, 'Server: '), ...withCode(doc, verdict.fixes.server)),
    verdict.fixes.client ? h(doc, 'p', { id: `${p}fix-client` }, h(doc, 'strong', {}, 'Client: '), ...withCode(doc, verdict.fixes.client)) : null,
  );
}

/**
 * The response headers script can read: one list when every browser reads
 * the same (the verdict's: none when blocked), else the verdict's (readable
 * in all three, when allowed) and each browser's own.
 */
function exposedPart(doc: Document, verdict: Verdict, p: string): HTMLElement {
  const list = (names: string[]): string => (names.length > 0 ? names.join(', ') : '(none)');
  const first = JSON.stringify(verdict.browsers.chromium.exposedHeaders);
  const same = BROWSER_NAMES.every((b) => JSON.stringify(verdict.browsers[b].exposedHeaders) === first);
  const body: HTMLElement[] = [];
  if (verdict.ok || same) body.push(h(doc, 'p', { id: `${p}exposed` }, verdict.ok ? list(verdict.exposedHeaders) : '(none: script cannot read the response)'));
  if (!same) {
    body.push(
      h(
        doc,
        'ul',
        { class: 'exposed-each' },
        ...BROWSER_NAMES.map((b) => h(doc, 'li', { id: `${p}exposed-${b}` }, `${NAMES[b]}: `, verdict.browsers[b].ok ? list(verdict.browsers[b].exposedHeaders) : '(none: blocked)')),
      ),
    );
  }
  return h(doc, 'section', { class: 'exposed' }, h(doc, 'h3', {}, 'Response headers script can read'), ...body);
}

/**
 * The whole verdict for a scenario; `prefix` keeps the ids apart when the
 * page shows two. The page's own verdict (no prefix) goes on with the
 * output of output.ts: the change, the security note, the trace, the
 * recipe, the export.
 */
export function renderVerdict(doc: Document, scenario: Scenario, verdict: Verdict, prefix = ''): HTMLElement {
  return h(
    doc,
    'div',
    { class: 'verdict', 'data-ok': String(verdict.ok) },
    headline(doc, verdict, prefix),
    requestPart(doc, scenario, verdict),
    ...BROWSER_NAMES.map((b) => browserPart(doc, b, verdict, prefix)),
    warningsPart(doc, verdict, prefix),
    fixPart(doc, verdict, prefix),
    exposedPart(doc, verdict, prefix),
    ...(prefix === '' ? renderOutput(doc, scenario, verdict) : []),
  );
}

/** What keeps the page from judging: the problem in the form's words. */
export function renderProblem(doc: Document, message: string, id: string): HTMLElement {
  return h(
    doc,
    'p',
    { id, class: 'status problem', 'data-ok': 'unknown' },
    h(doc, 'span', { class: 'icon', 'aria-hidden': 'true' }, '!'),
    ' ',
    h(doc, 'strong', {}, 'Not judged yet'),
    `: ${message}`,
  );
}
