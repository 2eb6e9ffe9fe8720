/**
 * A tiny element builder: the page's only view layer (no framework; the
 * whole page is a few dozen elements, rebuilt on input). Text always goes in
 * as text nodes, never as HTML, so nothing a user types or a server answers
 * can become markup.
 */

/** What an element is made of: attributes (`class`, `id`, `href`, `data-*`, `aria-*`, ...) and children. */
export type Child = Node | string | null | undefined | false;

/** Create `<tag>` with attributes and children (strings become text nodes; null, undefined and false are skipped). */
export function h<K extends keyof HTMLElementTagNameMap>(
  doc: Document,
  tag: K,
  attrs: Record<string, string> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = doc.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, value);
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'string' ? doc.createTextNode(child) : child);
  }
  return el;
}

/** Text with `code spans` (as the engine writes its fixes) as `<code>` elements. */
export function withCode(doc: Document, text: string): Node[] {
  return text.split('`').map((part, i) => (i % 2 === 1 ? h(doc, 'code', {}, part) : doc.createTextNode(part)));
}
