/**
 * Verdicts compared by outcome. Pure (the engine only): the HAR reader,
 * which the playground page bundles, and the live check both use it.
 */
import { BROWSER_NAMES } from '../engine/browsers.js';
import type { Verdict } from '../engine/types.js';

/** Whether two verdicts reach the same outcome (pass, or the same reason) in each browser: Chromium, Firefox and WebKit. */
export function sameOutcome(a: Verdict | null, b: Verdict | null): boolean {
  if (a === null || b === null) return a === b;
  return BROWSER_NAMES.every((browser) => a.browsers[browser].reasonId === b.browsers[browser].reasonId);
}
