/**
 * The README's example report is real output: `corsproof check` against the
 * demo API whose Access-Control-Allow-Origin is set by both proxy and app.
 * Regenerate it with CORSPROOF_UPDATE_README=1 when the report changes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningDemo } from '../../src/demo/servers.js';
import { DEMO_PAGE, startDemos, stopDemos } from '../../src/demo/servers.js';
import { root, runCli } from './run-cli.js';

const README = join(root, 'README.md');
const START = '<!-- example-report: start -->';
const END = '<!-- example-report: end -->';
/** Ports change from run to run. */
const normalize = (text: string): string => text.replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:41234');

describe('the README example report', () => {
  let demos: RunningDemo[] = [];
  beforeAll(async () => {
    demos = await startDemos(DEMO_PAGE);
  });
  afterAll(async () => {
    await stopDemos(demos);
  });

  it('is what corsproof check prints', async () => {
    const demo = demos.find((d) => d.demo.id === 'acao-twice');
    expect(demo).toBeDefined();
    const args = ['check', (demo as RunningDemo).url, '--origin', DEMO_PAGE, '--stack', 'corsproof-express'];
    const r = await runCli(args);
    expect(r.code).toBe(1);
    const block = ['```console', `$ corsproof ${normalize(args.join(' '))}`, normalize(r.stdout).trimEnd(), '$ echo $?', '1', '```'].join('\n');
    const readme = readFileSync(README, 'utf8');
    const start = readme.indexOf(START);
    const end = readme.indexOf(END);
    expect(start).toBeGreaterThan(0);
    expect(end).toBeGreaterThan(start);
    const current = readme.slice(start + START.length, end).trim();
    if (process.env.CORSPROOF_UPDATE_README === '1' && current !== block) {
      writeFileSync(README, `${readme.slice(0, start + START.length)}\n${block}\n${readme.slice(end)}`);
      return;
    }
    expect(current).toBe(block);
  });
});
