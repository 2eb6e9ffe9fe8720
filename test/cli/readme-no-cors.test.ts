/**
 * The README's `mode: 'no-cors'` report is real output: `corsproof explain
 * examples/no-cors.json`, as the README shows it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root, runCli } from './run-cli.js';

describe("the README's no-cors report", () => {
  it('is what corsproof explain prints for examples/no-cors.json', async () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const head = '$ corsproof explain no-cors.json\n';
    const start = readme.indexOf(head);
    expect(start).toBeGreaterThan(0);
    const shown = readme.slice(start + head.length, readme.indexOf('\n```\n', start));
    const run = await runCli(['explain', 'examples/no-cors.json']);
    expect(run.code).toBe(0);
    expect(run.stdout.trimEnd()).toBe(shown);
    expect(shown).toContain('⚠ Opaque');
  });
});
