/**
 * `corsproof explain` (and `example`): scenarios from a file or standard
 * input, judged by the engine, printed as text or JSON.
 */
import { evaluate } from '../engine/evaluate.js';
import { ScenarioError } from '../engine/request.js';
import type { Scenario, Verdict } from '../engine/types.js';
import { validateScenario } from '../engine/validate.js';
import { UsageError, parseJson, readInput } from './io.js';
import { renderVerdict } from './render.js';

export interface ExplainOptions {
  json?: boolean;
  exitCode?: boolean;
}

/** Explain the scenarios in `source`; returns the exit code. */
export function explainCommand(source: string, options: ExplainOptions): number {
  const input = parseJson(readInput(source), source);
  const many = Array.isArray(input);
  const list: unknown[] = many ? input : [input];
  if (many && list.length === 0) throw new UsageError('the input is an empty array: give at least one scenario');
  const results: Array<{ scenario: Scenario; verdict: Verdict }> = list.map((item, i) => {
    const field = many ? `[${i}]` : '';
    try {
      const scenario = validateScenario(item, field);
      return { scenario, verdict: evaluate(scenario) };
    } catch (e) {
      if (e instanceof ScenarioError && many && !e.field.startsWith('[')) {
        throw new ScenarioError(`[${i}].${e.field}`, e.message.slice(e.field.length + 2));
      }
      throw e;
    }
  });
  if (options.json) {
    const verdicts = results.map((r) => r.verdict);
    process.stdout.write(`${JSON.stringify(many ? verdicts : verdicts[0], null, 2)}\n`);
  } else {
    process.stdout.write(`${results.map((r) => renderVerdict(r.scenario, r.verdict)).join('\n\n')}\n`);
  }
  const blocked = results.some((r) => !r.verdict.ok);
  return options.exitCode && blocked ? 1 : 0;
}

