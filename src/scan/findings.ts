/**
 * Severities as the scanner applies them. The finding table itself (ids,
 * titles, reasons, who can use each flaw) is src/policy/findings.ts, shared
 * with the doctor.
 */
import type { Severity } from './types.js';

export { FINDINGS, SEVERITY_RULES, findingRow, severityOf } from '../policy/findings.js';
export type { FindingRow, Reach } from '../policy/findings.js';

/** Severities from the worst down: a finding is "at or above" a threshold when its rank is not greater. */
export const SEVERITIES: readonly Severity[] = ['high', 'medium', 'low', 'info'];

/** Whether `severity` is at or above `threshold`. */
export function atOrAbove(severity: Severity, threshold: Severity): boolean {
  return SEVERITIES.indexOf(severity) <= SEVERITIES.indexOf(threshold);
}
