/**
 * What the commands share: reading the user's input, and the error that
 * means "the input is wrong" (printed without a stack, exit code 2).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BROWSER_NAMES, MODELED_VERSIONS } from '../engine/browsers.js';
import type { BrowserName } from '../engine/types.js';

/** corsproof's version, from its package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
}

/** What every JSON output of the CLI carries first: which corsproof wrote it, and the browser releases its engine models. */
export interface JsonStamp {
  corsproofVersion: string;
  browserVersions: Readonly<Record<BrowserName, string>>;
}

let stamp: JsonStamp | undefined;

/** `value` with the {@link JsonStamp} before its own fields. */
export function stamped<T extends object>(value: T): JsonStamp & T {
  stamp ??= { corsproofVersion: packageVersion(), browserVersions: MODELED_VERSIONS };
  return { ...stamp, ...value };
}

/** A problem with what the user gave us: printed without a stack, exit code 2. */
export class UsageError extends Error {}

/** A file's text, or standard input's for '-' (a byte order mark dropped). */
export function readInput(source: string): string {
  if (source === '-') {
    if (process.stdin.isTTY) throw new UsageError("reading a scenario from standard input, but it is a terminal: pipe JSON in, or give a file name");
    return readFileSync(0, 'utf8');
  }
  try {
    // A UTF-8 byte order mark (some editors and Windows tools write one) is not part of the JSON.
    return readFileSync(source, 'utf8').replace(/^\uFEFF/, '');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === 'ENOENT' ? `${source}: no such file` : code === 'EISDIR' ? `${source}: is a directory` : `${source}: cannot read (${code ?? 'error'})`,
    );
  }
}

/** JSON, or a UsageError naming the input. */
export function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const name = source === '-' ? 'standard input' : source;
    throw new UsageError(`${name}: not valid JSON (${(e as Error).message})`);
  }
}


/** `--timeout <seconds>` read into milliseconds, or a UsageError: a number of seconds above 0, at most 3600. */
export function readTimeoutMs(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) throw new UsageError(`--timeout must be a number of seconds from 0 to 3600, not '${value}'`);
  return seconds * 1000;
}

/**
 * `--browsers <list>` read: comma-separated names of the browsers the verdict
 * covers (`ok`, `failedAt`, the fix, the exit code), each once, in the
 * verdict's order; `undefined` (all three) when not given. A UsageError
 * lists the valid names.
 */
export function readBrowsers(value: string | undefined): BrowserName[] | undefined {
  if (value === undefined) return undefined;
  const given = value.split(',').map((name) => name.trim().toLowerCase());
  const valid = BROWSER_NAMES.join(', ');
  if (given.every((name) => name === '')) throw new UsageError(`--browsers needs at least one of ${valid}`);
  const unknown = given.filter((name) => !(BROWSER_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) {
    const named = unknown.map((name) => (name === '' ? 'an empty name' : `'${name}'`)).join(', ');
    const hint = unknown.includes('safari') ? " (Safari's engine is webkit)" : unknown.includes('chrome') || unknown.includes('edge') ? " (Chrome's and Edge's engine is chromium)" : '';
    throw new UsageError(`--browsers: ${named} ${unknown.length > 1 ? 'are not browsers' : 'is not a browser'} corsproof models${hint}; give a comma-separated list of ${valid}`);
  }
  return BROWSER_NAMES.filter((name) => given.includes(name));
}

/** The browsers' names as the report says them. */
export const BROWSERS_HELP = `comma-separated browsers the verdict covers (ok, the exit code, the fix): ${BROWSER_NAMES.join(', ')} (default: all three; a request that fails only in Safari still fails for its users)`;
