/**
 * The doctor's report as text: the exchanges, the verdict with each
 * browser's console line and the fix, the fix recipes. Reads everything from
 * the verdict and the reason table; says nothing of its own about CORS. The
 * CLI prints it with colours, `corsproof/testing` puts it in assertion
 * messages without.
 */
import type { ReasonId } from '../engine/reasons.js';
import { reason } from '../engine/reasons.js';
import type { Scenario, Verdict } from '../engine/types.js';
import type { LayerFindings } from './layers.js';

/** How text is styled: picocolors' functions, or none. */
export interface Colors {
  bold: (text: string) => string;
  dim: (text: string) => string;
  red: (text: string) => string;
  green: (text: string) => string;
  yellow: (text: string) => string;
}

const same = (text: string): string => text;

/** No styling. */
export const PLAIN: Colors = { bold: same, dim: same, red: same, green: same, yellow: same };

/** MDN's page for a Firefox reason. */
export function mdnUrl(firefoxReason: string): string {
  return `https://developer.mozilla.org/docs/Web/HTTP/Guides/CORS/Errors/${firefoxReason}`;
}

function apiLabel(scenario: Scenario): string {
  const initiator = scenario.request.initiator ?? 'fetch';
  const creds = scenario.request.credentials;
  if (initiator === 'fetch') return `fetch(), credentials: '${creds}'`;
  const flag = creds === 'include' ? 'true' : 'false';
  return `${initiator === 'xhr' ? 'XMLHttpRequest' : 'EventSource'}, withCredentials = ${flag}`;
}

/** Every line of `text` indented `by`. */
export function indent(text: string, by: string): string {
  return text
    .split('\n')
    .map((line) => by + line)
    .join('\n');
}

/** The headers of an exchange that matter for CORS (and which layer answered; Allow shows a framework that answered OPTIONS itself). */
const SHOWN = /^(origin|access-control-|vary$|location$|allow$|server$|via$|x-powered-by$|content-type$)/i;

/** Render the exchanges of a live check: request line, the headers that matter, status. */
export function renderExchanges(
  exchanges: Array<{ request: { method: string; url: string; headers: Array<[string, string]> }; status: number; headers: Array<[string, string]> }>,
  layers: LayerFindings,
  pc: Colors = PLAIN,
): string {
  const out: string[] = [];
  exchanges.forEach((ex, i) => {
    out.push(`${pc.bold(`${ex.request.method} ${ex.request.url}`)}`);
    for (const [n, v] of ex.request.headers) if (SHOWN.test(n)) out.push(`  > ${n}: ${v}`);
    out.push(`  < ${ex.status}`);
    for (const [n, v] of ex.headers) if (SHOWN.test(n)) out.push(`  < ${n}: ${v}`);
    const answered = layers.perExchange[i] ?? [];
    if (answered.length > 0) out.push(pc.dim(`  answered by: ${answered.map((l) => l.name).join(' > ')}`));
  });
  for (const note of layers.notes) out.push(`${pc.yellow('Note')}: ${note}`);
  return out.join('\n');
}

/** Render one verdict as a short report. */
export function renderVerdict(scenario: Scenario, verdict: Verdict, pc: Colors = PLAIN): string {
  const out: string[] = [];
  const method = scenario.request.method ?? 'GET';
  const head = `${method} ${scenario.request.url}`;
  if (verdict.ok) {
    out.push(`${pc.green('✓ Allowed')}  ${head}`);
  } else {
    const row = reason((verdict.browsers.chromium.reasonId ?? verdict.browsers.firefox.reasonId) as ReasonId);
    out.push(`${pc.red('✗ Blocked')} at the ${verdict.failedAt}: ${row.title}`);
    out.push(`  ${head}`);
  }
  out.push(`  from ${scenario.request.origin} (${apiLabel(scenario)})`);
  const preflight = verdict.preflight.request;
  if (preflight) {
    const lines = preflight.headers.map(([n, v]) => `${n}: ${v}`).join(', ');
    out.push(`  Preflight: OPTIONS with ${lines}`);
  } else {
    out.push('  No preflight needed (safelisted method and headers).');
  }
  for (const w of verdict.warnings) {
    out.push(`  ${pc.yellow('Warning')} (${w.browser === 'firefox' ? 'Firefox' : 'Chromium'}, ${w.key})`);
    out.push(indent(w.message, '    '));
    out.push(indent(`Fix: ${w.fix}`, '    '));
  }
  if (verdict.ok) {
    const exposed = verdict.exposedHeaders.length > 0 ? verdict.exposedHeaders.join(', ') : '(none)';
    out.push(`  Script can read these response headers: ${exposed}`);
    return out.join('\n');
  }
  out.push('');
  if (verdict.chromium) {
    out.push(`  ${pc.bold('Chromium')}  ${pc.yellow(verdict.chromium.corsError ?? `net::${verdict.chromium.netError ?? 'ERR_FAILED'}`)}`);
    out.push(indent(verdict.chromium.message, '    '));
  } else {
    out.push(`  ${pc.bold('Chromium')}  allows this request.`);
  }
  if (verdict.firefox) {
    out.push(`  ${pc.bold('Firefox')}   ${pc.yellow(verdict.firefox.reason)}  ${pc.dim(mdnUrl(verdict.firefox.reason))}`);
    out.push(indent(verdict.firefox.message, '    '));
  } else {
    out.push(`  ${pc.bold('Firefox')}   allows this request.`);
  }
  if (verdict.fixes) {
    out.push('');
    out.push(`  ${pc.bold('Fix')}`);
    out.push(indent(`Server: ${verdict.fixes.server}`, '    '));
    if (verdict.fixes.client) out.push(indent(`Client: ${verdict.fixes.client}`, '    '));
  }
  return out.join('\n');
}

/** Fix recipes as the report prints them: a bold title, a dimmed note, the snippet indented by `pad`. */
export function renderRecipes(recipes: ReadonlyArray<{ title: string; snippet: string }>, note: string, pad: string, pc: Colors = PLAIN): string {
  return recipes
    .map((r) => `\n\n${pad.slice(2)}${pc.bold(`Fix for ${r.title}`)}${note ? ` ${pc.dim(note)}` : ''}\n${r.snippet.split('\n').map((l) => `${pad}${l}`).join('\n')}`)
    .join('');
}
