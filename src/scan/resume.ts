/**
 * A scan's state file (`corsproof scan --resume <file>`), so that an
 * interrupted scan of thousands of routes picks up where it stopped.
 *
 * JSON Lines. The first line is a header: the state format and what
 * changes a route's result (the corsproof version, the legit origins, the
 * methods the scanner may send, --insecure, and a SHA-256 digest of the
 * credentials and script headers, never the values). Then one line per
 * finished route, appended as it finishes: its {@link targetKey}, status,
 * error, legit origins, request count and findings (without their source,
 * which comes from the inventory being scanned). Only newline-terminated
 * lines count: a torn last line (the process killed mid-write) is dropped
 * and cut off, so the next line starts clean. The file is read once, in
 * chunks, keeping each route's key and byte range (not its findings); a
 * route's stored result is read back when the inventory reaches it.
 */
import { createHash } from 'node:crypto';
import { closeSync, fdatasyncSync, ftruncateSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import type { HeaderList } from '../engine/types.js';
import type { ScanAuth } from './plan.js';
import type { RouteResult } from './run.js';
import { targetKey } from './targets.js';
import type { Finding, ScanTarget } from './types.js';

/**
 * The state format written in the header; another is refused. 2: findings'
 * `browsers` has `webkit` (a route judged by format 1 was judged in Chromium
 * and Firefox only).
 */
export const STATE_FORMAT = 2;

/** What changes a route's result: a state file is resumed only with the same. */
export interface StateOptions {
  /** The corsproof version (another judges differently). */
  version: string;
  /** `--origin`, in order (the first is the pages' origin of the plan). */
  origins: string[];
  /** `--methods`. */
  methods: string[];
  insecure: boolean;
  /** SHA-256 of the credential and script headers (`--cookie`, `--bearer`, `-H`), hex: the values are not stored. */
  auth: string;
}

/** The {@link StateOptions} of a scan. */
export function stateOptions(version: string, options: { origins: readonly string[]; auth: ScanAuth; insecure: boolean }): StateOptions {
  const headers = (list: HeaderList): string[][] => list.map(([n, v]) => [n.toLowerCase(), v]);
  const auth = createHash('sha256')
    .update(JSON.stringify([headers(options.auth.credentialHeaders), headers(options.auth.scriptHeaders)]))
    .digest('hex');
  return { version, origins: [...options.origins], methods: [...options.auth.methods], insecure: options.insecure, auth };
}

/** A state file that cannot be resumed (another scan's options, not a state file, a damaged line): the message says why and what to do. */
export class StateFileError extends Error {}

/** One finished route as stored: its RouteResult without the target (its key instead) and without the findings' source. */
export interface StoredRoute {
  key: string;
  status: RouteResult['status'];
  error: RouteResult['error'];
  legitOrigins: string[];
  requests: number;
  findings: Array<Omit<Finding, 'source'>>;
}

interface Header {
  corsproof: 'scan-state';
  format: number;
  options: StateOptions;
}

const HEADER_START = '{"corsproof":"scan-state"';
const CHUNK = 1 << 20;
/** At most one fdatasync a second while scanning: a power loss costs at most that second's routes (scanned again). */
const SYNC_EVERY_MS = 1000;

/** The differences between a state file's options and this scan's, as flags (empty: the same). */
export function optionsDiffer(stored: StateOptions, current: StateOptions): string[] {
  const out: string[] = [];
  const list = (xs: readonly string[] | undefined): string => (!Array.isArray(xs) || xs.length === 0 ? 'none' : xs.join(', '));
  if (stored.version !== current.version) out.push(`corsproof version (there ${stored.version}, here ${current.version})`);
  if (JSON.stringify(stored.origins) !== JSON.stringify(current.origins)) out.push(`--origin (there ${list(stored.origins)}; here ${list(current.origins)})`);
  if (JSON.stringify(stored.methods) !== JSON.stringify(current.methods)) out.push(`--methods (there ${list(stored.methods)}; here ${list(current.methods)})`);
  if (stored.insecure !== current.insecure) out.push(`--insecure (there ${stored.insecure ? 'given' : 'not given'}; here ${current.insecure ? 'given' : 'not given'})`);
  if (stored.auth !== current.auth) out.push('--cookie, --bearer or -H (other values)');
  return out;
}

/** Each newline-terminated line of the file from `start`, with its byte range, read in chunks; `end` is where the last complete line ends. */
function* lines(fd: number, start: number): Generator<{ text: string; offset: number; length: number }, number> {
  let pending: Buffer[] = [];
  let lineStart = start;
  let position = start;
  const chunk = Buffer.allocUnsafe(CHUNK);
  for (;;) {
    const read = readSync(fd, chunk, 0, CHUNK, position);
    if (read === 0) return lineStart;
    let from = 0;
    for (let nl = chunk.indexOf(10, 0); nl !== -1 && nl < read; nl = chunk.indexOf(10, from)) {
      const bytes = Buffer.concat([...pending, chunk.subarray(from, nl)]);
      pending = [];
      yield { text: bytes.toString('utf8'), offset: lineStart, length: bytes.length };
      lineStart += bytes.length + 1;
      from = nl + 1;
    }
    if (from < read) pending.push(Buffer.from(chunk.subarray(from, read)));
    position += read;
  }
}

function parseStored(text: string): StoredRoute | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const v = value as Partial<StoredRoute> | null;
  if (typeof v !== 'object' || v === null || typeof v.key !== 'string' || typeof v.status !== 'string' || !Array.isArray(v.findings)) return null;
  if (typeof v.requests !== 'number' || !Array.isArray(v.legitOrigins)) return null;
  return v as StoredRoute;
}

function parseHeader(text: string): Header | null {
  try {
    const h = JSON.parse(text) as Partial<Header> | null;
    return h !== null && typeof h === 'object' && h.corsproof === 'scan-state' && typeof h.format === 'number' && typeof h.options === 'object' ? (h as Header) : null;
  } catch {
    return null;
  }
}

/**
 * A scan's state file, open for reading back and appending. {@link
 * ScanState.open} reads it (or starts it); {@link ScanState.replay} gives a
 * finished route's stored result; {@link ScanState.record} appends one;
 * {@link ScanState.close} syncs it to disk.
 */
export class ScanState {
  /** Finished routes: key → byte range of its line. */
  private readonly done = new Map<string, { offset: number; length: number }>();
  private lastSync = Date.now();
  /** Whether a torn last line was dropped when the file was opened. */
  tornLine = false;

  private constructor(
    readonly file: string,
    private fd: number | null,
  ) {}

  /**
   * Open `file` for a scan with `options`: a missing or empty file is
   * started (its header written); an existing one is read back, or refused
   * with a {@link StateFileError} when another scan's options wrote it, when
   * it is no state file, or when a line other than the last is damaged.
   */
  static open(file: string, options: StateOptions): ScanState {
    const fd = openSync(file, 'a+', 0o600);
    const state = new ScanState(file, fd);
    try {
      state.load(options);
    } catch (error) {
      state.close();
      throw error;
    }
    return state;
  }

  /** How many finished routes the file holds. */
  get size(): number {
    return this.done.size;
  }

  /** Whether the route with this key is finished. */
  has(key: string): boolean {
    return this.done.has(key);
  }

  private load(options: StateOptions): void {
    const fd = this.descriptor();
    const reader = lines(fd, 0);
    const first = reader.next();
    if (first.done === true) return this.start(fd, first.value, options);
    const header = parseHeader(first.value.text);
    if (header === null) throw new StateFileError(`${this.file} is not a corsproof scan state file (its first line is no state header); give another --resume file`);
    if (header.format !== STATE_FORMAT) throw new StateFileError(`${this.file} is a state file of format ${header.format}, not ${STATE_FORMAT}; delete it or give another --resume file to start over`);
    const differ = optionsDiffer(header.options, options);
    if (differ.length > 0) {
      throw new StateFileError(`${this.file} was written by a scan with other options: ${differ.join('; ')}. Resume with the same options, or delete it (or give another --resume file) to start over`);
    }
    let line = 1;
    for (let next = reader.next(); ; next = reader.next()) {
      if (next.done === true) return this.cutTornTail(fd, next.value);
      line++;
      const stored = parseStored(next.value.text);
      if (stored === null) throw new StateFileError(`${this.file}:${line} is not a route record (damaged?); delete it or give another --resume file to start over`);
      this.done.set(stored.key, { offset: next.value.offset, length: next.value.length });
    }
  }

  /** A file without a complete first line: empty, or a header torn as it was written, is started; anything else is not ours to overwrite. */
  private start(fd: number, end: number, options: StateOptions): void {
    const size = fstatSync(fd).size;
    if (size > 0) {
      const head = Buffer.alloc(Math.min(size, HEADER_START.length));
      readSync(fd, head, 0, head.length, 0);
      if (!HEADER_START.startsWith(head.toString('utf8'))) throw new StateFileError(`${this.file} is not a corsproof scan state file; give another --resume file`);
      this.tornLine = true;
    }
    ftruncateSync(fd, end);
    const header: Header = { corsproof: 'scan-state', format: STATE_FORMAT, options };
    this.append(`${JSON.stringify(header)}\n`);
    fdatasyncSync(fd);
  }

  private cutTornTail(fd: number, end: number): void {
    if (fstatSync(fd).size > end) {
      this.tornLine = true;
      ftruncateSync(fd, end);
    }
  }

  /** The stored result of a finished route, as if it had just been scanned (`null`: not finished). Its findings take the target's source. */
  replay(target: ScanTarget): RouteResult | null {
    const at = this.done.get(targetKey(target));
    if (at === undefined) return null;
    const bytes = Buffer.alloc(at.length);
    readSync(this.descriptor(), bytes, 0, at.length, at.offset);
    const stored = parseStored(bytes.toString('utf8'));
    if (stored === null) throw new StateFileError(`${this.file}: the record of ${targetKey(target)} changed while scanning`);
    const findings = stored.findings.map((f): Finding => ({ ...f, source: target.source }));
    return { target, status: stored.status, error: stored.error, legitOrigins: stored.legitOrigins, requests: stored.requests, findings };
  }

  /** Append a finished route (one write; synced to disk at most once a second, and on close). */
  record(result: RouteResult): void {
    const key = targetKey(result.target);
    const findings = result.findings.map((f) => {
      const rest: Partial<Finding> = { ...f };
      delete rest.source;
      return rest as Omit<Finding, 'source'>;
    });
    const stored: StoredRoute = { key, status: result.status, error: result.error, legitOrigins: result.legitOrigins, requests: result.requests, findings };
    const line = `${JSON.stringify(stored)}\n`;
    const offset = fstatSync(this.descriptor()).size;
    this.append(line);
    this.done.set(key, { offset, length: Buffer.byteLength(line) - 1 });
    if (Date.now() - this.lastSync >= SYNC_EVERY_MS) {
      fdatasyncSync(this.descriptor());
      this.lastSync = Date.now();
    }
  }

  private append(text: string): void {
    const bytes = Buffer.from(text, 'utf8');
    for (let written = 0; written < bytes.length; ) written += writeSync(this.descriptor(), bytes, written, bytes.length - written);
  }

  private descriptor(): number {
    if (this.fd === null) throw new Error(`${this.file} is closed`);
    return this.fd;
  }

  /** Sync to disk and close (again: nothing). */
  close(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    try {
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}
