/**
 * `corsproof explain` (and `example`): scenarios from a file or standard
 * input, judged by the engine, printed as text or JSON.
 */
import type { ConsoleField, ConsoleGiven, ConsoleNotRecognised, ConsoleReading } from '../engine/console.js';
import { readConsoleLine, readingContext } from '../engine/console.js';
import { evaluate } from '../engine/evaluate.js';
import { reason } from '../engine/reasons.js';
import { ScenarioError, parseOrigin } from '../engine/request.js';
import type { CredentialsMode, EvaluateOptions, Fix, Initiator, Scenario, Verdict } from '../engine/types.js';
import { validateScenario } from '../engine/validate.js';
import type { JsonStamp } from './io.js';
import { BROWSERS_HELP, UsageError, parseJson, readBrowsers, readInput, stamped } from './io.js';
import { renderVerdict } from './render.js';
import pc from './colors.js';
import type { Command } from 'commander';
import { join } from 'node:path';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

export interface ExplainOptions {
  json?: boolean;
  /** A console line from Chromium, Firefox or WebKit (Safari) ('-': standard input) instead of a scenario. */
  console?: string;
  // What the line may not say, for --console.
  origin?: string;
  method?: string;
  header?: string[];
  credentials?: string;
  initiator?: string;
  /** JSON Lines in and out: one scenario per input line, one verdict per output line, streamed. */
  jsonl?: boolean;
  exitCode?: boolean;
  /** --browsers: comma-separated, all three when not given. */
  browsers?: string;
}

/** `evaluate()`'s options for the --browsers given (none: all three browsers). */
function evaluateOptions(options: ExplainOptions): EvaluateOptions | undefined {
  const browsers = readBrowsers(options.browsers);
  return browsers === undefined ? undefined : { browsers };
}

/**
 * One line of `explain --jsonl` output: the verdict for the scenario on that
 * input line, or why that line could not be judged (the run goes on; the
 * exit code is then 2).
 */
export type ExplainJsonlLine = JsonStamp & (Verdict | { line: number; error: { field: string | null; message: string } });

/**
 * `explain --jsonl`: read scenarios line by line and write each verdict as it
 * is reached, so memory stays flat however long the input. Blank lines are
 * skipped; a line that is not JSON or not a scenario becomes an error line.
 * Returns the exit code: 2 when any line was refused, else 1 with
 * `--exit-code` when any request is blocked, else 0.
 */
export async function explainJsonl(source: string, options: ExplainOptions): Promise<number> {
  const judged = evaluateOptions(options);
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
    let out: Verdict | { line: number; error: { field: string | null; message: string } };
    try {
      const verdict = evaluate(validateScenario(JSON.parse(text) as unknown), judged);
      blocked ||= !verdict.ok;
      out = verdict;
    } catch (e) {
      if (!(e instanceof ScenarioError) && !(e instanceof SyntaxError)) throw e;
      refused = true;
      out = { line: n, error: e instanceof ScenarioError ? { field: e.field, message: e.message } : { field: null, message: `not valid JSON (${e.message})` } };
    }
    pending.push(`${JSON.stringify(stamped(out))}\n`);
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
  const judged = evaluateOptions(options);
  const input = parseJson(readInput(source), source);
  const many = Array.isArray(input);
  const list: unknown[] = many ? input : [input];
  if (many && list.length === 0) throw new UsageError('the input is an empty array: give at least one scenario');
  const results: Array<{ scenario: Scenario; verdict: Verdict }> = list.map((item, i) => {
    const field = many ? `[${i}]` : '';
    try {
      const scenario = validateScenario(item, field);
      return { scenario, verdict: evaluate(scenario, judged) };
    } catch (e) {
      if (e instanceof ScenarioError && many && !e.field.startsWith('[')) {
        throw new ScenarioError(`[${i}].${e.field}`, e.message.slice(e.field.length + 2));
      }
      throw e;
    }
  });
  if (options.json) {
    const verdicts = results.map((r) => r.verdict);
    process.stdout.write(`${JSON.stringify(many ? verdicts.map(stamped) : stamped(verdicts[0] as Verdict), null, 2)}\n`);
  } else {
    process.stdout.write(`${results.map((r) => renderVerdict(r.scenario, r.verdict)).join('\n\n')}\n`);
  }
  const blocked = results.some((r) => !r.verdict.ok);
  return options.exitCode && blocked ? 1 : 0;
}


/**
 * `explain --console --json`: what was read from the console line (the
 * reading, with its draft scenario), and the verdict for that draft; or,
 * when no scenario can fail that way, the fix from the reason table alone.
 */
export interface ExplainConsoleJson {
  reading: ConsoleReading;
  /** The verdict for `reading.scenario`, or `null` when there is none. */
  verdict: Verdict | null;
  /** The fix: the verdict's, or the reason row's for the line when there is no scenario. */
  fixes: Fix | null;
}

/** How to tell corsproof each field a console line does not say. */
const FIELD_FLAGS: Record<ConsoleField, string> = {
  url: "paste Chromium's network line too (\"GET https://... net::ERR_...\")",
  origin: '--origin <origin>',
  initiator: '--initiator fetch|xhr|eventsource',
  method: '--method <method>',
  'request-headers': '-H "Name: value" (repeatable)',
  credentials: '--credentials omit|same-origin|include',
  status: 'a live check reads it',
  preflight: '--method and -H decide whether there is one',
  'response-headers': 'a live check reads them: corsproof check <url> --origin <origin>',
  reason: 'the line cannot tell; the candidates are listed',
};

const FIELD_WORDS: Record<ConsoleField, string> = {
  url: 'URL',
  origin: 'page origin',
  initiator: 'client API',
  method: 'method',
  'request-headers': 'request headers',
  credentials: 'credentials',
  status: 'status',
  preflight: 'failed at',
  'response-headers': 'response headers',
  reason: 'reason',
};

const CONSOLE_ONLY = ['origin', 'method', 'header', 'credentials', 'initiator'] as const;

/** The flags that fill what a console line does not say, checked. */
export function consoleGiven(o: ExplainOptions): ConsoleGiven {
  const given: ConsoleGiven = {};
  if (o.origin !== undefined) {
    try {
      given.origin = parseOrigin(o.origin, '--origin');
    } catch (e) {
      if (e instanceof ScenarioError) throw new UsageError(e.message);
      throw e;
    }
  }
  if (o.method !== undefined) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(o.method)) throw new UsageError(`--method '${o.method}' is not a method name`);
    given.method = o.method;
  }
  if (o.credentials !== undefined) {
    if (!['omit', 'same-origin', 'include'].includes(o.credentials)) throw new UsageError(`--credentials must be omit, same-origin or include, not '${o.credentials}'`);
    given.credentials = o.credentials as CredentialsMode;
  }
  if (o.initiator !== undefined) {
    if (!['fetch', 'xhr', 'eventsource'].includes(o.initiator)) throw new UsageError(`--initiator must be fetch, xhr or eventsource, not '${o.initiator}'`);
    given.initiator = o.initiator as Initiator;
  }
  if (o.header !== undefined) given.headers = o.header.map(parseHeaderLine);
  return given;
}

function parseHeaderLine(line: string): [string, string] {
  const colon = line.indexOf(':');
  if (colon <= 0) throw new UsageError(`-H '${line}': expected "Name: value"`);
  return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
}

function readConsoleInput(source: string): string {
  if (source !== '-') return source;
  if (process.stdin.isTTY) throw new UsageError("reading the console line from standard input, but it is a terminal: pipe it in, or give it as --console '<line>'");
  return readFileSync(0, 'utf8');
}

/** `explain --console <line>`: read the line, explain its draft scenario; returns the exit code. */
export function explainConsoleCommand(source: string, options: ExplainOptions): number {
  const given = consoleGiven(options);
  const judged = evaluateOptions(options);
  const result = readConsoleLine(readConsoleInput(source), given);
  if (!result.recognised) {
    if (options.json) process.stdout.write(`${JSON.stringify(stamped(result), null, 2)}\n`);
    throw new UsageError(notRecognisedMessage(result));
  }
  const verdict = result.scenario !== null ? evaluate(result.scenario, judged) : null;
  const fixes = verdict?.fixes ?? rowFix(result);
  if (options.json) {
    const out: ExplainConsoleJson = { reading: result, verdict, fixes };
    process.stdout.write(`${JSON.stringify(stamped(out), null, 2)}\n`);
  } else {
    process.stdout.write(`${renderReading(result, verdict, fixes)}\n`);
  }
  return options.exitCode && (verdict === null || !verdict.ok) ? 1 : 0;
}

function notRecognisedMessage(r: ConsoleNotRecognised): string {
  return r.warningId !== null ? r.why : `not a console line corsproof recognises: ${r.why}`;
}

/** The row's fix for the line, from the reason table (for lines no scenario reproduces). */
function rowFix(r: ConsoleReading): Fix {
  const row = reason(r.reasonId);
  const ctx = readingContext(r);
  return { server: row.fixServer(ctx), client: row.fixClient(ctx) };
}

function browserName(r: ConsoleReading): string {
  return r.browser === 'chromium' ? 'Chromium' : r.browser === 'firefox' ? 'Firefox' : 'WebKit';
}

const API_WORDS: Record<Initiator, string> = { fetch: 'fetch()', xhr: 'XMLHttpRequest', eventsource: 'EventSource' };

/** What the line says, field by field. */
function renderRecognised(r: ConsoleReading): string[] {
  const row = reason(r.reasonId);
  const where = r.preflight === null ? '' : r.preflight ? ', at the preflight' : r.netError ? '' : ', at the response';
  const api = r.initiator === null ? '' : `, ${API_WORDS[r.initiator]}`;
  const code = r.corsError ?? (r.netError ? `net::${r.netError}` : null) ?? (r.firefoxReason ? `${r.firefoxReason} (${r.firefoxKey ?? ''})` : '');
  const out = [`${pc.bold('Recognised')} a ${browserName(r)} console line${api}${where}`, `  Reason           ${r.reasonId}  ${pc.yellow(code)}`, `                   ${row.title}`];
  if (r.candidates.length > 1) {
    out.push(`  ${browserName(r)} prints the same line for: ${r.candidates.map((id) => `${id} (${reason(id).title.replace(/\.$/, '')})`).join('; ')}`);
  }
  const field = (name: string, value: string | number | null): void => {
    if (value !== null) out.push(`  ${name.padEnd(17)}${value}`);
  };
  field('URL', r.url);
  field('Redirected from', r.redirectedFrom);
  field('Page origin', r.origin ?? `(${browserName(r)}'s line does not name it)`);
  field('Method', r.method);
  field('Credentials', r.credentials);
  field('Status', r.status);
  if (r.value !== null) field(r.valueName ?? 'Value', r.value === '' ? "'' (empty or absent)" : r.value);
  if (r.ignored.length > 0) field('Left aside', r.ignored.map((s) => (s.length > 60 ? `${s.slice(0, 57)}...` : s)).join(' | '));
  return out;
}

/** What the draft assumed, and the flag that gives each. */
function renderAssumed(r: ConsoleReading): string[] {
  if (r.assumed.length === 0) return [];
  const out = ['', `${pc.bold('Assumed')} (the line does not say; give them to judge your own request):`];
  for (const a of r.assumed) out.push(`  ${FIELD_WORDS[a.field].padEnd(17)}${a.value}  ${pc.dim(`(${FIELD_FLAGS[a.field]})`)}`);
  if (!r.assumed.some((a) => a.field === 'response-headers') && r.url !== null) {
    const origin = r.assumed.some((a) => a.field === 'origin') ? '<origin>' : (r.origin ?? r.scenario?.request.origin ?? '<origin>');
    out.push(`  ${FIELD_WORDS['response-headers'].padEnd(17)}only what the message reveals  ${pc.dim(`(${FIELD_FLAGS['response-headers'].replace('<url>', r.url).replace('<origin>', origin)})`)}`);
  }
  return out;
}

function renderReading(r: ConsoleReading, verdict: Verdict | null, fixes: Fix | null): string {
  const out = [...renderRecognised(r), ...renderAssumed(r), ''];
  if (r.scenario !== null && verdict !== null) {
    if (!r.reproduces) out.push(`${pc.yellow('Note')}: the draft does not reproduce the line exactly: ${r.note ?? ''}`, '');
    out.push(renderVerdict(r.scenario, verdict));
    return out.join('\n');
  }
  out.push(`${pc.yellow('Note')}: ${r.note ?? 'no scenario'}`, '', `  ${pc.bold(browserName(r))}`, `    ${r.message}`);
  if (fixes) {
    out.push('', `  ${pc.bold('Fix')}`, `    Server: ${fixes.server}`);
    if (fixes.client) out.push(`    Client: ${fixes.client}`);
  }
  return out.join('\n');
}


/** The `explain` and `example` commands, with their options and help. */
export function defineExplain(cmd: Command, examplesDir: string): void {
  cmd
    .command('explain')
    .description(
      'Explain a CORS scenario: what Chromium, Firefox and WebKit (Safari) do with the request, their exact console messages, and the fix.',
    )
    .argument('[file]', "scenario JSON file (one scenario or an array), or '-' for standard input", '-')
    .option('--json', 'print the verdict as JSON (the contract in the README)')
    .option('--jsonl', 'JSON Lines in and out: one scenario per line, one verdict (or {line, error}) per line, streamed with flat memory')
    .option('--exit-code', 'exit with 1 when a browser would block any of the requests')
    .option('--browsers <list>', BROWSERS_HELP)
    .option('--console <line>', "a console line from Chromium, Firefox or WebKit (Safari) ('-': standard input), instead of a scenario: what it says, and the explanation for a scenario drafted from it")
    .option('--origin <origin>', "with --console: the page's origin (Firefox's lines do not name it)")
    .option('--method <method>', 'with --console: the request method, when the line does not say')
    .option('-H, --header <line>', 'with --console: a request header script sets, "Name: value" (repeatable)', (v: string, all: string[] | undefined) => [...(all ?? []), v])
    .option('--credentials <mode>', 'with --console: omit, same-origin or include, when the line does not say')
    .option('--initiator <api>', "with --console: fetch, xhr or eventsource (Firefox's lines do not say)")
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
  corsproof explain --exit-code --browsers chromium,firefox scenario.json
  cat scenario.json | corsproof explain -
  corsproof explain --console "Access to fetch at 'https://api.example.com/me' from origin 'https://app.example.com' has been blocked by CORS policy: ..."
  pbpaste | corsproof explain --console - --origin https://app.example.com

Each verdict covers Chromium, Firefox and WebKit (Safari) unless --browsers names fewer: "ok" is true when every
browser it covers lets script read the response; every browser is still reported (its lines, "webkit", "requests").
Exit codes: 0 explained, 1 blocked in a covered browser (only with --exit-code), 2 bad usage or input (with --jsonl:
any line refused; with --console: a line that is not a CORS console line corsproof recognises).`,
    )
    .action(async (file: string, options: ExplainOptions, command: Command) => {
      if (options.jsonl && options.json) throw new UsageError('give one of --json and --jsonl');
      if (options.console !== undefined) {
        if (command.args.length > 0) throw new UsageError('give a scenario file or --console, not both');
        if (options.jsonl) throw new UsageError('--jsonl reads scenarios; --console reads one console line (use --json)');
        process.exitCode = explainConsoleCommand(options.console, options);
        return;
      }
      const consoleOnly = CONSOLE_ONLY.find((k) => options[k] !== undefined);
      if (consoleOnly !== undefined) throw new UsageError(`--${consoleOnly} goes with --console (a scenario file says it itself)`);
      process.exitCode = options.jsonl ? await explainJsonl(file, options) : explainCommand(file, options);
    });
  cmd
    .command('example')
    .description('Explain the bundled example: a credentialed request answered with Access-Control-Allow-Origin: *.')
    .option('--json', 'print the verdict as JSON')
    .option('--browsers <list>', BROWSERS_HELP)
    .action((options: ExplainOptions) => {
      process.exitCode = explainCommand(join(examplesDir, 'credentials-wildcard.json'), options);
    });
}
