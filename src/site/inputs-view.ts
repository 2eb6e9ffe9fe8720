/**
 * The page's input kinds above the form: the form alone, a pasted console
 * line, a pasted "Copy as cURL" command, a dropped or chosen HAR file. Each
 * is read by inputs.ts and loaded into the form (the one source of the
 * verdict) with the controls it could not fill marked. A HAR is read in a
 * worker (har-worker.ts) when the page is served, on the page's thread up to
 * a smaller size when it is opened from a file; it never leaves the machine.
 */
import type { Scenario } from '../engine/types.js';
import { h } from './dom.js';
import type { HarListing, HarOutcome, HarRow, InputOutcome, Unknown } from './inputs.js';
import { harSizeProblem, readConsoleInput, readCurlInput, readHarText } from './inputs.js';

/** What the inputs need from the page. */
export interface InputsHost {
  doc: Document;
  /** Write a scenario into the form, mark the controls the input could not fill, judge it. */
  load(scenario: Scenario, unknown: Unknown[]): void;
  /** The form's scenario now, or null when the form does not read as one. */
  current(): Scenario | null;
}

const KINDS = ['form', 'console', 'curl', 'har'] as const;
type Kind = (typeof KINDS)[number];

function byId<T extends HTMLElement>(doc: Document, id: string): T {
  const el = doc.getElementById(id);
  if (el === null) throw new Error(`the page has no #${id}`);
  return el as T;
}

/** Show one input kind's panel (the radio set above the form chooses it). */
function choose(doc: Document, kind: Kind): void {
  for (const k of KINDS) {
    if (k === 'form') continue;
    byId(doc, `panel-${k}`).hidden = k !== kind;
  }
  const radio = byId<HTMLInputElement>(doc, `kind-${kind}`);
  if (!radio.checked) radio.checked = true;
}

/** A reading's summary, notes and message, as the panel shows them. */
function renderReading(doc: Document, prefix: string, outcome: InputOutcome): Node[] {
  if (!outcome.ok) return [h(doc, 'p', { id: `${prefix}-message`, class: 'input-message bad' }, h(doc, 'span', { 'aria-hidden': 'true' }, '! '), outcome.message)];
  const parts: Node[] = [h(doc, 'ul', { id: `${prefix}-summary`, class: 'input-summary' }, ...outcome.summary.map((line) => h(doc, 'li', {}, line)))];
  if (outcome.notes.length > 0) parts.push(h(doc, 'ul', { id: `${prefix}-notes`, class: 'input-notes' }, ...outcome.notes.map((n) => h(doc, 'li', {}, n))));
  const loaded = outcome.scenario === null ? 'Nothing loaded into the form.' : outcome.unknown.length > 0 ? 'Loaded into the form below; the marked fields are what it cannot tell.' : 'Loaded into the form below.';
  parts.push(h(doc, 'p', { id: `${prefix}-message`, class: 'input-message' }, loaded));
  return parts;
}

/** A pasted text input (console line, cURL command): read on every change, loaded when it reads. */
function pasteInput(host: InputsHost, id: string, prefix: string, read: (text: string) => InputOutcome): void {
  const box = byId<HTMLTextAreaElement>(host.doc, id);
  const out = byId(host.doc, `${prefix}-result`);
  box.addEventListener('input', () => {
    const outcome = read(box.value);
    out.replaceChildren(...renderReading(host.doc, prefix, outcome));
    if (outcome.ok && outcome.scenario !== null) host.load(outcome.scenario, outcome.unknown);
  });
}

/** The worker script's address (build-site.mjs writes the hashed name into the page's <meta>). */
function workerUrl(doc: Document): string | null {
  return doc.querySelector('meta[name="corsproof-har-worker"]')?.getAttribute('content') ?? null;
}

/** Read a HAR in the worker; `null` when no worker could be started (file://, a CSP that forbids it) or it died. */
function inWorker(url: string, file: File): Promise<HarOutcome | null> {
  return new Promise((resolve) => {
    let worker: Worker;
    try {
      worker = new Worker(url);
    } catch {
      resolve(null);
      return;
    }
    worker.onmessage = (e: MessageEvent<HarOutcome>) => {
      worker.terminate();
      resolve(e.data);
    };
    worker.onerror = (e) => {
      e.preventDefault();
      worker.terminate();
      resolve(null);
    };
    worker.postMessage({ file });
  });
}

/** Read a HAR on the page's thread (no worker): small files only. */
async function inPage(file: File): Promise<HarOutcome> {
  const size = harSizeProblem(file.name, file.size, true);
  if (size !== null) return { ok: false, message: size };
  const text = await file.text();
  // Let the "Reading…" status paint first.
  await new Promise((r) => setTimeout(r, 0));
  return readHarText(file.name, text);
}

/** Read a HAR: in a worker when one starts, else on the page (small files); `reader` says which. */
async function readHarFile(doc: Document, file: File, reader: HTMLElement): Promise<HarOutcome> {
  const size = harSizeProblem(file.name, file.size, false);
  if (size !== null) return { ok: false, message: size };
  const url = workerUrl(doc);
  const viaWorker = url === null ? null : await inWorker(url, file);
  reader.dataset.reader = viaWorker === null ? 'page' : 'worker';
  return viaWorker ?? inPage(file);
}

/** One HAR row as a radio's label: the entry, the request, the HAR's verdict. */
function rowLabel(doc: Document, row: HarRow): HTMLElement {
  const icon = row.ok === true ? '✓' : row.ok === false ? '✗' : '?';
  return h(
    doc,
    'label',
    { for: `har-entry-${row.entry}`, class: `har-row ${row.ok === true ? 'ok' : row.ok === false ? 'blocked' : 'unjudged'}` },
    h(doc, 'span', { class: 'icon', 'aria-hidden': 'true' }, icon),
    ` entry ${row.entry}: `,
    h(doc, 'code', {}, `${row.method} ${row.url}`),
    ` from ${row.origin}. `,
    h(doc, 'span', { class: 'har-outcome' }, row.outcome),
  );
}

/** The HAR's rows as radios; choosing one loads it. */
function renderListing(host: InputsHost, listing: HarListing): void {
  const { doc } = host;
  const list = byId(doc, 'har-list');
  const rows = byId(doc, 'har-rows');
  const notes = byId(doc, 'har-notes');
  notes.replaceChildren();
  const shown = listing.rows.length < listing.found ? ` The first ${listing.rows.length} are listed, blocked first.` : '';
  const message =
    listing.found === 0
      ? `${listing.name}: ${listing.entries} entries, no cross-origin request (none carries an Origin other than its own).`
      : `${listing.name}: ${listing.entries} entries, ${listing.found} cross-origin request${listing.found > 1 ? 's' : ''}, ${listing.rows.filter((r) => r.ok === false).length} of those listed blocked.${shown} Pick one to load it into the form.`;
  byId(doc, 'har-message').replaceChildren(h(doc, 'p', { id: 'har-read', class: 'input-message' }, message));
  list.hidden = listing.found === 0;
  rows.replaceChildren(
    ...listing.rows.map((row) =>
      h(doc, 'div', { class: 'har-choice' }, h(doc, 'input', { type: 'radio', name: 'har-entry', id: `har-entry-${row.entry}`, value: String(row.entry) }), rowLabel(doc, row)),
    ),
  );
  const byEntry = new Map(listing.rows.map((r) => [String(r.entry), r]));
  rows.onchange = (e) => {
    const row = byEntry.get((e.target as HTMLInputElement).value);
    if (row === undefined) return;
    const unknown: Unknown[] = row.initiatorKnown ? [] : [{ control: 'initiator', note: 'Not in the HAR: assumed fetch(). Put in the API your script calls.' }];
    if (row.credentials !== null) unknown.push({ control: 'credentials', note: row.credentials });
    host.load(row.scenario, unknown);
    notes.replaceChildren(...(row.notes.length > 0 ? [h(doc, 'ul', { class: 'input-notes' }, ...row.notes.map((n) => h(doc, 'li', {}, n)))] : []));
  };
}

/** The HAR panel: a file input, a drop zone (and drops anywhere on the page), the listing. */
function harInput(host: InputsHost): void {
  const { doc } = host;
  const fileInput = byId<HTMLInputElement>(doc, 'har-file');
  const message = byId(doc, 'har-message');
  const drop = byId(doc, 'har-drop');
  let generation = 0;
  const read = (file: File): void => {
    const mine = ++generation;
    choose(doc, 'har');
    byId(doc, 'har-list').hidden = true;
    byId(doc, 'har-notes').replaceChildren();
    message.setAttribute('aria-busy', 'true');
    message.replaceChildren(h(doc, 'p', { class: 'input-message' }, `Reading ${file.name}…`));
    delete message.dataset.reader;
    readHarFile(doc, file, message)
      .catch((e: unknown): HarOutcome => ({ ok: false, message: `${file.name} could not be read: ${(e as Error).message}` }))
      .then((outcome) => {
        if (mine !== generation) return;
        message.setAttribute('aria-busy', 'false');
        if (outcome.ok) renderListing(host, outcome);
        else message.replaceChildren(h(doc, 'p', { id: 'har-read', class: 'input-message bad' }, h(doc, 'span', { 'aria-hidden': 'true' }, '! '), outcome.message));
      });
  };
  fileInput.addEventListener('change', () => {
    const file = fileInput.files?.[0];
    if (file !== undefined) read(file);
  });
  const hasFiles = (e: DragEvent): boolean => e.dataTransfer?.types.includes('Files') === true;
  // Files dropped anywhere on the page are read as a HAR (the browser would otherwise open them, leaving the page).
  doc.addEventListener('dragover', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    drop.classList.add('over');
  });
  doc.addEventListener('dragleave', () => drop.classList.remove('over'));
  doc.addEventListener('drop', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    drop.classList.remove('over');
    const file = e.dataTransfer?.files[0];
    if (file !== undefined) read(file);
  });
}

/** Wire the input kinds: the radio set, the console line, the cURL command, the HAR file. */
export function setUpInputs(host: InputsHost): void {
  const { doc } = host;
  for (const kind of KINDS) byId<HTMLInputElement>(doc, `kind-${kind}`).addEventListener('change', () => choose(doc, kind));
  const checked = KINDS.find((k) => byId<HTMLInputElement>(doc, `kind-${k}`).checked) ?? 'form';
  choose(doc, checked);
  pasteInput(host, 'console-line', 'console', readConsoleInput);
  pasteInput(host, 'curl-command', 'curl', (text) => readCurlInput(text, host.current()));
  harInput(host);
}
