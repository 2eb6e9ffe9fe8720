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
import type { Command } from 'commander';
import { join } from 'node:path';
import { createReadStream, statSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

export interface ExplainOptions {
  json?: boolean;
  /** JSON Lines in and out: one scenario per input line, one verdict per output line, streamed. */
  jsonl?: boolean;
  exitCode?: boolean;
}

/**
 * One line of `explain --jsonl` output: the verdict for the scenario on that
 * input line, or why that line could not be judged (the run goes on; the
 * exit code is then 2).
 */
export type ExplainJsonlLine = Verdict | { line: number; error: { field: string | null; message: string } };

/**
 * `explain --jsonl`: read scenarios line by line and write each verdict as it
 * is reached, so memory stays flat however long the input. Blank lines are
 * skipped; a line that is not JSON or not a scenario becomes an error line.
 * Returns the exit code: 2 when any line was refused, else 1 with
 * `--exit-code` when any request is blocked, else 0.
 */
export async function explainJsonl(source: string, options: ExplainOptions): Promise<number> {
  const input = openInput(source);
  const lines = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  let refused = false;
  let blocked = false;
  let pending: string[] = [];
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const chunk = pending.join('');
    pending = [];
    if (!process.stdout.write(chunk)) await once(process.stdout, 'drain');
  };
  for await (const text of lines) {
    n++;
    if (text.trim() === '') continue;
    let out: ExplainJsonlLine;
    try {
      const verdict = evaluate(validateScenario(JSON.parse(text) as unknown));
      blocked ||= !verdict.ok;
      out = verdict;
    } catch (e) {
      if (!(e instanceof ScenarioError) && !(e instanceof SyntaxError)) throw e;
      refused = true;
      out = { line: n, error: e instanceof ScenarioError ? { field: e.field, message: e.message } : { field: null, message: `not valid JSON (${e.message})` } };
    }
    pending.push(`${JSON.stringify(out)}\n`);
    if (pending.length >= 256) await flush();
  }
  await flush();
  if (n === 0) throw new UsageError(`${source === '-' ? 'standard input' : source}: no scenario (empty input)`);
  return refused ? 2 : options.exitCode && blocked ? 1 : 0;
}

function openInput(source: string): Readable {
  if (source === '-') {
    if (process.stdin.isTTY) throw new UsageError('reading scenarios from standard input, but it is a terminal: pipe JSON Lines in, or give a file name');
    return process.stdin;
  }
  try {
    const stat = statSync(source);
    if (stat.isDirectory()) throw new UsageError(`${source}: is a directory`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `${source}: no such file` : `${source}: cannot read (${code ?? 'error'})`);
  }
  return createReadStream(source, { encoding: 'utf8' });
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


/** The `explain` and `example` commands, with their options and help. */
export function defineExplain(cmd: Command, examplesDir: string): void {
  cmd
    .command('explain')
    .description(
      'Explain a CORS scenario: what Chromium and Firefox do with the request, their exact console messages, and the fix.',
    )
    .argument('[file]', "scenario JSON file (one scenario or an array), or '-' for standard input", '-')
    .option('--json', 'print the verdict as JSON (the contract in the README)')
    .option('--jsonl', 'JSON Lines in and out: one scenario per line, one verdict (or {line, error}) per line, streamed with flat memory')
    .option('--exit-code', 'exit with 1 when a browser would block any of the requests')
    .addHelpText(
      'after',
      `
Scenario JSON:
  {"request": {"url": "https://api.example.com/me", "origin": "https://app.example.com",
               "method": "GET", "headers": [["Authorization", "Bearer x"]],
               "credentials": "include", "initiator": "fetch"},
   "preflight": {"status": 204, "headers": [["Access-Control-Allow-Origin", "https://app.example.com"]]},
   "response": {"status": 200, "headers": [["Access-Control-Allow-Origin", "*"]]}}

Examples:
  corsproof explain ${join('examples', 'credentials-wildcard.json')}
  corsproof explain --json scenarios.json
  corsproof explain --jsonl scenarios.jsonl > verdicts.jsonl
  cat scenario.json | corsproof explain -

Exit codes: 0 explained, 1 blocked (only with --exit-code), 2 bad usage or input (with --jsonl: any line refused).`,
    )
    .action(async (file: string, options: ExplainOptions) => {
      if (options.jsonl && options.json) throw new UsageError('give one of --json and --jsonl');
      process.exitCode = options.jsonl ? await explainJsonl(file, options) : explainCommand(file, options);
    });
  cmd
    .command('example')
    .description('Explain the bundled example: a credentialed request answered with Access-Control-Allow-Origin: *.')
    .option('--json', 'print the verdict as JSON')
    .action((options: ExplainOptions) => {
      process.exitCode = explainCommand(join(examplesDir, 'credentials-wildcard.json'), options);
    });
}
