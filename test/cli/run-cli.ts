/** Run the built CLI in a child process, as a user runs it (`npm test` builds first). */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const root = join(import.meta.dirname, '..', '..');
export const bin = join(root, 'dist', 'cli', 'main.js');

/**
 * Run `corsproof <args>` with its output piped; resolves with the exit code
 * and both streams. Without colour unless `env` says otherwise.
 */
export function runCli(args: string[], env: Record<string, string | undefined> = { NO_COLOR: '1' }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
