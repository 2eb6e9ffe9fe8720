/**
 * The report for a `mode: 'no-cors'` request that passed with an opaque
 * response (`verdict.opaque`), as text: what was sent (the headers no-cors
 * dropped), that script reads nothing of the answer, the warnings table's
 * `no-cors-opaque` row, and what the same answer does in mode 'cors' (what
 * reading it needs), with that verdict's fix. The doctor's text report
 * (text.ts renderVerdict) gives an opaque verdict to it.
 */
import { evaluate } from '../engine/evaluate.js';
import { reason, warning } from '../engine/reasons.js';
import { ScenarioError, forbiddenHeaderNames } from '../engine/request.js';
import type { BrowserName, Scenario, Verdict } from '../engine/types.js';

/** How text is styled (text.ts's Colors). */
interface Colors {
  bold: (text: string) => string;
  red: (text: string) => string;
  green: (text: string) => string;
  yellow: (text: string) => string;
}

const same = (text: string): string => text;
const PLAIN: Colors = { bold: same, red: same, green: same, yellow: same };
const LABELS: Readonly<Record<BrowserName, string>> = { chromium: 'Chromium', firefox: 'Firefox', webkit: 'WebKit (Safari)' };

function indent(text: string, by: string): string {
  return text
    .split('\n')
    .map((line) => by + line)
    .join('\n');
}

function names(browsers: readonly BrowserName[]): string {
  const words = browsers.map((b) => LABELS[b]);
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1] as string}`;
}

/** The names of script's headers mode no-cors left out (the forbidden ones, which no mode sends, aside). */
export function droppedByNoCors(scenario: Scenario, verdict: Verdict): string[] {
  const first = verdict.covers[0] ?? 'chromium';
  const sent = new Set((verdict.requests[first][0]?.headers ?? []).map(([n]) => n.toLowerCase()));
  const forbidden = new Set(forbiddenHeaderNames(scenario.request));
  return [...new Set(scenario.request.headers.map(([n]) => n).filter((n) => !sent.has(n.toLowerCase()) && !forbidden.has(n)))];
}

/**
 * The same scenario in mode 'cors', judged for the same browsers: what reading the response needs. `problem`
 * when it cannot be judged (a preflight is then needed and the scenario gives no answer to it).
 */
export function inCorsMode(scenario: Scenario, verdict: Verdict): { verdict: Verdict | null; problem: string | null } {
  const request = { ...scenario.request };
  delete request.mode;
  try {
    return { verdict: evaluate({ ...scenario, request }, { browsers: verdict.covers }), problem: null };
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    return { verdict: null, problem: e.message };
  }
}

/** An opaque verdict (`verdict.opaque`) as the doctor's text report prints it. */
export function renderOpaque(scenario: Scenario, verdict: Verdict, pc: Colors = PLAIN): string {
  const row = warning('no-cors-opaque');
  const { request } = scenario;
  const out = [
    `${pc.yellow('⚠ Opaque')}  ${request.method || 'GET'} ${request.url}`,
    `  from ${request.origin} (fetch(), mode: 'no-cors', credentials: '${request.credentials}')`,
    "  No preflight (mode 'no-cors' never sends one).",
  ];
  const dropped = droppedByNoCors(scenario, verdict);
  if (dropped.length > 0) out.push(`  Not sent: ${dropped.join(', ')} (mode 'no-cors' sends only Accept, Accept-Language, Content-Language and a safelisted Content-Type).`);
  out.push(`  ${names(verdict.covers)} ${verdict.covers.length > 1 ? 'send' : 'sends'} it and log${verdict.covers.length > 1 ? '' : 's'} nothing; fetch() resolves, but script reads nothing of the answer:`);
  out.push(indent(row.title, '  '));
  const cors = inCorsMode(scenario, verdict);
  if (cors.verdict !== null) {
    const v = cors.verdict;
    const lead = v.covers.find((b) => !v.browsers[b].ok);
    const id = lead === undefined ? null : v.browsers[lead].reasonId;
    out.push(
      '',
      id === null
        ? `  In mode 'cors' (what reading it needs) the same answer ${pc.green('passes')}: drop mode 'no-cors'.`
        : `  In mode 'cors' (what reading it needs) the same answer is ${pc.red('blocked')} at the ${v.failedAt}: ${reason(id).title}`,
    );
    if (v.fixes) {
      out.push(indent(`Server: ${v.fixes.server}`, '    '));
      if (v.fixes.client) out.push(indent(`Client: ${v.fixes.client}`, '    '));
    }
  } else if (cors.problem !== null) {
    out.push('', `  In mode 'cors' (what reading it needs) it cannot be judged from this scenario: ${cors.problem}.`);
  }
  out.push('', `  ${pc.bold('Fix')}`, indent(row.fix, '    '));
  return out.join('\n');
}
