/**
 * The report for the terminal: the doctor's text (src/doctor/text.ts) in
 * colour when standard output is a TTY, and what only the CLI says (how the
 * input was read, in terms of its options).
 */
import pc from './colors.js';
import type { ReasonId } from '../engine/reasons.js';
import { reason } from '../engine/reasons.js';
import type { Scenario, Verdict } from '../engine/types.js';
import type { LayerFindings } from '../doctor/layers.js';
import * as text from '../doctor/text.js';

const { indent } = text;

/** The exchanges of a live check, in colour. */
export function renderExchanges(exchanges: Parameters<typeof text.renderExchanges>[0], layers: LayerFindings): string {
  return text.renderExchanges(exchanges, layers, pc);
}

/** One verdict as a short report, in colour. */
export function renderVerdict(scenario: Scenario, verdict: Verdict): string {
  return text.renderVerdict(scenario, verdict, pc);
}

/** Fix recipes, in colour. */
export function renderRecipes(recipes: ReadonlyArray<{ title: string; snippet: string }>, note: string, pad: string): string {
  return text.renderRecipes(recipes, note, pad, pc);
}

/**
 * Render how the input was read (remarks) and, when credentials were not
 * known, what changes if the page sends them.
 */
export function renderContext(remarks: readonly string[], ifCredentialed: Verdict | null): string {
  const out: string[] = [];
  for (const r of remarks) out.push(indent(`${pc.dim('Note')}: ${r}`, '  '));
  if (ifCredentialed !== null) {
    if (ifCredentialed.ok) {
      out.push(indent(`${pc.yellow('With credentials')} (fetch credentials: 'include', XHR withCredentials) the browser allows it; pass --credentials include to judge it that way.`, '  '));
    } else {
      const row = reason(text.leadReasonId(ifCredentialed) as ReasonId);
      out.push(
        indent(
          `${pc.yellow('With credentials')} (fetch credentials: 'include', XHR withCredentials) the browser blocks it: ${row.title.replace(/\.$/, '')}. Nothing here says whether the page sends them: pass --credentials include for that report and its fix.`,
          '  ',
        ),
      );
    }
  }
  return out.join('\n');
}
