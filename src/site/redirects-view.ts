/**
 * The form's redirect hops on the page: one fieldset per hop between the
 * preflight and the response (its status, its header lines, the answer to
 * the preflight sent to its Location), added with "Add a redirect", moved
 * and removed with each hop's buttons. The hops live only in these controls
 * (form.ts reads them with the rest of the form); a change is announced to
 * the form as an `input` event, so the verdict follows.
 */
import { h } from './dom.js';
import type { HopPart, HopValues } from './redirects.js';
import { REDIRECT_STATUSES, hopId, moveHop, newHop, removeHop } from './redirects.js';

const PARTS: readonly HopPart[] = ['status', 'headers', 'preflightStatus', 'preflightHeaders'];

/** The hop fieldsets in `box`, and the button that adds one. */
export class HopList {
  private readonly doc: Document;
  private readonly box: HTMLElement;
  private readonly add: HTMLButtonElement;

  constructor(box: HTMLElement, add: HTMLButtonElement) {
    this.doc = box.ownerDocument;
    this.box = box;
    this.add = add;
    add.addEventListener('click', () => {
      const hops = [...this.values(), newHop()];
      this.change(hops, hopId(hops.length - 1, 'status'));
    });
    box.addEventListener('click', (e) => {
      const button = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-action]');
      if (button !== null) this.act(button.dataset.action ?? '', Number(button.dataset.hop));
    });
  }

  /** The hops' text, in order. */
  values(): HopValues[] {
    const out: HopValues[] = [];
    for (let k = 0; this.doc.getElementById(hopId(k, 'status')) !== null; k++) {
      const text = (part: HopPart): string => (this.doc.getElementById(hopId(k, part)) as HTMLInputElement).value;
      out.push({ status: text('status'), headers: text('headers'), preflightStatus: text('preflightStatus'), preflightHeaders: text('preflightHeaders') });
    }
    return out;
  }

  /** The ids of every hop control. */
  ids(): string[] {
    return this.values().flatMap((_, k) => PARTS.map((part) => hopId(k, part)));
  }

  /** Draw these hops (replacing the ones shown). */
  render(hops: readonly HopValues[]): void {
    this.box.replaceChildren(...hops.map((hop, k) => this.fieldset(hop, k, hops.length)));
    this.add.textContent = hops.length === 0 ? 'Add a redirect' : 'Add another redirect';
  }

  private act(action: string, k: number): void {
    const hops = this.values();
    if (action === 'remove') {
      const left = removeHop(hops, k);
      return this.change(left, left.length === 0 ? this.add.id : hopId(Math.min(k, left.length - 1), 'status'));
    }
    const by = action === 'up' ? -1 : 1;
    const to = k + by;
    // Focus stays on the same button of the moved hop, or on its other move button at the end of the list.
    const again = (to === 0 && action === 'up') || (to === hops.length - 1 && action === 'down') ? (action === 'up' ? 'down' : 'up') : action;
    this.change(moveHop(hops, k, by), `redirect-${to + 1}-${again}`);
  }

  /** Draw the hops, focus `focusId`, and tell the form it changed. */
  private change(hops: readonly HopValues[], focusId: string): void {
    this.render(hops);
    this.doc.getElementById(focusId)?.focus();
    this.box.dispatchEvent(new Event('input', { bubbles: true }));
  }

  private fieldset(hop: HopValues, k: number, count: number): HTMLElement {
    const doc = this.doc;
    const n = k + 1;
    const id = (part: HopPart): string => hopId(k, part);
    const status = h(doc, 'select', { id: id('status'), name: id('status') }, ...REDIRECT_STATUSES.map((s) => h(doc, 'option', { value: s }, s)));
    status.value = hop.status;
    const text = (tag: 'input' | 'textarea', part: HopPart, attrs: Record<string, string>): HTMLElement => {
      const el = h(doc, tag, { id: id(part), name: id(part), spellcheck: 'false', autocomplete: 'off', ...attrs });
      el.value = hop[part];
      return el;
    };
    const field = (part: HopPart, label: string, control: HTMLElement, narrow = false, help: HTMLElement | null = null): HTMLElement =>
      h(doc, 'div', { class: narrow ? 'field narrow' : 'field' }, h(doc, 'label', { for: id(part) }, label), control, help);
    const button = (action: string, label: string): HTMLElement => h(doc, 'button', { type: 'button', id: `redirect-${n}-${action}`, 'data-action': action, 'data-hop': String(k) }, label);
    const helpId = `redirect-${n}-help`;
    const preflightHelpId = `redirect-${n}-preflight-help`;
    return h(
      doc,
      'fieldset',
      { class: 'hop', 'data-hop': String(k) },
      h(doc, 'legend', {}, `Redirect ${n}: the server's answer ${k === 0 ? 'to the request' : `at redirect ${k}'s Location`}, sending it on`),
      field('status', `Redirect ${n} status`, status, true),
      field('headers', `Redirect ${n} header lines, Location required`, text('textarea', 'headers', { rows: '3', 'aria-describedby': helpId }), false,
        h(doc, 'small', { id: helpId }, 'Location: where the request goes next (the last redirect\'s target answers with the response below); other lines, such as Access-Control-Allow-Origin, as the server sent them')),
      h(
        doc,
        'div',
        { class: 'row' },
        field('preflightStatus', `Redirect ${n} preflight status, at its Location`, text('input', 'preflightStatus', { type: 'number', min: '100', max: '599', inputmode: 'numeric', 'aria-describedby': preflightHelpId }), true),
        field('preflightHeaders', `Redirect ${n} preflight header lines`, text('textarea', 'preflightHeaders', { rows: '2', 'aria-describedby': preflightHelpId })),
      ),
      h(doc, 'small', { id: preflightHelpId, class: 'help' }, `The answer to the preflight (OPTIONS) the browser sends to redirect ${n}'s Location when the request needs one; empty: the same answer as the first preflight.`),
      h(doc, 'div', { class: 'actions hop-actions' }, k > 0 ? button('up', `Move redirect ${n} up`) : null, k < count - 1 ? button('down', `Move redirect ${n} down`) : null, button('remove', `Remove redirect ${n}`)),
    );
  }
}
