#!/usr/bin/env node
/**
 * The `corsproof` command line. A thin layer: reads input, calls the
 * engine, prints. Exit codes: 0 done, 1 blocked (with --exit-code),
 * 2 bad usage or input, 70 internal error.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { evaluate } from '../engine/evaluate.js';
import { ScenarioError } from '../engine/request.js';
import { validateScenario } from '../engine/validate.js';
import type { Scenario, Verdict } from '../engine/types.js';
import { renderContext, renderExchanges, renderRecipes, renderVerdict } from './render.js';
import { check, credentialedAlternative, NetworkFailure, recipesForReport } from '../doctor/check.js';
import { PROBE_ORIGIN } from '../doctor/exposure.js';
import { RECIPES } from '../doctor/recipes.js';
import { DEMO_PAGE, startDemos, stopDemos } from '../demo/servers.js';
import { CurlError, parseCurl } from '../doctor/curl.js';
import { diagnoseHar, HarError } from '../doctor/har.js';
import pc from './colors.js';
import type { CredentialsMode, HeaderList, Initiator } from '../engine/types.js';

/** A problem with what the user gave us: printed without a stack, exit code 2. */
class UsageError extends Error {}

const EXAMPLES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples');

function readInput(source: string): string {
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

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const name = source === '-' ? 'standard input' : source;
    throw new UsageError(`${name}: not valid JSON (${(e as Error).message})`);
  }
}

interface ExplainOptions {
  json?: boolean;
  exitCode?: boolean;
}

function explain(source: string, options: ExplainOptions): number {
  const input = parseJson(readInput(source), source);
  const many = Array.isArray(input);
  const list: unknown[] = many ? input : [input];
  if (many && list.length === 0) throw new UsageError('the input is an empty array: give at least one scenario');
  const results: Array<{ scenario: Scenario; verdict: Verdict }> = list.map((item, i) => {
    const field = many ? `[${i}]` : '';
    try {
      const scenario = validateScenario(item, field);
      return { scenario, verdict: evaluate(scenario) };
    } catch (e) {
      if (e instanceof ScenarioError && many && !e.field.startsWith('[')) {
        throw new ScenarioError(`[${i}].${e.field}`, e.message.slice(e.field.length + 2));
      }
      throw e;
    }
  });
  if (options.json) {
    const verdicts = results.map((r) => r.verdict);
    process.stdout.write(`${JSON.stringify(many ? verdicts : verdicts[0], null, 2)}\n`);
  } else {
    process.stdout.write(`${results.map((r) => renderVerdict(r.scenario, r.verdict)).join('\n\n')}\n`);
  }
  const blocked = results.some((r) => !r.verdict.ok);
  return options.exitCode && blocked ? 1 : 0;
}

interface CheckCliOptions {
  stack?: string;
  origin?: string;
  curl?: string;
  har?: string;
  entry?: string;
  method: string;
  header?: string[];
  /** Unset when not given: live checks assume same-origin, HAR files decide per entry. */
  credentials?: string;
  initiator: string;
  timeout: string;
  insecure?: boolean;
  /** false with --no-probe. */
  probe?: boolean;
  json?: boolean;
}

function parseHeader(line: string): [string, string] {
  const colon = line.indexOf(':');
  if (colon <= 0) throw new UsageError(`-H '${line}': expected "Name: value"`);
  return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
}

function harCommand(file: string, o: CheckCliOptions): number {
  let only: number | undefined;
  if (o.entry !== undefined) {
    only = Number(o.entry);
    if (!Number.isInteger(only) || only < 0) throw new UsageError(`--entry must be an entry index (0, 1, ...), not '${o.entry}'`);
  }
  const har = parseJson(readInput(file), file);
  let results;
  try {
    if (o.credentials !== undefined) checkCredentials(o.credentials);
    results = diagnoseHar(har, { only, ...(o.credentials !== undefined ? { credentials: o.credentials as CredentialsMode } : {}) });
  } catch (e) {
    if (e instanceof HarError) throw new UsageError(`${file}: ${e.message}`);
    throw e;
  }
  // The fix recipes: for the stack asked for, else the layers that answered each blocked entry.
  const withRecipes = results.map((r) => ({
    ...r,
    recipes: r.verdict !== null && (!r.verdict.ok || o.stack !== undefined) ? recipesForReport({ scenario: r.scenario, verdict: r.verdict, layers: r.layers }, o.stack) : [],
  }));
  if (o.json) {
    process.stdout.write(`${JSON.stringify(withRecipes, null, 2)}\n`);
  } else if (results.length === 0) {
    process.stdout.write('No cross-origin request in this HAR (none carries an Origin other than its own).\n');
  } else {
    const parts = withRecipes.map((r) => {
      const body = r.verdict ? renderVerdict(r.scenario, r.verdict) : `${r.scenario.request.method} ${r.scenario.request.url}: ${r.note}`;
      const context = renderContext(r.remarks.filter((m) => !m.startsWith('The HAR does not record whether')), r.ifCredentialed);
      const layerNames = [...new Set(r.layers.perExchange.flat().map((l) => l.name))];
      const layers = [
        ...(layerNames.length > 0 ? [pc.dim(`  answered by: ${layerNames.join(' > ')}`)] : []),
        ...r.layers.notes.map((n) => `  ${pc.yellow('Note')}: ${n}`),
      ].join('\n');
      const used = r.usedEntries.length > 1 ? ` (with entries ${r.usedEntries.filter((e) => e !== r.entry).join(', ')})` : '';
      return [pc.dim(`entry ${r.entry}${used}`), body, context, layers].filter((x) => x !== '').join('\n');
    });
    // One entry's recipes in full (the first that has any); --json has every entry's.
    const first = withRecipes.find((r) => r.recipes.length > 0);
    const recipes = first
      ? renderRecipes(first.recipes.slice(0, 2), `(for entry ${first.entry}${o.stack === undefined ? ', detected; --stack <id> for another' : ''}; --json has every entry's)`, '  ')
      : '';
    process.stdout.write(`${parts.join('\n\n')}${recipes}\n`);
  }
  return results.some((r) => r.verdict !== null && !r.verdict.ok) ? 1 : 0;
}

function checkCredentials(mode: string): void {
  if (!['omit', 'same-origin', 'include'].includes(mode)) throw new UsageError(`--credentials must be omit, same-origin or include, not '${mode}'`);
}

async function checkCommand(urlArg: string | undefined, o: CheckCliOptions): Promise<number> {
  if (o.stack !== undefined && !RECIPES.some((r) => r.id === o.stack)) {
    throw new UsageError(`--stack '${o.stack}' is not a known stack: ${RECIPES.map((r) => r.id).join(', ')}`);
  }
  if (o.har !== undefined) {
    if (urlArg !== undefined || o.curl !== undefined) throw new UsageError('give one of a URL, --curl or --har');
    return harCommand(o.har, o);
  }
  let url = urlArg;
  let origin = o.origin;
  let insecure = o.insecure ?? false;
  let credentials = o.credentials;
  let remarks: string[] = [];
  let credentialHeaders: HeaderList = [];
  if (o.curl !== undefined) {
    if (urlArg !== undefined) throw new UsageError('give either a URL or --curl, not both');
    let parsed;
    try {
      parsed = parseCurl(o.curl);
    } catch (e) {
      if (e instanceof CurlError) throw new UsageError(`--curl: ${e.message}`);
      throw e;
    }
    url = parsed.url;
    origin ??= parsed.origin ?? undefined;
    insecure ||= parsed.insecure;
    o.method = parsed.method;
    o.header = parsed.headers.map(([n, v]) => `${n}: ${v}`);
    if (parsed.credentials === 'include') credentials ??= 'include';
    remarks = parsed.remarks;
    credentialHeaders = parsed.credentialHeaders;
    if (credentialHeaders.length > 0) {
      remarks = [...remarks, `The copied ${credentialHeaders.map(([n]) => n).join(' and ')} ${credentialHeaders.length > 1 ? 'are' : 'is'} sent with the request to its own host, never with a preflight, as the browser does.`];
    }
    if (origin === undefined) throw new UsageError("--curl: the copied request has no Origin header (it was same-origin?); give the page's origin with --origin");
  }
  if (url === undefined) throw new UsageError('give the URL to check (with --origin), or --curl "<command>", or --har <file>; corsproof check --help has examples');
  if (origin === undefined) throw new UsageError("--origin <origin> is required: the page's origin, e.g. https://app.example.com");
  // A page URL, a trailing slash or capitals: the page's origin is what is meant; say which one is used.
  try {
    const parsedOrigin = new URL(origin);
    if ((parsedOrigin.protocol === 'http:' || parsedOrigin.protocol === 'https:') && parsedOrigin.origin !== origin && parsedOrigin.username === '' && parsedOrigin.password === '') {
      remarks = [...remarks, `--origin ${origin}: the page's origin is ${parsedOrigin.origin} (scheme, host and port only), which is what the browser sends; using it.`];
      origin = parsedOrigin.origin;
    }
  } catch {
    // not a URL: validateScenario names the problem
  }
  if (credentials !== undefined) checkCredentials(credentials);
  if (!['fetch', 'xhr', 'eventsource'].includes(o.initiator)) throw new UsageError(`--initiator must be fetch, xhr or eventsource, not '${o.initiator}'`);
  const timeout = Number(o.timeout);
  if (!Number.isFinite(timeout) || timeout <= 0 || timeout > 3600) throw new UsageError(`--timeout must be a number of seconds from 0 to 3600, not '${o.timeout}'`);
  const headers: HeaderList = (o.header ?? []).map(parseHeader);
  // fetch() refuses a URL with a user name or password (a TypeError before anything is sent).
  try {
    const parsedUrl = new URL(url);
    if ((o.initiator === 'fetch') && (parsedUrl.username !== '' || parsedUrl.password !== '')) {
      throw new UsageError(`${url} has a user name or password: fetch() throws a TypeError for such URLs before sending anything. Drop them from the URL (send an Authorization header instead).`);
    }
  } catch (e) {
    if (e instanceof UsageError) throw e;
  }
  // The same checks as a scenario file, so the messages name the field.
  const scenario = validateScenario({
    request: { url, origin, method: o.method, headers, credentials: (credentials ?? 'same-origin') as CredentialsMode, initiator: o.initiator as Initiator },
    preflight: null,
    response: { status: 200, headers: [] },
  });
  try {
    const report = await check(scenario.request, { timeoutMs: timeout * 1000, insecure, credentialHeaders, probe: o.probe !== false });
    const recipes = report.verdict.ok && o.stack === undefined ? [] : recipesForReport(report, o.stack);
    // Nothing said whether the page sends credentials: say what they would change.
    const ifCredentialed = credentials === undefined ? credentialedAlternative(report.scenario, report.verdict) : null;
    if (o.json) {
      process.stdout.write(
        `${JSON.stringify({ verdict: report.verdict, exchanges: report.exchanges, layers: report.layers, cookies: report.cookies, exposure: report.exposure, probe: report.probe, noOrigin: report.noOrigin, revalidation: report.revalidation, recipes, scenario: report.scenario, remarks, ifCredentialed }, null, 2)}\n`,
      );
    } else {
      const cookies = report.cookies.map((c) => `\n  ${c.severity === 'error' ? pc.red('Cookie') : pc.yellow('Cookie')}: ${c.message}`).join('');
      const exposure = report.exposure.map((f) => `\n  ${f.severity === 'error' ? pc.red('Exposure') : pc.yellow('Exposure')}: ${f.message}`).join('');
      const shown = renderRecipes(recipes.slice(0, 2), o.stack === undefined ? '(detected; --stack <id> for another)' : '', '    ');
      const hint = recipes.length === 0 && !report.verdict.ok ? `\n\n  ${pc.dim(`No stack detected: pick one with --stack (${RECIPES.map((r) => r.id).join(', ')}).`)}` : '';
      const context = renderContext(remarks, ifCredentialed);
      process.stdout.write(`${renderExchanges(report.exchanges, report.layers)}\n\n${renderVerdict(report.scenario, report.verdict)}${context ? `\n${context}` : ''}${cookies}${exposure}${shown}${hint}\n`);
    }
    return report.verdict.ok ? 0 : 1;
  } catch (e) {
    if (!(e instanceof NetworkFailure)) throw e;
    if (o.json) {
      process.stdout.write(`${JSON.stringify({ error: { kind: e.kind, url: e.url, message: e.message } }, null, 2)}\n`);
    } else {
      process.stderr.write(
        `corsproof: the request did not complete: ${e.message}\n  A browser reports this as a network error (Firefox: CORSDidNotSucceed), before any CORS check.\n`,
      );
    }
    return 3;
  }
}

async function demoCommand(o: { json?: boolean }): Promise<number> {
  const running = await startDemos();
  try {
    const reports = [];
    for (const r of running) {
      const d = r.demo;
      const report = await check({ url: r.url, origin: DEMO_PAGE, method: d.method, headers: d.headers, credentials: d.credentials }, { timeoutMs: 5000 });
      reports.push({ id: d.id, title: d.title, report });
    }
    if (o.json) {
      process.stdout.write(`${JSON.stringify(reports.map((r) => ({ id: r.id, title: r.title, verdict: r.report.verdict, layers: r.report.layers })), null, 2)}\n`);
      return 0;
    }
    const out: string[] = [
      pc.bold('corsproof demo: one local API per common CORS failure, checked the way the browser checks it'),
      pc.dim(`(page origin ${DEMO_PAGE}; the APIs run on 127.0.0.1 and stop when the demo ends; \`npm start -- check <url> --origin <page>\` checks your own)`),
    ];
    reports.forEach((r, i) => {
      out.push('', pc.bold(`${i + 1}. ${r.title}`), renderVerdict(r.report.scenario, r.report.verdict));
      for (const note of r.report.layers.notes) out.push(`  ${pc.yellow('Note')}: ${note}`);
    });
    const passed = reports.filter((r) => r.report.verdict.ok).length;
    out.push('', pc.bold(`${reports.length - passed} of ${reports.length} APIs fail in browsers; the last one, behind corsproof's middleware, passes.`));
    process.stdout.write(`${out.join('\n')}\n`);
    return 0;
  } finally {
    await stopDemos(running);
  }
}

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
  cat scenario.json | corsproof explain -

Exit codes: 0 explained, 1 blocked (only with --exit-code), 2 bad usage or input.`,
    )
    .action((file: string, options: ExplainOptions) => {
      process.exitCode = explain(file, options);
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
      process.exitCode = explain(join(EXAMPLES_DIR, 'credentials-wildcard.json'), options);
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
