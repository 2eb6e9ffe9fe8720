/**
 * The playground page: the form read on every input, the engine's verdict
 * rendered, the scenario kept in the permalink; the other input kinds
 * (console line, cURL, HAR: inputs-view.ts) load into the same form; on
 * `corsproof ui`, the live check. The engine is the one the CLI runs
 * (src/engine), bundled by scripts/build-site.mjs.
 */
import { evaluate } from '../engine/evaluate.js';
import { ScenarioError } from '../engine/request.js';
import type { Scenario } from '../engine/types.js';
import { DEFAULT_SCENARIO, SEED_SCENARIO, ScenarioForm } from './form.js';
import type { FormProblem } from './form.js';
import type { Unknown } from './inputs.js';
import { setUpInputs } from './inputs-view.js';
import { liveAvailable, liveCheck, renderLive } from './live.js';
import { decodeScenario, fragmentFor, readFragment } from './permalink.js';
import { renderProblem, renderVerdict, statusLine } from './render.js';

const PROBLEM_ID = 'verdict-problem';
const TOKEN_KEY = 'corsproof-ui-token';
/** How long typing may pause before the address bar follows (browsers limit history.replaceState calls). */
const ADDRESS_DELAY_MS = 400;

function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`the page has no #${id}`);
  return el as T;
}

const form = new ScenarioForm(byId<HTMLFormElement>('scenario'));
const verdictBox = byId('verdict');
const announce = byId('announce');
const permalink = byId<HTMLAnchorElement>('permalink');
let addressTimer: ReturnType<typeof setTimeout> | undefined;
let current: Scenario | null = null;

/** Say the verdict to screen readers only when it changes (not on every key). */
function say(text: string): void {
  if (announce.textContent !== text) announce.textContent = text;
}

function showProblem(problem: FormProblem): void {
  form.mark(problem, PROBLEM_ID);
  verdictBox.replaceChildren(renderProblem(document, problem.message, PROBLEM_ID));
  say(`Not judged yet: ${problem.message}`);
}

/** Keep the scenario in the permalink, and (after a pause) in the address bar. */
function keep(scenario: Scenario): void {
  const fragment = fragmentFor(scenario);
  permalink.href = fragment;
  clearTimeout(addressTimer);
  // The address as it is now: if it changes before the timer (a permalink pasted or followed, whose
  // hashchange has not been handled yet), the timer must not put this scenario back over it.
  const address = location.hash;
  addressTimer = setTimeout(() => {
    if (location.hash === address && address !== fragment) history.replaceState(null, '', fragment);
  }, ADDRESS_DELAY_MS);
}

/** Read the form, judge it, show the verdict. */
function update(): void {
  const reading = form.read();
  if (!reading.ok) return showProblem(reading.problem);
  let verdict;
  try {
    verdict = evaluate(reading.scenario);
  } catch (e) {
    if (e instanceof ScenarioError) return showProblem(form.problemFor(e));
    throw e;
  }
  current = reading.scenario;
  form.mark(null, PROBLEM_ID);
  verdictBox.replaceChildren(renderVerdict(document, reading.scenario, verdict));
  const s = statusLine(verdict);
  say(`${s.word}${s.ok ? '' : s.detail}`);
  keep(reading.scenario);
}

/** Load a scenario into the form, mark what its input could not tell (`unknown`; none clears the marks), judge it. */
function load(scenario: Scenario, unknown: Unknown[] = []): void {
  form.write(scenario);
  form.flagUnknown(unknown);
  update();
}

/** The scenario the address names, or null; a damaged one is reported and the default loaded. */
function restore(): void {
  const { scenario, token } = readFragment(location.hash);
  if (token !== null) {
    try {
      sessionStorage.setItem(TOKEN_KEY, token);
    } catch {
      /* storage refused: the live check stays off */
    }
    // The token never stays in the address, so no permalink carries it.
    history.replaceState(null, '', scenario === null ? location.pathname : `#s=${scenario}`);
  }
  if (scenario === null) return load(DEFAULT_SCENARIO);
  try {
    load(decodeScenario(scenario));
  } catch (e) {
    load(DEFAULT_SCENARIO);
    const message = e instanceof ScenarioError ? `the permalink's scenario is invalid: ${e.message}` : (e as Error).message;
    showProblem({ control: '', message });
  }
}

function storedToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

/** On `corsproof ui` (a token, and the server answers with it): show the live check. */
async function setUpLive(): Promise<void> {
  const token = storedToken();
  if (token === null || !(await liveAvailable(token))) return;
  const section = byId('live');
  const button = byId<HTMLButtonElement>('live-run');
  const out = byId('live-result');
  section.hidden = false;
  button.addEventListener('click', () => {
    if (current === null) return;
    button.disabled = true;
    out.setAttribute('aria-busy', 'true');
    out.textContent = `Checking ${current.request.url}…`;
    liveCheck(token, current.request)
      .then((answer) => out.replaceChildren(renderLive(document, answer)))
      .catch((e: unknown) => out.replaceChildren(renderProblem(document, `the live check failed: ${(e as Error).message}`, 'live-problem')))
      .finally(() => {
        button.disabled = false;
        out.setAttribute('aria-busy', 'false');
      });
  });
}

form.form.addEventListener('input', (e) => {
  // A control filled in by the user is no longer one an input could not tell.
  form.unflag((e.target as HTMLElement).id);
  update();
});
form.form.addEventListener('change', (e) => {
  form.unflag((e.target as HTMLElement).id);
  update();
});
form.form.addEventListener('submit', (e) => e.preventDefault());
byId('load-seed').addEventListener('click', () => load(SEED_SCENARIO));
byId('load-default').addEventListener('click', () => load(DEFAULT_SCENARIO));
// The skip link moves focus without touching the fragment, which holds the scenario.
document.querySelector('a.skip')?.addEventListener('click', (e) => {
  e.preventDefault();
  byId('result').focus();
});
window.addEventListener('hashchange', () => {
  if (readFragment(location.hash).scenario !== null && location.hash !== permalink.getAttribute('href')) restore();
});
setUpInputs({
  doc: document,
  load,
  current: () => {
    const reading = form.read();
    return reading.ok ? reading.scenario : null;
  },
});
restore();
void setUpLive();
