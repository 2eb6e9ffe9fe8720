/**
 * Who else a scenario's answers trust besides the page's origin, as far as
 * its Access-Control-Allow-Origin values tell: `null` (every sandboxed
 * iframe and data: page), a wildcard pattern such as `*.example.com` (a
 * server that matches by suffix trusts every subdomain), a plain-http
 * origin for an https API. Each note is a row of the finding table (its
 * title and one-line reason, its severity for these credentials), said of
 * the server's answers as they are or of the change repair() proposes.
 * Whether a server reflects any Origin cannot be told from one answer: the
 * live check's probe (and `corsproof scan`) tells it. Pure.
 */
import { get } from '../engine/headers.js';
import type { Scenario, ScenarioResponse } from '../engine/types.js';
import type { FindingId, Severity } from '../policy/findings.js';
import { findingRow, severityOf } from '../policy/findings.js';

/** A security note. */
export interface TrustNote {
  id: FindingId;
  /** The finding table's title and one-line reason. */
  title: string;
  reason: string;
  severity: Severity;
  /** Said of the server's answers as they are, or of the proposed change. */
  of: 'current' | 'change';
  /** The value that shows it, e.g. `Access-Control-Allow-Origin: null`. */
  evidence: string;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The finding an Access-Control-Allow-Origin value shows, if any. */
function findingOf(value: string, apiUrl: string): FindingId | null {
  if (value === 'null') return 'trusts-null';
  if (value !== '*' && value.includes('*')) return 'trusts-any-subdomain';
  if (value.startsWith('http://') && apiUrl.startsWith('https://')) {
    try {
      const host = new URL(value).hostname;
      // A network attacker cannot answer for loopback.
      if (!LOOPBACK.has(host)) return 'trusts-http-origin';
    } catch {
      return null;
    }
  }
  return null;
}

function answersOf(scenario: Scenario): ScenarioResponse[] {
  const all = [scenario.preflight, ...(scenario.redirectPreflights ?? []), ...(scenario.redirects ?? []), scenario.response];
  return all.filter((a): a is ScenarioResponse => a !== null && a !== undefined);
}

/** The notes for one scenario's answers. */
function notesOf(scenario: Scenario, of: TrustNote['of']): TrustNote[] {
  const credentials = scenario.request.credentials === 'include';
  const out: TrustNote[] = [];
  for (const answer of answersOf(scenario)) {
    const value = get(answer.headers, 'access-control-allow-origin');
    if (value === null) continue;
    const id = findingOf(value, scenario.request.url);
    if (id === null || out.some((n) => n.id === id)) continue;
    const row = findingRow(id);
    out.push({ id, title: row.title, reason: row.reason, severity: severityOf(id, credentials), of, evidence: `Access-Control-Allow-Origin: ${value}` });
  }
  return out;
}

/**
 * The security notes for the server's answers as they are, then for the
 * repaired scenario (only those the change adds).
 */
export function trustNotes(scenario: Scenario, repaired: Scenario | null): TrustNote[] {
  const current = notesOf(scenario, 'current');
  const added = repaired === null ? [] : notesOf(repaired, 'change').filter((n) => !current.some((c) => c.id === n.id));
  return [...current, ...added];
}
