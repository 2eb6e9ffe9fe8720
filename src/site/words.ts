/**
 * The verdict's browsers in words, as the page's headline, the trace and
 * the HAR list say them: which of Chromium, Firefox and WebKit block and
 * which allow. Pure (the engine's types and list of browsers, the doctor's
 * report's words); the HAR worker bundles it too.
 */
import { BROWSER_NAMES } from '../engine/browsers.js';
import type { ReasonId } from '../engine/reasons.js';
import type { BrowserName, Verdict } from '../engine/types.js';

// Each browser's name in a sentence, and a list of them in the verdict's order: the doctor's report's own.
import { BROWSER_WORDS, browserList } from '../doctor/text.js';

export { BROWSER_WORDS, browserList };

/** The browsers the verdict covers that block and that allow, and the headline's reason (the first that blocks). */
export function whoBlocks(verdict: Verdict): { blocking: BrowserName[]; allowing: BrowserName[]; reasonId: ReasonId | null } {
  const covers = verdict.covers ?? BROWSER_NAMES;
  const blocking = covers.filter((b) => !verdict.browsers[b].ok);
  const allowing = covers.filter((b) => verdict.browsers[b].ok);
  const first = blocking[0];
  return { blocking, allowing, reasonId: first === undefined ? null : verdict.browsers[first].reasonId };
}

/**
 * Where a blocked verdict blocks, to follow "Blocked": `''` when every
 * browser blocks, else ` in WebKit only`, ` in Firefox and WebKit`, and with
 * `allowing`, the others said too: ` in WebKit only (Chromium and Firefox
 * allow it)`.
 */
export function blockedIn(verdict: Verdict, allowing: boolean): string {
  const who = whoBlocks(verdict);
  if (who.allowing.length === 0 || who.blocking.length === 0) return '';
  const where = ` in ${browserList(who.blocking)}${who.blocking.length === 1 ? ' only' : ''}`;
  if (!allowing) return where;
  return `${where} (${browserList(who.allowing)} ${who.allowing.length === 1 ? 'allows' : 'allow'} it)`;
}
