/**
 * The live check, on `corsproof ui` only: the page asks the local server
 * (same origin, with the launch's token) to send the form's request to the
 * live URL with the doctor, and shows what came back. On a static host there
 * is no token and the page never calls the API.
 */
import type { ScenarioRequest } from '../engine/types.js';
import type { CheckAnswerJson, HealthJson, LiveReportJson } from '../ui/api.js';
import { CHECK_PATH, HEALTH_PATH, TOKEN_HEADER } from '../ui/api.js';
import { h, withCode } from './dom.js';
import { renderProblem, renderVerdict } from './render.js';

/** Whether the server that served the page answers live checks for this token. */
export async function liveAvailable(token: string): Promise<boolean> {
  try {
    const res = await fetch(HEALTH_PATH, { headers: { [TOKEN_HEADER]: token }, cache: 'no-store', credentials: 'omit' });
    if (!res.ok) return false;
    return ((await res.json()) as HealthJson).live === true;
  } catch {
    return false;
  }
}

/** Run the live check of a request; the server's answer (a report, a network failure, or a refusal). */
export async function liveCheck(token: string, request: ScenarioRequest): Promise<CheckAnswerJson> {
  const res = await fetch(CHECK_PATH, {
    method: 'POST',
    headers: { [TOKEN_HEADER]: token, 'Content-Type': 'application/json' },
    body: JSON.stringify(request),
    cache: 'no-store',
    credentials: 'omit',
  });
  const type = res.headers.get('content-type') ?? '';
  if (!type.startsWith('application/json')) return { error: { kind: 'invalid', message: `the server answered ${res.status}: ${(await res.text()).trim()}` } };
  return (await res.json()) as CheckAnswerJson;
}

/** The exchanges the server made: request line, status and each header line as received. */
function exchangesPart(doc: Document, report: LiveReportJson): HTMLElement {
  return h(
    doc,
    'section',
    { class: 'exchanges' },
    h(doc, 'h3', {}, 'What the server sent and got'),
    ...report.exchanges.map((ex) =>
      h(
        doc,
        'pre',
        { class: 'console' },
        [`${ex.request.method} ${ex.request.url}`, ...ex.request.headers.map(([n, v]) => `> ${n}: ${v}`), `< ${ex.status}`, ...ex.headers.map(([n, v]) => `< ${n}: ${v}`)].join('\n'),
      ),
    ),
  );
}

/** Render the server's answer: the report's verdict (ids prefixed `live-`), its findings and exchanges. */
export function renderLive(doc: Document, answer: CheckAnswerJson): HTMLElement {
  if ('error' in answer) {
    return renderProblem(doc, answer.error.message, 'live-problem');
  }
  const findings = [...answer.cookies, ...answer.exposure].map((f) => h(doc, 'li', {}, h(doc, 'strong', {}, f.severity === 'error' ? 'Problem: ' : 'Note: '), ...withCode(doc, f.message)));
  return h(
    doc,
    'div',
    { class: 'live-report' },
    renderVerdict(doc, answer.scenario, answer.verdict, 'live-'),
    findings.length > 0 ? h(doc, 'section', { class: 'findings' }, h(doc, 'h3', {}, 'What the headers expose'), h(doc, 'ul', {}, ...findings)) : null,
    exchangesPart(doc, answer),
  );
}
