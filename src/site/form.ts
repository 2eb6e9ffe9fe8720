/**
 * The scenario form: the page's one source of truth. Every input kind (the
 * form itself, a permalink, a console line, a cURL command, a HAR entry: see
 * inputs.ts) ends as a
 * {@link Scenario} written into the form with {@link ScenarioForm.write};
 * the verdict is always computed from {@link ScenarioForm.read}.
 */
import { ScenarioError } from '../engine/request.js';
import type { CredentialsMode, HeaderList, Initiator, Scenario, ScenarioResponse } from '../engine/types.js';
import { validateScenario } from '../engine/validate.js';
import { HopList } from './redirects-view.js';
import { headerLines, hopTarget, hopsOf, readHops, statusOf } from './redirects.js';

export { headerLines };

/** The form's first scenario: a credentialed PUT with JSON that passes its preflight. */
export const DEFAULT_SCENARIO: Scenario = {
  request: {
    url: 'https://api.example.com/v1/items/7',
    origin: 'https://app.example.com',
    method: 'PUT',
    headers: [['Content-Type', 'application/json']],
    credentials: 'include',
    initiator: 'fetch',
  },
  preflight: {
    status: 204,
    headers: [
      ['Access-Control-Allow-Origin', 'https://app.example.com'],
      ['Access-Control-Allow-Credentials', 'true'],
      ['Access-Control-Allow-Methods', 'GET, PUT'],
      ['Access-Control-Allow-Headers', 'Content-Type'],
      ['Vary', 'Origin'],
    ],
  },
  response: {
    status: 200,
    headers: [
      ['Content-Type', 'application/json'],
      ['Access-Control-Allow-Origin', 'https://app.example.com'],
      ['Access-Control-Allow-Credentials', 'true'],
      ['Vary', 'Origin'],
    ],
  },
};

/** The classic failure (examples/credentials-wildcard.json): credentials with `Access-Control-Allow-Origin: *`. */
export const SEED_SCENARIO: Scenario = {
  request: {
    url: 'https://api.example.com/v1/me',
    origin: 'https://app.example.com',
    method: 'GET',
    headers: [['Accept', 'application/json']],
    credentials: 'include',
    initiator: 'fetch',
  },
  preflight: null,
  response: {
    status: 200,
    headers: [
      ['Content-Type', 'application/json'],
      ['Access-Control-Allow-Origin', '*'],
    ],
  },
};

/** The ids of the form's controls. */
export const CONTROLS = {
  origin: 'origin',
  url: 'url',
  initiator: 'initiator',
  method: 'method',
  credentials: 'credentials',
  requestHeaders: 'request-headers',
  preflightStatus: 'preflight-status',
  preflightHeaders: 'preflight-headers',
  responseStatus: 'response-status',
  responseHeaders: 'response-headers',
} as const;

/** A control's key in {@link CONTROLS}. */
export type ControlKey = keyof typeof CONTROLS;

/** What is wrong with the form, and the control to fix it in. */
export interface FormProblem {
  /** The id of the offending control. */
  control: string;
  /** The control's label followed by the problem, e.g. "Response header lines, line 2: ...". */
  message: string;
}

/** The form read: a scenario the engine accepts, or the first problem. */
export type FormReading = { ok: true; scenario: Scenario } | { ok: false; problem: FormProblem };

/** Header lines read back: each non-blank line's pair and its line number (1-based). */
export interface ParsedLines {
  headers: HeaderList;
  /** `lines[i]` is the line `headers[i]` was read from. */
  lines: number[];
}

/**
 * Read `Name: value` lines (blank lines skipped; the value trimmed as HTTP
 * does). Throws a ScenarioError with field `line N` for a line without a
 * name before its colon.
 */
export function parseHeaderLines(text: string): ParsedLines {
  const out: ParsedLines = { headers: [], lines: [] };
  text.split(/\r?\n/).forEach((raw, i) => {
    if (raw.trim() === '') return;
    const colon = raw.indexOf(':');
    if (colon <= 0 || raw.slice(0, colon).trim() === '') throw new ScenarioError(`line ${i + 1}`, `expected "Name: value", got ${JSON.stringify(raw)}`);
    out.headers.push([raw.slice(0, colon).trim(), raw.slice(colon + 1).trim()]);
    out.lines.push(i + 1);
  });
  return out;
}

/** The scenario's fields, each with the control that holds it and that control's label. */
const FIELDS: ReadonlyArray<{ prefix: string; key: ControlKey }> = [
  { prefix: 'request.url', key: 'url' },
  { prefix: 'request.origin', key: 'origin' },
  { prefix: 'request.method', key: 'method' },
  { prefix: 'request.credentials', key: 'credentials' },
  { prefix: 'request.initiator', key: 'initiator' },
  { prefix: 'request.headers', key: 'requestHeaders' },
  { prefix: 'preflight.status', key: 'preflightStatus' },
  { prefix: 'preflight.headers', key: 'preflightHeaders' },
  { prefix: 'preflight', key: 'preflightStatus' },
  { prefix: 'response.status', key: 'responseStatus' },
  { prefix: 'response.headers', key: 'responseHeaders' },
  { prefix: 'response', key: 'responseStatus' },
];

/** The ids of the redirect hops' box and its "Add a redirect" button. */
export const REDIRECTS_BOX = 'redirects';
export const REDIRECT_ADD = 'redirect-add';

/** The form's controls, read and written as a scenario. */
export class ScenarioForm {
  readonly form: HTMLFormElement;
  private readonly doc: Document;
  /** The redirect hops between the preflight and the response. */
  readonly hops: HopList;

  constructor(form: HTMLFormElement) {
    this.form = form;
    this.doc = form.ownerDocument;
    const box = this.doc.getElementById(REDIRECTS_BOX);
    const add = this.doc.getElementById(REDIRECT_ADD);
    if (box === null || add === null) throw new Error(`the page has no #${REDIRECTS_BOX} or #${REDIRECT_ADD}`);
    this.hops = new HopList(box, add as HTMLButtonElement);
  }

  /** A control by its key. */
  control(key: ControlKey): HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement {
    const el = this.doc.getElementById(CONTROLS[key]);
    if (el === null) throw new Error(`the page has no #${CONTROLS[key]}`);
    return el as HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
  }

  private value(key: ControlKey): string {
    return this.control(key).value;
  }

  /** Write a scenario into the controls, its redirect hops included. */
  write(scenario: Scenario): void {
    const { request, preflight, response } = scenario;
    this.control('origin').value = request.origin;
    this.control('url').value = request.url;
    this.control('initiator').value = request.initiator ?? 'fetch';
    this.control('method').value = request.method;
    this.control('credentials').value = request.credentials;
    this.control('requestHeaders').value = headerLines(request.headers);
    this.control('preflightStatus').value = preflight === null ? '' : String(preflight.status);
    this.control('preflightHeaders').value = preflight === null ? '' : headerLines(preflight.headers);
    this.control('responseStatus').value = String(response.status);
    this.control('responseHeaders').value = headerLines(response.headers);
    this.hops.render(hopsOf(scenario));
  }

  /** Read the controls into a scenario the engine's validator accepts, or the first problem, naming its control. */
  read(): FormReading {
    // Each header control's line numbers, by the control's id.
    const lines: Record<string, number[]> = {};
    const linesOf = (id: string, text: string): HeaderList => {
      try {
        const parsed = parseHeaderLines(text);
        lines[id] = parsed.lines;
        return parsed.headers;
      } catch (e) {
        if (e instanceof ScenarioError) throw new ScenarioError(`${id}:${e.field}`, e.message.slice(e.field.length + 2));
        throw e;
      }
    };
    const headersOf = (key: ControlKey): HeaderList => linesOf(CONTROLS[key], this.value(key));
    try {
      const preflightStatus = this.value('preflightStatus').trim();
      const preflightHeaders = headersOf('preflightHeaders');
      const json = {
        request: {
          url: this.value('url').trim(),
          origin: this.value('origin').trim(),
          method: this.value('method').trim(),
          headers: headersOf('requestHeaders'),
          credentials: this.value('credentials') as CredentialsMode,
          initiator: this.value('initiator') as Initiator,
        },
        preflight: preflightStatus === '' && preflightHeaders.length === 0 ? null : { status: statusOf(preflightStatus), headers: preflightHeaders },
        ...readHops(this.hops.values(), linesOf),
        response: { status: statusOf(this.value('responseStatus').trim()), headers: headersOf('responseHeaders') } satisfies ScenarioResponse,
      };
      return { ok: true, scenario: validateScenario(json) };
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      return { ok: false, problem: this.problemFor(e, lines) };
    }
  }

  /** A ScenarioError from the validator or the engine, told in the form's words. */
  problemFor(e: ScenarioError, lines: Readonly<Record<string, number[]>> = {}): FormProblem {
    const detail = e.message.slice(e.field.length + 2);
    const own = /^([a-z0-9-]+):line (\d+)$/.exec(e.field);
    if (own !== null) {
      const id = own[1] ?? '';
      return { control: id, message: `${this.labelOf(id)}, line ${own[2]}: ${detail}` };
    }
    const hop = hopTarget(e.field);
    if (hop !== null) {
      const line = hop.header !== null ? lines[hop.id]?.[hop.header] : undefined;
      return { control: hop.id, message: `${this.labelOf(hop.id)}${line !== undefined ? `, line ${line}` : ''}: ${detail}` };
    }
    const field = FIELDS.find((f) => e.field === f.prefix || e.field.startsWith(`${f.prefix}.`) || e.field.startsWith(`${f.prefix}[`));
    if (field === undefined) return { control: CONTROLS.url, message: e.message };
    const id = CONTROLS[field.key];
    const index = /^[a-z.]+\[(\d+)\]/.exec(e.field);
    const line = index !== null ? lines[id]?.[Number(index[1])] : undefined;
    return { control: id, message: `${this.labelOf(id)}${line !== undefined ? `, line ${line}` : ''}: ${detail}` };
  }

  private labelOf(id: string): string {
    const label = this.doc.querySelector(`label[for="${id}"]`);
    return (label?.textContent ?? id).replace(/,.*$/, '').trim();
  }

  /**
   * Mark the controls an input (a console line, a cURL command, a HAR entry)
   * could not fill: `data-unknown` and a note after the control, in its
   * description. Every earlier mark is cleared first (`[]` clears them all).
   */
  flagUnknown(unknown: ReadonlyArray<{ control: ControlKey; note: string }>): void {
    for (const id of Object.values(CONTROLS)) this.unflag(id);
    for (const { control, note } of unknown) {
      const el = this.control(control);
      const noteId = `${el.id}-unknown`;
      el.setAttribute('data-unknown', 'true');
      const small = this.doc.createElement('small');
      small.id = noteId;
      small.className = 'unknown-note';
      small.textContent = note;
      el.parentElement?.append(small);
      el.setAttribute('aria-describedby', [...(el.getAttribute('aria-describedby') ?? '').split(' ').filter((x) => x !== ''), noteId].join(' '));
    }
  }

  /** Clear one control's unknown mark (the user filled it in). */
  unflag(id: string): void {
    const el = this.doc.getElementById(id);
    if (el === null || !el.hasAttribute('data-unknown')) return;
    const noteId = `${id}-unknown`;
    el.removeAttribute('data-unknown');
    this.doc.getElementById(noteId)?.remove();
    const described = (el.getAttribute('aria-describedby') ?? '').split(' ').filter((x) => x !== '' && x !== noteId);
    if (described.length > 0) el.setAttribute('aria-describedby', described.join(' '));
    else el.removeAttribute('aria-describedby');
  }

  /** Mark one control invalid (aria-invalid, described by the message element), or clear every mark. */
  mark(problem: FormProblem | null, messageId: string): void {
    for (const id of [...Object.values(CONTROLS), ...this.hops.ids()]) {
      const el = this.doc.getElementById(id);
      if (el === null) continue;
      const invalid = problem !== null && problem.control === id;
      if (invalid) el.setAttribute('aria-invalid', 'true');
      else el.removeAttribute('aria-invalid');
      const described = (el.getAttribute('aria-describedby') ?? '').split(' ').filter((x) => x !== '' && x !== messageId);
      if (invalid) described.push(messageId);
      if (described.length > 0) el.setAttribute('aria-describedby', described.join(' '));
      else el.removeAttribute('aria-describedby');
    }
  }
}
