#!/usr/bin/env node
/**
 * The `corsproof` command line: the commands wired to their modules
 * (explain.ts, check.ts, demo.ts). Exit codes: 0 done, 1 blocked (with
 * --exit-code, or check's verdict), 2 bad usage or input, 3 a request that
 * did not complete, 70 internal error.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { PROBE_ORIGIN } from '../doctor/exposure.js';
import { ScenarioError } from '../engine/request.js';
import type { CheckCliOptions } from './check.js';
import { checkCommand } from './check.js';
import { demoCommand } from './demo.js';
import type { ExplainOptions } from './explain.js';
import { explainCommand, explainJsonl } from './explain.js';
import { UsageError } from './io.js';

const EXAMPLES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples');

function program(): Command {
  const cmd = new Command('corsproof')
    .description('CORS errors, explained the way real browsers see them.')
    .version(JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json'), 'utf8')).version as string)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
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
    .command('check')
    .description('Send what the browser would send (the preflight, then the request with Origin) to a live URL and explain the verdict.')
    .argument('[url]', 'the URL the page requests')
    .option('--origin <origin>', "the page's origin, e.g. https://app.example.com (required unless --curl has an Origin header)")
    .option('--curl <command>', 'a "Copy as cURL" command from Chromium or Firefox DevTools (bash/POSIX or Windows cmd form; the preflight\'s row works too), instead of a URL and options')
    .option('--har <file>', 'diagnose offline from a HAR export: every cross-origin request in it, or the one --entry names')
    .option('--entry <n>', 'with --har: only this entry (its index in log.entries)')
    .option('--stack <id>', 'print the fix for this stack instead of the detected one (e.g. nginx, express-cors, corsproof-express, django)')
    .option('--method <method>', 'the request method', 'GET')
    .option('-H, --header <line>', 'a request header script sets, "Name: value" (repeatable)', (v: string, all: string[] | undefined) => [...(all ?? []), v])
    .option('--credentials <mode>', "omit, same-origin or include (default: same-origin, and the report says what 'include' would change; with --har: per entry, from its cookies and the browser's own record)")
    .option('--initiator <api>', 'fetch, xhr or eventsource', 'fetch')
    .option('--timeout <seconds>', 'give up on a request after this long', '10')
    .option('--insecure', 'accept an untrusted TLS certificate (browsers will not)')
    .option(
      '--no-probe',
      `do not send the extra requests: from ${PROBE_ORIGIN} (a preflight, or the same GET without credentials), which checks whether the server allows any origin, and the same GET or HEAD without Origin (as an <img> sends it), which checks what a cache may serve to the page's request`,
    )
    .option('--json', 'print the verdict and the exchanges as JSON')
    .addHelpText(
      'after',
      `
Examples:
  corsproof check https://api.example.com/v1/me --origin https://app.example.com --credentials include
  corsproof check https://api.example.com/items/7 --origin https://app.example.com --method PUT -H 'Content-Type: application/json'
  corsproof check --curl "$(pbpaste)"          # DevTools > Network > right-click the request > Copy as cURL
  corsproof check --har session.har --json     # DevTools > Network > Save all as HAR
  corsproof check https://api.example.com/v1/me --origin https://app.example.com --stack nginx

Exit codes: 0 the browser allows it, 1 it blocks it (with --har: any entry), 2 bad usage or input, 3 the request did not complete.`,
    )
    .action(async (url: string | undefined, options: CheckCliOptions) => {
      process.exitCode = await checkCommand(url, options);
    });
  cmd
    .command('demo', { isDefault: true })
    .description('Start local APIs with the common CORS failures, check each like a browser, and show the fix (what npm start runs).')
    .option('--json', 'print the verdicts as JSON')
    .action(async (options: { json?: boolean }) => {
      process.exitCode = await demoCommand(options);
    });
  cmd
    .command('example')
    .description('Explain the bundled example: a credentialed request answered with Access-Control-Allow-Origin: *.')
    .option('--json', 'print the verdict as JSON')
    .action((options: ExplainOptions) => {
      process.exitCode = explainCommand(join(EXAMPLES_DIR, 'credentials-wildcard.json'), options);
    });
  return cmd;
}

function fail(message: string, code: number): void {
  process.stderr.write(`corsproof: ${message}\n`);
  process.exitCode = code;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await program().parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version are not errors; everything else commander reports is a usage error.
      process.exitCode = e.exitCode === 0 ? 0 : 2;
    } else if (e instanceof ScenarioError) {
      fail(`invalid scenario: ${e.message}`, 2);
    } else if (e instanceof UsageError) {
      fail(e.message, 2);
    } else {
      fail(`internal error: ${(e as Error).message ?? String(e)} (please report this)`, 70);
    }
  }
}

void main(process.argv);
