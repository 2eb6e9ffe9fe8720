/**
 * The form's redirect hops, the pure part: a hop's controls and their ids,
 * a scenario's `redirects` / `redirectPreflights` as the hops' text and back
 * (the JSON contract's fields, left out when there are no hops), moving and
 * removing hops, and which hop control a ScenarioError at `redirects[k]` or
 * `redirectPreflights[k]` names. No DOM: redirects-view.ts draws the hops.
 */
import type { HeaderList, Scenario, ScenarioResponse } from '../engine/types.js';

/** The statuses a redirect hop may have (the select's options). */
export const REDIRECT_STATUSES = ['301', '302', '303', '307', '308'] as const;

/** One hop as the form holds it: the controls' text. */
export interface HopValues {
  /** The redirect's status (one of {@link REDIRECT_STATUSES}). */
  status: string;
  /** The redirect's header lines (Location among them). */
  headers: string;
  /** The answer to the preflight sent to this hop's Location: empty with no header lines = the first preflight's answer. */
  preflightStatus: string;
  preflightHeaders: string;
}

/** The parts of a hop, each a control. */
export type HopPart = keyof HopValues;

/** A hop control's id: hop `k` (0-based) is "Redirect k+1" on the page. */
export function hopId(k: number, part: HopPart): string {
  const suffix = { status: 'status', headers: 'headers', preflightStatus: 'preflight-status', preflightHeaders: 'preflight-headers' }[part];
  return `redirect-${k + 1}-${suffix}`;
}

/** A new hop: a 302 with no header lines yet (the form asks for Location). */
export function newHop(): HopValues {
  return { status: '302', headers: '', preflightStatus: '', preflightHeaders: '' };
}

/** A header list as lines of `Name: value`. */
export function headerLines(list: HeaderList): string {
  return list.map(([name, value]) => `${name}: ${value}`).join('\n');
}

/** A scenario's redirect hops as the form's text (none: `[]`). */
export function hopsOf(scenario: Scenario): HopValues[] {
  return (scenario.redirects ?? []).map((hop, k) => {
    const answer = scenario.redirectPreflights?.[k] ?? null;
    return {
      status: String(hop.status),
      headers: headerLines(hop.headers),
      preflightStatus: answer === null ? '' : String(answer.status),
      preflightHeaders: answer === null ? '' : headerLines(answer.headers),
    };
  });
}

/** A status field: an integer, else the text (the validator names it). */
export function statusOf(text: string): number {
  return /^\d+$/.test(text) ? Number(text) : (text as unknown as number);
}

/** The scenario's fields for the hops, for the validator: none when there are no hops; `redirectPreflights` only when a hop has its own answer. */
export interface HopFields {
  redirects?: ScenarioResponse[];
  redirectPreflights?: Array<ScenarioResponse | null>;
}

/**
 * The hops' text as the JSON contract's fields. `headersOf(id, text)` reads
 * a control's header lines (it names the control when a line is wrong).
 * `redirectPreflights` has one entry per hop (`null`: the same answer as
 * `preflight`) and is left out when every entry is `null`.
 */
export function readHops(hops: readonly HopValues[], headersOf: (id: string, text: string) => HeaderList): HopFields {
  if (hops.length === 0) return {};
  const redirects = hops.map((hop, k) => ({ status: statusOf(hop.status.trim()), headers: headersOf(hopId(k, 'headers'), hop.headers) }));
  const answers = hops.map((hop, k) => {
    const headers = headersOf(hopId(k, 'preflightHeaders'), hop.preflightHeaders);
    const status = hop.preflightStatus.trim();
    return status === '' && headers.length === 0 ? null : { status: statusOf(status), headers };
  });
  return answers.some((a) => a !== null) ? { redirects, redirectPreflights: answers } : { redirects };
}

/** Hop `k` moved by `by` places (-1: up, 1: down), or the list as it was when it cannot move. */
export function moveHop<T>(hops: readonly T[], k: number, by: number): T[] {
  const to = k + by;
  const out = [...hops];
  if (k < 0 || k >= hops.length || to < 0 || to >= hops.length) return out;
  const [hop] = out.splice(k, 1) as [T];
  out.splice(to, 0, hop);
  return out;
}

/** Hop `k` removed. */
export function removeHop<T>(hops: readonly T[], k: number): T[] {
  return hops.filter((_, i) => i !== k);
}

/** The hop control a ScenarioError's field names, and the index of the header line it names (if any). */
export interface HopTarget {
  id: string;
  /** `headers[i]`: the i-th header read from the control (0-based), or null. */
  header: number | null;
}

/**
 * Which hop control a ScenarioError names: `redirects[k]` (its status, its
 * header lines; the hop itself, e.g. a Location that is not a URL: its
 * header lines) or `redirectPreflights[k]`; null for any other field.
 */
export function hopTarget(field: string): HopTarget | null {
  const m = /^(redirects|redirectPreflights)\[(\d+)\](?:\.(status|headers))?(?:\[(\d+)\])?/.exec(field);
  if (m === null) return null;
  const k = Number(m[2]);
  const own = m[1] === 'redirects';
  const part: HopPart = m[3] === 'status' ? (own ? 'status' : 'preflightStatus') : m[3] === 'headers' || own ? (own ? 'headers' : 'preflightHeaders') : 'preflightStatus';
  return { id: hopId(k, part), header: m[4] === undefined ? null : Number(m[4]) };
}
