/** Run the built CLI in a child process, as a user runs it (`npm test` builds first). */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const root = join(import.meta.dirname, '..', '..');
export const bin = join(root, 'dist', 'cli', 'main.js');

/** What a finished CLI run gave: its exit code and both streams. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Start `corsproof <args>` with its output piped, for tests that talk to it
 * while it runs (standard input, signals): the child, and its run once it
 * ends. Without colour unless `env` says otherwise.
 */
export function startCli(args: string[], env: Record<string, string | undefined> = { NO_COLOR: '1' }): { child: ChildProcessWithoutNullStreams; done: Promise<CliRun> } {
  const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliRun>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

/**
 * Run `corsproof <args>` with its output piped; resolves with the exit code
 * and both streams. Without colour unless `env` says otherwise.
 */
export function runCli(args: string[], env: Record<string, string | undefined> = { NO_COLOR: '1' }): Promise<CliRun> {
  const { child, done } = startCli(args, env);
  child.stdin.end();
  return done;
}
