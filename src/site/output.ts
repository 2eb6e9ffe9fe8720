/**
 * The page's output beyond the verdict, as the doctor would say it: the
 * trace (doctor/trace.ts: each browser's steps, the failing one marked with
 * an icon and a word), the smallest change to the server's headers as a diff
 * (doctor/repair.ts, proven with the engine), the security note (the finding
 * table's rows, doctor/trust.ts), the recipe for a chosen stack (the
 * doctor's fixes.ts, as `corsproof check --stack` picks and renders it), and
 * the scenario exported as a corsproof/testing test and as `corsproof
 * explain` JSON (doctor/test-snippet.ts). Says nothing of its own about
 * CORS. What the user chose (the stack, the export opened) survives the
 * re-rendering on every keystroke.
 */
import { recipesToShow } from '../doctor/fixes.js';
import { RECIPES } from '../doctor/recipes.js';
import type { Repair } from '../doctor/repair.js';
import { diffText, repair } from '../doctor/repair.js';
import { scenarioJson, testSnippet } from '../doctor/test-snippet.js';
import type { TraceStep } from '../doctor/trace.js';
import { traces } from '../doctor/trace.js';
import type { TrustNote } from '../doctor/trust.js';
import { trustNotes } from '../doctor/trust.js';
import { BROWSER_NAMES } from '../engine/browsers.js';
import { reason } from '../engine/reasons.js';
import type { HeaderList, Scenario, Verdict } from '../engine/types.js';
import { h, withCode } from './dom.js';
import { BROWSER_WORDS, browserList } from './words.js';

/** What the user chose, kept across renders. */
const chosen = { stack: '', exportOpen: false };

/** A Copy button for `text`, with a status beside it; where the clipboard is refused, element `selectId` is selected instead. */
function copyButton(doc: Document, label: string, text: string, selectId: string): HTMLElement {
  const status = h(doc, 'span', { class: 'copy-status', role: 'status' });
  const button = h(doc, 'button', { type: 'button', class: 'copy', 'data-copy': selectId }, label);
  button.addEventListener('click', () => {
    const selectIt = (): void => {
      const target = doc.getElementById(selectId);
      const range = doc.createRange();
      if (target) range.selectNodeContents(target);
      doc.getSelection()?.removeAllRanges();
      doc.getSelection()?.addRange(range);
      status.textContent = 'Selected: press Ctrl+C (⌘C) to copy.';
    };
    const clipboard = doc.defaultView?.navigator.clipboard;
    if (!clipboard) return selectIt();
    clipboard.writeText(text).then(() => (status.textContent = 'Copied.'), selectIt);
  });
  return h(doc, 'div', { class: 'copy-row' }, button, ' ', status);
}

// ---- The trace ------------------------------------------------------------------

const STATE = {
  passed: { icon: '✓', word: 'Passed' },
  failed: { icon: '✗', word: 'Fails here' },
  'no-check': { icon: '–', word: 'No CORS check (same origin)' },
} as const;

const lines = (prefix: string, list: HeaderList): string[] => list.map(([n, v]) => `${prefix} ${n}: ${v}`);

/** One step: icon and word (never colour alone), what it is, what was sent and answered, the reason when it fails. */
function stepItem(doc: Document, step: TraceStep): HTMLElement {
  const s = STATE[step.state];
  const title =
    step.kind === 'preflight'
      ? `Preflight: OPTIONS ${step.url}`
      : step.kind === 'request'
        ? `${step.sent?.method ?? ''} ${step.url}${step.state === 'no-check' ? '' : ', then the CORS check'}`
        : `Redirect (hop ${step.hop + 1}) to ${step.to ?? '(no Location)'}`;
  const exchange =
    step.sent !== null && step.answer !== null
      ? h(doc, 'pre', { class: 'exchange' }, [...lines('>', step.sent.headers), `< ${step.answer.status}`, ...lines('<', step.answer.headers)].join('\n'))
      : null;
  return h(
    doc,
    'li',
    { class: `step ${step.state}`, 'data-state': step.state, 'data-kind': step.kind },
    h(doc, 'p', {}, h(doc, 'span', { class: 'icon', 'aria-hidden': 'true' }, s.icon), ' ', h(doc, 'strong', { class: 'state' }, s.word), ': ', title),
    step.reasonId !== null ? h(doc, 'p', { class: 'step-reason' }, reason(step.reasonId).title) : null,
    exchange,
  );
}

/** The trace: one list per group of browsers that walk alike (one list when all three do), each named above it. */
function tracePart(doc: Document, scenario: Scenario): HTMLElement {
  const body = traces(scenario).groups.flatMap((g, i) => {
    const id = `trace-who-${i + 1}`;
    return [
      h(doc, 'p', { class: 'trace-who', id }, `${browserList(g.browsers)}:`),
      h(doc, 'ol', { class: 'trace', 'data-browsers': g.browsers.join(' '), 'aria-labelledby': id }, ...g.steps.map((step) => stepItem(doc, step))),
    ];
  });
  return h(doc, 'section', { class: 'trace-part', id: 'trace' }, h(doc, 'h3', {}, 'Trace'), ...body);
}

// ---- The change -----------------------------------------------------------------

/** The diff of each answer changed: `-` and `+` before each line (not colour alone), advised lines said so. */
function diffPart(doc: Document, r: Extract<Repair, { kind: 'change' }>): HTMLElement[] {
  const blocks = r.diffs.map((d, i) =>
    h(
      doc,
      'div',
      { class: 'diff-block' },
      h(doc, 'h4', {}, `In ${d.title}`),
      h(
        doc,
        'pre',
        { class: 'diff', id: `change-diff-${i}` },
        ...d.lines.map((l) => h(doc, 'span', { class: l.op === '+' ? 'add' : l.op === '-' ? 'del' : 'ctx' }, `${l.op} ${l.text}${l.advised ? '   (advised: not needed to pass)' : ''}\n`)),
      ),
    ),
  );
  const fixed = [...new Set(r.fixes)].map((id) => reason(id).title).join(' ');
  return [
    h(doc, 'p', { id: 'change-summary' }, `Checked with the engine: with this change ${browserList(BROWSER_NAMES)} let script read the response. It removes, in order: ${fixed}`),
    h(doc, 'div', { id: 'change-diff' }, ...blocks),
    copyButton(doc, 'Copy the change', diffText(r.diffs), 'change-diff'),
  ];
}

function changePart(doc: Document, r: Repair): HTMLElement {
  let body: HTMLElement[];
  if (r.kind === 'passes') body = [h(doc, 'p', { id: 'change-none' }, `Nothing to change: ${browserList(BROWSER_NAMES)} let script read the response.`)];
  else if (r.kind === 'change') body = diffPart(doc, r);
  else {
    body = [
      h(doc, 'p', { id: 'change-none' }, h(doc, 'strong', {}, `No change to the server's headers fixes this in ${BROWSER_WORDS[r.browser]}: `), r.why),
      h(doc, 'p', { id: 'change-fix' }, h(doc, 'strong', {}, r.fix.side === 'client' ? 'Client: ' : 'Server: '), ...withCode(doc, r.fix.text)),
    ];
  }
  return h(doc, 'section', { class: 'change', id: 'change', 'data-kind': r.kind }, h(doc, 'h3', {}, "The smallest change to the server's headers"), ...body);
}

// ---- The security note ----------------------------------------------------------

function notePart(doc: Document, notes: TrustNote[]): HTMLElement | null {
  if (notes.length === 0) return null;
  return h(
    doc,
    'section',
    { class: 'security-note', id: 'security-note' },
    h(doc, 'h3', {}, h(doc, 'span', { 'aria-hidden': 'true' }, '⚠ '), 'Security note'),
    h(
      doc,
      'ul',
      {},
      ...notes.map((n) =>
        h(
          doc,
          'li',
          { 'data-finding': n.id },
          h(doc, 'strong', {}, `${n.title} (${n.severity})`),
          `: ${n.reason} `,
          `${n.of === 'current' ? "The server's answer sends" : 'The suggested change sends'} `,
          h(doc, 'code', {}, n.evidence),
          n.of === 'change' ? ': it trusts more than this page. Allow it only if you mean to.' : '.',
        ),
      ),
    ),
  );
}

// ---- The recipe -----------------------------------------------------------------

/** The recipe for the chosen stack, as `corsproof check --stack <id>` shows it for this request. */
function recipeBody(doc: Document, scenario: Scenario, verdict: Verdict): HTMLElement {
  if (chosen.stack === '') return h(doc, 'div', { id: 'recipe-body' }, h(doc, 'p', {}, 'Choose a stack to see the configuration that sends these headers.'));
  const [shown] = recipesToShow({ scenario, verdict, layers: { perExchange: [], notes: [] } }, chosen.stack);
  if (shown === undefined) return h(doc, 'div', { id: 'recipe-body' }, h(doc, 'p', { id: 'recipe-none' }, 'This stack cannot express this request (for example, a method it does not support).'));
  return h(
    doc,
    'div',
    { id: 'recipe-body' },
    h(doc, 'h4', {}, `Fix for ${shown.title}`, ' ', h(doc, 'small', {}, `(corsproof check --stack ${shown.id})`)),
    h(doc, 'pre', { id: 'recipe-snippet', class: 'snippet', 'data-language': shown.language }, shown.snippet),
    copyButton(doc, 'Copy the recipe', shown.snippet, 'recipe-snippet'),
  );
}

function recipePart(doc: Document, scenario: Scenario, verdict: Verdict): HTMLElement {
  const select = h(doc, 'select', { id: 'stack' }, h(doc, 'option', { value: '' }, '(choose a stack)'), ...RECIPES.map((r) => h(doc, 'option', { value: r.id }, `${r.title} (${r.id})`)));
  select.value = chosen.stack;
  const section = h(doc, 'section', { class: 'recipe', id: 'recipe' }, h(doc, 'h3', {}, 'Recipe for your stack'), h(doc, 'div', { class: 'field' }, h(doc, 'label', { for: 'stack' }, 'Stack'), select), recipeBody(doc, scenario, verdict));
  select.addEventListener('change', () => {
    chosen.stack = select.value;
    doc.getElementById('recipe-body')?.replaceWith(recipeBody(doc, scenario, verdict));
  });
  return section;
}

// ---- The export -----------------------------------------------------------------

function exportPart(doc: Document, scenario: Scenario, verdict: Verdict): HTMLElement {
  const details = h(
    doc,
    'details',
    { class: 'export', id: 'export' },
    h(doc, 'summary', {}, 'Export as test'),
    h(doc, 'p', {}, 'The same request as a ', h(doc, 'code', {}, 'corsproof/testing'), ' test, asserting what the browsers conclude today:'),
    h(doc, 'pre', { id: 'export-test', class: 'snippet' }, testSnippet(scenario, verdict)),
    copyButton(doc, 'Copy the test', testSnippet(scenario, verdict), 'export-test'),
    h(doc, 'p', {}, 'The scenario as ', h(doc, 'code', {}, 'corsproof explain scenario.json'), ' reads it:'),
    h(doc, 'pre', { id: 'export-json', class: 'snippet' }, scenarioJson(scenario)),
    copyButton(doc, 'Copy the JSON', scenarioJson(scenario), 'export-json'),
  );
  details.open = chosen.exportOpen;
  details.addEventListener('toggle', () => (chosen.exportOpen = details.open));
  return details;
}

/** Everything the page shows after the verdict, for a judged scenario. */
export function renderOutput(doc: Document, scenario: Scenario, verdict: Verdict): HTMLElement[] {
  const r = repair(scenario);
  const notes = trustNotes(scenario, r.kind === 'change' ? r.scenario : null);
  return [changePart(doc, r), notePart(doc, notes), tracePart(doc, scenario), recipePart(doc, scenario, verdict), exportPart(doc, scenario, verdict)].filter(
    (e): e is HTMLElement => e !== null,
  );
}
