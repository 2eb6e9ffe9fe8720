/**
 * Verdicts compared by outcome. Pure (the engine's types only): the HAR
 * reader, which the playground page bundles, and the live check both use it.
 */
import type { Verdict } from '../engine/types.js';

/** Whether two verdicts reach the same outcome (pass, or the same reason) in each browser. */
export function sameOutcome(a: Verdict | null, b: Verdict | null): boolean {
  if (a === null || b === null) return a === b;
  return a.browsers.chromium.reasonId === b.browsers.chromium.reasonId && a.browsers.firefox.reasonId === b.browsers.firefox.reasonId;
}
