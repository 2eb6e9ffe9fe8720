#!/usr/bin/env node
/**
 * The `corsproof` command line: the commands wired to their modules
 * (explain.ts, check.ts, test.ts, scan.ts, ui.ts, demo.ts). Exit codes: 0 done, 1 blocked (with
 * --exit-code, or check's verdict), 2 bad usage or input, 3 a request that
 * did not complete, 70 internal error.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { ScenarioError } from '../engine/request.js';
import { defineCheck } from './check.js';
import { defineDemo } from './demo.js';
import { defineExplain } from './explain.js';
import { defineScan } from './scan.js';
import { defineTest } from './test.js';
import { defineUi } from './ui.js';
import { UsageError, packageVersion } from './io.js';

const EXAMPLES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples');

function program(): Command {
  const cmd = new Command('corsproof')
    .description('CORS errors, explained the way real browsers see them.')
    .version(packageVersion())
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  defineExplain(cmd, EXAMPLES_DIR);
  defineCheck(cmd);
  defineTest(cmd);
  defineScan(cmd);
  defineUi(cmd);
  defineDemo(cmd);
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
