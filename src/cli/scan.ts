/**
 * `corsproof scan`: the attacker's view of a whole API. Routes from
 * arguments, a URL list, an OpenAPI document or a HAR; each probed from the
 * probe table's origins and judged the way a browser would let an attacker
 * read it (src/scan/). Text as routes finish (a progress line on a
 * terminal), `--json` streamed, `--sarif <file>`; `--resume <file>` saves
 * each finished route and, run again, replays them instead of scanning
 * them (src/scan/resume.ts). Ctrl-C stops taking routes (those in flight
 * finish and are saved), closes the report and exits 130. Exit codes: 0
 * nothing at or above `--fail-on`, 1 findings at or above it, 2 bad usage, 3
 * no route could be reached, 130 interrupted.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { isToken } from '../engine/headers.js';
import type { HeaderList } from '../engine/types.js';
import { FINDINGS, SEVERITIES, SEVERITY_RULES, atOrAbove } from '../scan/findings.js';
import type { RouteResult, ScanOptions, ScanSummary } from '../scan/run.js';
import { scan } from '../scan/run.js';
import type { Finding, ScanTarget, Severity } from '../scan/types.js';
import { TargetError, dedupeTargets, readHar, readOpenApi, readUrlList, targetKey, targetsFromUrls } from '../scan/targets.js';
import { toSarif } from '../scan/sarif.js';
import { ScanState, StateFileError, stateOptions } from '../scan/resume.js';
import pc from './colors.js';
import { UsageError, packageVersion, readTimeoutMs, stamped } from './io.js';

/** The options as commander gives them. */
export interface ScanCliOptions {
  origin?: string[];
  urls?: string;
  openapi?: string;
  base?: string;
  har?: string;
  header?: string[];
  cookie?: string;
  bearer?: string;
  methods: string;
  concurrency: string;
  rate?: string;
  timeout: string;
  retries: string;
  insecure?: boolean;
  json?: boolean;
  sarif?: string;
  failOn: string;
  progress?: boolean;
  resume?: string;
}

/** What to scan and how: {@link parseScanInput}'s result (the runner's limits as {@link ScanOptions} names them). */
export interface ScanInput extends Pick<ScanOptions, 'auth' | 'concurrency' | 'rate' | 'timeoutMs' | 'retries' | 'insecure'> {
  urls: string[];
  urlList: string | null;
  openapi: string | null;
  base: string | null;
  har: string | null;
  origins: string[];
  json: boolean;
  sarif: string | null;
  failOn: Severity;
  /** `--resume`: the state file (`null`: none). */
  resume: string | null;
}

/** A whole number within bounds, or a UsageError naming the flag. */
function integer(value: string, flag: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, not '${value}'`);
  return n;
}

/** `Name: value` lines (`-H`), or a UsageError. */
function headerLines(lines: readonly string[]): HeaderList {
  return lines.map((line) => {
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim() : '';
    if (!isToken(name)) throw new UsageError(`-H '${line}': expected 'Name: value'`);
    return [name, line.slice(colon + 1).trim()];
  });
}

/** A page origin (`--origin`): a serialized http(s) origin, or a UsageError saying which. */
function pageOrigin(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--origin '${value}' is not an origin (scheme://host[:port])`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== value) {
    throw new UsageError(`--origin '${value}' is not a serialized http(s) origin; did you mean '${url.origin}'?`);
  }
  return value;
}

/** The options, checked: pure, so that tests can call it. */
export function parseScanInput(urls: readonly string[], options: ScanCliOptions): ScanInput {
  if (urls.length === 0 && !options.urls && !options.openapi && !options.har) {
    throw new UsageError('nothing to scan: give URLs, --urls <file>, --openapi <file> or --har <file>');
  }
  const failOn = options.failOn as Severity;
  if (!SEVERITIES.includes(failOn)) throw new UsageError(`--fail-on must be one of ${SEVERITIES.join(', ')}, not '${options.failOn}'`);
  const scriptHeaders = headerLines(options.header ?? []);
  if (options.bearer !== undefined) scriptHeaders.push(['Authorization', `Bearer ${options.bearer}`]);
  const methods = options.methods.split(',').map((m) => m.trim().toUpperCase()).filter((m) => m !== '');
  const bad = methods.find((m) => !isToken(m));
  if (bad !== undefined) throw new UsageError(`--methods: '${bad}' is not a method`);
  const rate = options.rate === undefined ? null : Number(options.rate);
  if (rate !== null && !(rate > 0 && rate <= 100_000)) throw new UsageError(`--rate must be a number of requests per second above 0, not '${options.rate ?? ''}'`);
  return {
    urls: [...urls],
    urlList: options.urls ?? null,
    openapi: options.openapi ?? null,
    base: options.base ?? null,
    har: options.har ?? null,
    origins: (options.origin ?? []).map(pageOrigin),
    auth: { credentialHeaders: options.cookie === undefined ? [] : [['Cookie', options.cookie]], scriptHeaders, methods },
    concurrency: integer(options.concurrency, '--concurrency', 1, 1024),
    rate,
    timeoutMs: readTimeoutMs(options.timeout),
    retries: integer(options.retries, '--retries', 0, 10),
    insecure: options.insecure === true,
    json: options.json === true,
    sarif: options.sarif ?? null,
    failOn,
    resume: options.resume ?? null,
  };
}

/** An input problem that does not stop the scan (a bad line of a URL list, an OpenAPI operation that names no URL). */
export interface InputProblem {
  url: string;
  kind: 'input';
  message: string;
}

/**
 * Every route of the inputs, each once, streamed: arguments first, then the
 * URL list line by line, the OpenAPI document, the HAR. Problems go to
 * `problems`; an input that cannot be read at all throws a UsageError.
 */
export async function* scanTargets(input: ScanInput, problems: InputProblem[]): AsyncGenerator<ScanTarget> {
  const seen = new Set<string>();
  const fresh = (t: ScanTarget): boolean => {
    const key = targetKey(t);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };
  const problem = (file: string, line: number, message: string): void => void problems.push({ url: `${file}:${line}`, kind: 'input', message });
  try {
    for (const t of targetsFromUrls(input.urls)) if (fresh(t)) yield t;
    if (input.urlList !== null) {
      for await (const item of readUrlList(input.urlList)) {
        if (item.kind === 'problem') problem(item.problem.file, item.problem.line, item.problem.message);
        else if (fresh(item.target)) yield item.target;
      }
    }
    if (input.openapi !== null) {
      const reading = await readOpenApi(input.openapi, input.base === null ? {} : { base: input.base });
      for (const p of reading.problems) problem(p.file, p.line, p.message);
      for (const t of reading.targets) if (fresh(t)) yield t;
    }
    if (input.har !== null) for (const t of dedupeTargets(await readHar(input.har))) if (fresh(t)) yield t;
  } catch (error) {
    if (error instanceof TargetError) throw new UsageError(error.message);
    throw error;
  }
}

/** `corsproof scan --json`: the contract in the README ("Scanning an API"). */
export interface ScanJson {
  targets: Array<{ url: string; method: string; status: RouteResult['status']; legitOrigins: string[]; requests: number }>;
  findings: Finding[];
  errors: Array<{ url: string; kind: string; message: string }>;
}

/** The browsers that let a page at the probe origin read the answer, in words: "Chromium, Firefox and WebKit", "WebKit", "no browser". */
export function readableIn(browsers: Finding['browsers']): string {
  const names = ([['chromium', 'Chromium'], ['firefox', 'Firefox'], ['webkit', 'WebKit']] as const).filter(([b]) => browsers[b]).map(([, name]) => name);
  if (names.length === 0) return 'no browser';
  return names.length === 1 ? names[0] as string : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1] as string}`;
}

/** A finding for the terminal: severity, id, route, message, fix. */
function renderFinding(f: Finding): string {
  const label = { high: pc.red(pc.bold('HIGH  ')), medium: pc.yellow(pc.bold('MEDIUM')), low: pc.cyan('LOW   '), info: pc.dim('INFO  ') }[f.severity];
  const browsers = f.severity === 'high' || f.severity === 'medium' ? pc.dim(` (readable in ${readableIn(f.browsers)})`) : '';
  const cookies = f.cookies === undefined ? '' : `\n         ${pc.dim(`Cookies: ${f.cookies}`)}`;
  return `  ${label} ${pc.bold(f.id)}${browsers}\n         ${f.message}${cookies}\n         ${pc.green('Fix:')} ${f.fix}`;
}

/** A route's findings for the terminal, with the recipe for the layer that answered once at the end. */
function renderRoute(r: RouteResult): string {
  const head = `${pc.bold(`${r.target.method} ${r.target.url}`)}${r.error ? pc.red(` (${r.error.kind}: ${r.error.message})`) : ''}`;
  const first = r.findings[0];
  const recipe =
    first !== undefined && first.recipe !== null && r.findings.some((f) => atOrAbove(f.severity, 'low'))
      ? `\n  ${pc.dim(`Answered by ${first.layer ?? 'an unknown layer'}: the fix in that stack is printed by corsproof check ${r.target.url} --origin ${r.legitOrigins[0] ?? ''} --stack ${first.recipe}`)}`
      : '';
  return [head, ...r.findings.map(renderFinding)].join('\n') + recipe + '\n';
}

/** The summary line: findings per severity, routes, errors. */
function summaryLine(summary: ScanSummary, findings: Map<Severity, number>, errors: number): string {
  const counts = SEVERITIES.map((s) => `${findings.get(s) ?? 0} ${s}`).join(', ');
  return `${summary.scanned} of ${summary.routes} route${summary.routes === 1 ? '' : 's'} scanned (${summary.requests} requests): ${counts}${errors > 0 ? `; ${errors} error${errors === 1 ? '' : 's'}` : ''}.`;
}

/**
 * What a scan prints and keeps as routes finish: the text report (a
 * progress line on a terminal) or the streamed JSON, the counts per
 * severity, the errors, and for `--json` the targets (a few hundred bytes a
 * route: printed at the end) and for `--sarif` every finding (SARIF is
 * written at the end, so it holds them all: memory grows with the findings,
 * not the routes).
 */
class ScanReport {
  readonly counts = new Map<Severity, number>();
  readonly errors: ScanJson['errors'] = [];
  /** `--json`: each route's entry of `targets`, serialized as it finishes (a flat string each, not an object graph). */
  private readonly targets: string[] = [];
  private readonly sarifFindings: Finding[] = [];
  private routes = 0;
  private firstJsonFinding = true;

  constructor(
    private readonly input: ScanInput,
    private readonly progress: boolean,
  ) {
    if (input.json) process.stdout.write(`${JSON.stringify(stamped({})).slice(0, -1)},"findings":[`);
  }

  /** One route's result, printed at once. */
  add(r: RouteResult): void {
    this.routes++;
    if (this.input.json) {
      const entry: ScanJson['targets'][number] = { url: r.target.url, method: r.target.method, status: r.status, legitOrigins: r.legitOrigins, requests: r.requests };
      this.targets.push(JSON.stringify(entry));
    }
    if (r.error !== null) this.errors.push({ url: r.target.url, kind: r.error.kind, message: r.error.message });
    for (const f of r.findings) {
      this.counts.set(f.severity, (this.counts.get(f.severity) ?? 0) + 1);
      if (this.input.sarif !== null) this.sarifFindings.push(f);
      if (this.input.json) {
        process.stdout.write(`${this.firstJsonFinding ? '' : ','}\n${JSON.stringify(f)}`);
        this.firstJsonFinding = false;
      }
    }
    const total = sumCounts(this.counts);
    if (this.progress) process.stderr.write(`\r\x1b[K${this.routes} routes scanned, ${r.findings.length > 0 ? pc.bold(`${total} findings`) : `${total} findings`}`);
    if (!this.input.json && (r.findings.length > 0 || r.error !== null)) {
      if (this.progress) process.stderr.write('\r\x1b[K');
      process.stdout.write(renderRoute(r));
    }
  }

  /**
   * The end: the JSON closed (also when interrupted, so that what was
   * printed parses), or the summary line; the SARIF file, unless
   * interrupted (it would look complete).
   */
  finish(summary: ScanSummary, problems: readonly InputProblem[], interrupted: boolean): void {
    if (this.progress) process.stderr.write('\r\x1b[K');
    this.errors.push(...problems);
    if (this.input.json) {
      process.stdout.write(`${this.firstJsonFinding ? '' : '\n'}],\n"targets":[`);
      // In slices, not one string of every route: the same bytes as JSON.stringify of the array.
      for (let i = 0; i < this.targets.length; i += 1024) process.stdout.write(`${i === 0 ? '' : ','}${this.targets.slice(i, i + 1024).join(',')}`);
      process.stdout.write(`],\n"errors":${JSON.stringify(this.errors)}}\n`);
    } else {
      const lines = problems.map((p) => pc.yellow(`${p.url}: ${p.message}`));
      process.stdout.write(`${lines.map((l) => `${l}\n`).join('')}${summaryLine(summary, this.counts, this.errors.length)}\n`);
    }
    if (this.input.sarif !== null && !interrupted) writeSarif(this.input.sarif, this.sarifFindings, this.errors);
  }
}

/** `--resume`: the state file opened for this scan's options (refusals as usage errors), or `null` without the flag. */
function openState(input: ScanInput): ScanState | null {
  if (input.resume === null) return null;
  let state: ScanState;
  try {
    state = ScanState.open(input.resume, stateOptions(packageVersion(), input));
  } catch (error) {
    if (error instanceof StateFileError) throw new UsageError(error.message);
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === 'string') throw new UsageError(`--resume ${input.resume}: ${(error as Error).message}`);
    throw error;
  }
  if (state.size > 0 || state.tornLine) {
    const torn = state.tornLine ? ' (a torn last line dropped: that route is scanned again)' : '';
    process.stderr.write(`corsproof: resuming from ${state.file}: ${state.size} route${state.size === 1 ? '' : 's'} done${torn}\n`);
  }
  return state;
}

/**
 * Ctrl-C: the first stops taking routes (those in flight finish and are
 * saved); the second drops them, syncs the state file and exits 130 at
 * once. Returns the function that removes the handler.
 */
function stopOnInterrupt(controller: AbortController, state: ScanState | null): () => void {
  const onSigint = (): void => {
    if (!controller.signal.aborted) {
      process.stderr.write('\ncorsproof: stopping: the routes in flight finish (Ctrl-C again to drop them)\n');
      controller.abort();
      return;
    }
    state?.close();
    process.stderr.write(`corsproof: interrupted; the routes in flight were dropped${state === null ? '' : ` (they are scanned again when resumed from ${state.file})`}\n`);
    process.exit(130);
  };
  process.on('SIGINT', onSigint);
  return () => void process.off('SIGINT', onSigint);
}

/** After Ctrl-C: how far the scan got and how to go on. */
function interruptedNote(summary: ScanSummary, state: ScanState | null): string {
  const done = `${summary.routes} route${summary.routes === 1 ? '' : 's'} done`;
  if (state === null) return `corsproof: interrupted: ${done}; nothing was saved (with --resume <file>, a scan can pick up where it stopped)\n`;
  return `corsproof: interrupted: ${done}, saved in ${state.file}. Run the same command again (with --resume ${state.file}) to scan the rest and report every route.\n`;
}

/** Run the scan, printing as routes finish; the exit code. */
async function runScan(urls: string[], options: ScanCliOptions): Promise<number> {
  const input = parseScanInput(urls, options);
  const state = openState(input);
  const report = new ScanReport(input, options.progress !== false && !input.json && process.stderr.isTTY === true);
  const problems: InputProblem[] = [];
  const controller = new AbortController();
  const removeHandler = stopOnInterrupt(controller, state);
  let summary: ScanSummary;
  try {
    summary = await scan(scanTargets(input, problems), {
      ...input,
      signal: controller.signal,
      previous: state === null ? undefined : (target) => state.replay(target),
      onResult: (r, replayed) => {
        if (state !== null && !replayed) state.record(r);
        report.add(r);
      },
    });
  } finally {
    state?.close();
    removeHandler();
  }
  const interrupted = controller.signal.aborted;
  report.finish(summary, problems, interrupted);
  if (interrupted) {
    process.stderr.write(interruptedNote(summary, state));
    return 130;
  }
  if (summary.routes > 0 && summary.scanned === 0) return 3;
  return sarifOrJsonFailing(report.counts, input.failOn) ? 1 : 0;
}

function sumCounts(counts: Map<Severity, number>): number {
  let n = 0;
  for (const v of counts.values()) n += v;
  return n;
}

/** Whether any finding is at or above the threshold. */
function sarifOrJsonFailing(counts: Map<Severity, number>, failOn: Severity): boolean {
  return SEVERITIES.some((s) => atOrAbove(s, failOn) && (counts.get(s) ?? 0) > 0);
}

function writeSarif(file: string, findings: Finding[], errors: ScanJson['errors']): void {
  const version = packageVersion();
  const rules = FINDINGS.map((row) => ({ id: row.id, severity: row.severity, title: row.title, reason: row.reach === null ? row.reason : `${row.reason} ${SEVERITY_RULES[row.reach]}` }));
  writeFileSync(file, `${JSON.stringify(toSarif(findings, { toolVersion: version, rules, errors }), null, 2)}\n`);
}

/** Register `corsproof scan`. */
export function defineScan(program: Command): void {
  program
    .command('scan')
    .description("the attacker's view of an API: probe each route from the origins careless allow-lists let through, judged as a browser would let an attacker read it")
    .argument('[urls...]', 'routes to scan (GET unless a list or document says otherwise)')
    .option('--origin <origin>', 'a page origin your pages really use (repeatable); probes are derived from it. Without one, learned from the answers and the HAR', (v: string, all: string[] | undefined) => [...(all ?? []), v])
    .option('--urls <file>', "a file of routes, one per line: 'URL' or 'METHOD URL' (# comments)")
    .option('--openapi <file>', 'an OpenAPI 3 document (JSON or YAML): servers x paths x methods')
    .option('--base <url>', "the URL an OpenAPI document's relative servers are resolved against")
    .option('--har <file>', 'a HAR export: every cross-origin request the page made')
    .option('-H, --header <line>', 'a request header your pages set from script, "Name: value" (repeatable)', (v: string, all: string[] | undefined) => [...(all ?? []), v])
    .option('--cookie <cookies>', "the user's cookies, as a Cookie header value (sent on credentialed requests, never on preflights)")
    .option('--bearer <token>', 'a bearer token your pages send (Authorization: Bearer <token>)')
    .option('--methods <list>', 'methods the scanner may send as they are; other routes are probed with their preflight and a GET', 'GET,HEAD')
    .option('--concurrency <n>', 'requests in flight at once', '16')
    .option('--rate <n>', 'requests per second per host')
    .option('--timeout <seconds>', 'give up on a request after this long', '10')
    .option('--retries <n>', 'retries of a 429 or 503 answer (waiting as Retry-After says)', '2')
    .option('--insecure', 'accept an untrusted TLS certificate (browsers will not)')
    .option('--json', 'print JSON (streamed: findings as routes finish, then targets and errors)')
    .option('--sarif <file>', 'write SARIF 2.1.0 (for code scanning dashboards)')
    .option('--fail-on <severity>', `exit 1 when a finding is at or above this severity (${SEVERITIES.join(', ')})`, 'high')
    .option('--no-progress', 'no progress line on the terminal')
    .option('--resume <file>', 'a state file: each finished route is saved there; run again with it to skip them (their results reported as before) and scan the rest')
    .addHelpText(
      'after',
      `
Findings and severities:
${FINDINGS.map((row) => `  ${row.id.padEnd(34)} ${row.reach === null ? row.severity : row.reach === 'any-website' ? 'high/low' : 'medium/low'}`).join('\n')}
  (high/low: high when a page on the probe origin reads credentialed 2xx responses, low without credentials)

Examples:
  corsproof scan https://api.example.com/me --origin https://app.example.com --cookie 'session=...'
  corsproof scan --openapi openapi.yaml --base https://api.example.com --origin https://app.example.com --json
  corsproof scan --har app.har --sarif cors.sarif --fail-on medium
  corsproof scan --urls routes.txt --origin https://app.example.com --resume scan.state   (Ctrl-C, then the same again)

Proxies as curl: HTTPS_PROXY (https URLs, CONNECT tunnel), http_proxy (http URLs; not HTTP_PROXY), ALL_PROXY, NO_PROXY (loopback always direct).
Nothing is sent that could change state: probes are preflights and GET/HEAD unless --methods allows more.
Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 bad usage or input, 3 no route could be reached, 130 stopped by Ctrl-C.`,
    )
    .action(async (urls: string[], options: ScanCliOptions) => {
      process.exitCode = await runScan(urls, options);
    });
}

