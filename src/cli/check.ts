/**
 * `corsproof check`: the options read into what to check (parseCheckInput,
 * pure), then the doctor run on it and the report printed as text or JSON.
 */
import type { CheckReport } from '../doctor/check.js';
import { check, credentialedAlternative, NetworkFailure } from '../doctor/check.js';
import { checkJson, networkFailureJson } from '../doctor/report-json.js';
import type { RenderedRecipe } from '../doctor/fixes.js';
import { recipesToShow } from '../doctor/fixes.js';
import { CurlError, parseCurl } from '../doctor/curl.js';
import { diagnoseHar, HarError } from '../doctor/har.js';
import type { RecipeId } from '../doctor/recipes.js';
import { RECIPES, isRecipeId } from '../doctor/recipes.js';
import type { AddressSpaces, BrowserName, CredentialsMode, HeaderList, Initiator, ScenarioRequest, Verdict } from '../engine/types.js';
import { validateScenario } from '../engine/validate.js';
import { LOCAL_NETWORK_PERMISSIONS, localNetworkSpaces } from '../engine/address-space.js';
import type { Command } from 'commander';
import { PROBE_ORIGIN } from '../doctor/exposure.js';
import pc from './colors.js';
import { BROWSERS_HELP, UsageError, parseJson, readBrowsers, readInput, readTimeoutMs, stamped } from './io.js';
import { renderContext, renderExchanges, renderRecipes, renderVerdict } from './render.js';

/** The options as commander gives them. */
export interface CheckCliOptions {
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
  /** --browsers: comma-separated, all three when not given. */
  browsers?: string;
  /** --mode: fetch()'s mode, cors (default) or no-cors. */
  mode?: string;
  /** --local-network-access: the page's Local Network Access permission, granted, denied or prompt (default). */
  localNetworkAccess?: string;
}

function parseHeader(line: string): [string, string] {
  const colon = line.indexOf(':');
  if (colon <= 0) throw new UsageError(`-H '${line}': expected "Name: value"`);
  return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
}

function harCommand(input: CheckInput & { kind: 'har' }): number {
  const { file, only, stack } = input;
  const har = parseJson(readInput(file), file);
  let results;
  try {
    results = diagnoseHar(har, {
      only,
      ...(input.credentials !== undefined ? { credentials: input.credentials } : {}),
      ...(input.browsers !== undefined ? { browsers: input.browsers } : {}),
    });
  } catch (e) {
    if (e instanceof HarError) throw new UsageError(`${file}: ${e.message.replace(/^entry /, '--entry ')}`);
    throw e;
  }
  const withRecipes = results.map((r) => ({ ...r, recipes: recipesToShow(r, stack) }));
  if (input.json) {
    process.stdout.write(`${JSON.stringify(withRecipes.map(stamped), null, 2)}\n`);
  } else if (results.length === 0) {
    process.stdout.write('No cross-origin request in this HAR (none carries an Origin other than its own).\n');
  } else {
    const parts = withRecipes.map((r) => {
      const body = r.verdict ? renderVerdict(r.scenario, r.verdict) : `${r.scenario.request.method} ${r.scenario.request.url}: ${r.note}`;
      const context = renderContext(r.remarks, r.ifCredentialed);
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
      ? renderRecipes(first.recipes.slice(0, 2), `(for entry ${first.entry}${stack === undefined ? ', detected; --stack <id> for another' : ''}; --json has every entry's)`, '  ')
      : '';
    process.stdout.write(`${parts.join('\n\n')}${recipes}\n`);
  }
  return results.some((r) => r.verdict !== null && !r.verdict.ok) ? 1 : 0;
}

/** --mode and --local-network-access: their values checked, refused with --har (a HAR records what the browser did). Returns --local-network-access. */
function checkLiveOnly(o: CheckCliOptions): string | undefined {
  if (o.mode !== undefined && o.mode !== 'cors' && o.mode !== 'no-cors') throw new UsageError(`--mode must be cors or no-cors, not '${o.mode}'`);
  const lna = o.localNetworkAccess;
  if (lna !== undefined && !(LOCAL_NETWORK_PERMISSIONS as readonly string[]).includes(lna)) {
    throw new UsageError(`--local-network-access must be granted, denied or prompt, not '${lna}'`);
  }
  if (o.har !== undefined && o.mode !== undefined) throw new UsageError('--mode applies to a URL or --curl, not to --har (a HAR records the requests as the browser sent them)');
  if (o.har !== undefined && lna !== undefined) throw new UsageError('--local-network-access applies to a URL or --curl, not to --har');
  return lna;
}

function checkCredentials(mode: string): void {
  if (!['omit', 'same-origin', 'include'].includes(mode)) throw new UsageError(`--credentials must be omit, same-origin or include, not '${mode}'`);
}

/** What to check, read from the options: a HAR file, or one live request. */
export type CheckInput =
  | { kind: 'har'; file: string; only: number | undefined; credentials: CredentialsMode | undefined; stack: RecipeId | undefined; json: boolean; browsers: BrowserName[] | undefined }
  | {
      kind: 'live';
      /** The browsers the verdict covers (--browsers), all three when `undefined`. */
      browsers: BrowserName[] | undefined;
      request: ScenarioRequest;
      /** Whether the options said if credentials are sent (else the report says what they would change). */
      credentialsGiven: boolean;
      /** Copied Cookie and Authorization-like headers: sent with the request to its own host, never with a preflight. */
      credentialHeaders: HeaderList;
      insecure: boolean;
      timeoutMs: number;
      probe: boolean;
      /** How the input was read (an origin taken from Referer, a page URL used for its origin, ...). */
      remarks: string[];
      /** Text report only: a public page reaching loopback or the LAN, judged without --local-network-access (what the permission changes). */
      localNetworkNote: string | null;
      stack: RecipeId | undefined;
      json: boolean;
    };

/**
 * Read `corsproof check`'s arguments into what to check. Pure (no files, no
 * network): throws a UsageError naming the option, or a ScenarioError naming
 * the field, for input a browser could not send.
 */
export function parseCheckInput(urlArg: string | undefined, o: CheckCliOptions): CheckInput {
  if (o.stack !== undefined && !isRecipeId(o.stack)) {
    throw new UsageError(`--stack '${o.stack}' is not a known stack: ${RECIPES.map((r) => r.id).join(', ')}`);
  }
  if (o.credentials !== undefined) checkCredentials(o.credentials);
  const browsers = readBrowsers(o.browsers);
  const lna = checkLiveOnly(o);
  if (o.har !== undefined) {
    if (urlArg !== undefined || o.curl !== undefined) throw new UsageError('give one of a URL, --curl or --har');
    const only = o.entry === undefined ? undefined : Number(o.entry);
    if (only !== undefined && (!Number.isInteger(only) || only < 0)) throw new UsageError(`--entry must be an entry index (0, 1, ...), not '${o.entry}'`);
    return { kind: 'har', file: o.har, only, credentials: o.credentials as CredentialsMode | undefined, stack: o.stack, json: o.json === true, browsers };
  }
  let url = urlArg;
  let origin = o.origin;
  let insecure = o.insecure ?? false;
  let credentials = o.credentials;
  let method = o.method;
  let headerLines = o.header ?? [];
  let remarks: string[] = [];
  let credentialHeaders: HeaderList = [];
  if (o.curl !== undefined) {
    if (urlArg !== undefined) throw new UsageError('give either a URL or --curl, not both');
    const parsed = readCurl(o.curl);
    url = parsed.url;
    origin ??= parsed.origin ?? undefined;
    insecure ||= parsed.insecure;
    method = parsed.method;
    headerLines = parsed.headers.map(([n, v]) => `${n}: ${v}`);
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
  const pageOrigin = originOf(origin);
  if (pageOrigin !== origin) {
    remarks = [...remarks, `--origin ${origin}: the page's origin is ${pageOrigin} (scheme, host and port only), which is what the browser sends; using it.`];
  }
  if (!['fetch', 'xhr', 'eventsource'].includes(o.initiator)) throw new UsageError(`--initiator must be fetch, xhr or eventsource, not '${o.initiator}'`);
  const timeoutMs = readTimeoutMs(o.timeout);
  if (o.initiator === 'fetch' && hasUserinfo(url)) {
    // fetch() refuses a URL with a user name or password (a TypeError before anything is sent).
    throw new UsageError(`${url} has a user name or password: fetch() throws a TypeError for such URLs before sending anything. Drop them from the URL (send an Authorization header instead).`);
  }
  const local = localNetworkOf(pageOrigin, url, lna);
  if (local.remark !== null) remarks = [...remarks, local.remark];
  const { spaces } = local;
  // The same checks as a scenario file, so the messages name the field.
  const scenario = validateScenario({
    request: {
      url,
      origin: pageOrigin,
      method,
      headers: headerLines.map(parseHeader),
      credentials: (credentials ?? 'same-origin') as CredentialsMode,
      initiator: o.initiator as Initiator,
      // The engine refuses no-cors with xhr or eventsource, and a method other than GET, HEAD or POST (request.mode / request.method).
      ...(o.mode === 'no-cors' ? { mode: 'no-cors' } : {}),
      ...(spaces !== null ? { addressSpace: spaces, localNetworkAccess: lna } : {}),
    },
    preflight: null,
    response: { status: 200, headers: [] },
  });
  return {
    kind: 'live',
    browsers,
    request: scenario.request,
    credentialsGiven: credentials !== undefined,
    credentialHeaders,
    insecure,
    timeoutMs,
    probe: o.probe !== false,
    remarks,
    localNetworkNote: local.note,
    stack: o.stack,
    json: o.json === true,
  };
}

/**
 * Local Network Access for a page of `pageOrigin` requesting `url` (engine/address-space.ts reads the spaces from
 * the hosts: a public page, a loopback or private IP literal or localhost). With --local-network-access on a local
 * network request: the spaces the scenario gets and a remark. Without it: no spaces (the verdict is the CORS answer,
 * as before) and a note for the text report saying what the permission changes; JSON stays as it was.
 */
function localNetworkOf(pageOrigin: string, url: string, lna: string | undefined): { spaces: AddressSpaces | null; remark: string | null; note: string | null } {
  const spaces = localNetworkSpaces(pageOrigin, url);
  if (spaces === null) {
    const remark = lna === undefined ? null : `--local-network-access ${lna}: not a local network request (the page's origin is not public, or the URL's host is not localhost, a loopback or a private IP address), so it changes nothing.`;
    return { spaces, remark, note: null };
  }
  const lead = `The page (${pageOrigin}) is on the public internet and ${url} is on the user's ${spaces.target === 'loopback' ? 'own machine (loopback)' : 'local network'} (Local Network Access)`;
  if (lna === undefined) {
    const note = `${lead}: Chromium and Firefox send nothing there until the user allows local network access for ${pageOrigin}; judged here as allowed (the CORS answer). --local-network-access prompt (or denied) judges it before the user answers.`;
    return { spaces: null, remark: null, note };
  }
  const what = lna === 'granted' ? 'Chromium and Firefox send it once the user allows local network access (granted here)' : `Chromium and Firefox send nothing there until the user allows local network access (${lna} here: refused; --local-network-access granted judges it as allowed)`;
  return { spaces, remark: `${lead}: ${what}.`, note: null };
}

function readCurl(command: string): ReturnType<typeof parseCurl> {
  try {
    return parseCurl(command);
  } catch (e) {
    if (e instanceof CurlError) throw new UsageError(`--curl: ${e.message}`);
    throw e;
  }
}

/** A page URL, a trailing slash or capitals: the page's origin is what is meant. Not a URL: as given (the scenario check names it). */
function originOf(value: string): string {
  try {
    const url = new URL(value);
    const usable = (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '';
    return usable ? url.origin : value;
  } catch {
    return value;
  }
}

function hasUserinfo(value: string): boolean {
  try {
    const url = new URL(value);
    return url.username !== '' || url.password !== '';
  } catch {
    return false;
  }
}

/** Run `corsproof check`; returns the exit code. */
export async function checkCommand(urlArg: string | undefined, o: CheckCliOptions): Promise<number> {
  const input = parseCheckInput(urlArg, o);
  return input.kind === 'har' ? harCommand(input) : liveCommand(input);
}

/** `corsproof check --json` for a live request: the contract in the README ("The doctor"); built by the doctor's checkJson. */
export type { CheckJson } from '../doctor/report-json.js';

async function liveCommand(input: CheckInput & { kind: 'live' }): Promise<number> {
  const { stack, remarks } = input;
  const textRemarks = input.localNetworkNote === null ? remarks : [...remarks, input.localNetworkNote];
  try {
    const report = await check(input.request, {
      timeoutMs: input.timeoutMs,
      insecure: input.insecure,
      credentialHeaders: input.credentialHeaders,
      probe: input.probe,
      ...(input.browsers !== undefined ? { browsers: input.browsers } : {}),
    });
    // The request in mode cors: the report itself, or with --mode no-cors its cors part. The exit code follows it.
    const cors = report.cors ?? report;
    // Nothing said whether the page sends credentials: say what they would change.
    const ifCredentialed = input.credentialsGiven ? null : credentialedAlternative(cors.scenario, cors.verdict);
    const json = checkJson(report, { stack, remarks, ifCredentialed });
    if (input.json) {
      process.stdout.write(`${JSON.stringify(stamped(json), null, 2)}\n`);
    } else if (report.cors === undefined) {
      process.stdout.write(`${renderLive(report, json.recipes, stack, textRemarks, ifCredentialed)}\n`);
    } else {
      const notes = input.localNetworkNote === null ? [] : [input.localNetworkNote];
      process.stdout.write(`${renderNoCors(report, report.cors, json.cors?.recipes ?? [], stack, { remarks, notes }, ifCredentialed)}\n`);
    }
    return cors.verdict.ok ? 0 : 1;
  } catch (e) {
    if (!(e instanceof NetworkFailure)) throw e;
    if (input.json) {
      process.stdout.write(`${JSON.stringify(stamped(networkFailureJson(e)), null, 2)}\n`);
    } else {
      const flag =
        e.kind === 'tls' ? '\n  --insecure looks past the certificate, to see the CORS answer.' : e.kind === 'timeout' ? '\n  --timeout <seconds> waits longer.' : '';
      process.stderr.write(
        `corsproof: the request did not complete: ${e.message}\n  A browser reports this as a network error (Firefox: CORSDidNotSucceed), before any CORS check.${flag}\n`,
      );
    }
    return 3;
  }
}


/** A live report as text: the exchanges, the verdict, what the input and credentials change, cookies, exposure, recipes. */
function renderLive(report: CheckReport, recipes: RenderedRecipe[], stack: RecipeId | undefined, remarks: string[], ifCredentialed: Verdict | null): string {
  const cookies = report.cookies.map((c) => `\n  ${c.severity === 'error' ? pc.red('Cookie') : pc.yellow('Cookie')}: ${c.message}`).join('');
  const exposure = report.exposure.map((f) => `\n  ${f.severity === 'error' ? pc.red('Exposure') : pc.yellow('Exposure')}: ${f.message}`).join('');
  const shown = renderRecipes(recipes.slice(0, 2), stack === undefined ? '(detected; --stack <id> for another)' : '', '    ');
  const hint = recipes.length === 0 && !report.verdict.ok ? `\n\n  ${pc.dim(`No stack detected: pick one with --stack (${RECIPES.map((r) => r.id).join(', ')}).`)}` : '';
  const context = renderContext(remarks, ifCredentialed);
  return `${renderExchanges(report.exchanges, report.layers)}\n\n${renderVerdict(report.scenario, report.verdict)}${context ? `\n${context}` : ''}${cookies}${exposure}${shown}${hint}`;
}

/**
 * --mode no-cors as text: what the no-cors request sent and got, the opaque verdict (why it fixes nothing; its
 * "in mode 'cors'" line judged on the server's answers to the cors request, sent too), then the full report of
 * the request in mode cors.
 */
function renderNoCors(
  report: CheckReport,
  cors: CheckReport,
  recipes: RenderedRecipe[],
  stack: RecipeId | undefined,
  /** How the input was read (with the no-cors part); notes on the verdict (with the mode cors part). */
  text: { remarks: string[]; notes: string[] },
  ifCredentialed: Verdict | null,
): string {
  // An opaque verdict is written with the answers the cors request got (what reading the response needs);
  // any other (a same-origin request, a no-cors request that failed on the way) with its own answers.
  const shownScenario = report.verdict.opaque === true ? { ...cors.scenario, request: report.scenario.request } : report.scenario;
  const context = renderContext(text.remarks, null);
  const noCorsPart = `${pc.bold("mode 'no-cors'")} ${pc.dim('(what fetch(url, { mode: \'no-cors\' }) sends)')}\n${renderExchanges(report.exchanges, report.layers)}\n\n${renderVerdict(shownScenario, report.verdict)}${context ? `\n${context}` : ''}`;
  const verdict = cors.verdict.ok ? pc.green('passes') : pc.red('is blocked');
  const lead = `${pc.bold("mode 'cors'")} ${pc.dim('(the same request without mode: \'no-cors\', sent too: what the page needs to read the answer)')}: it ${verdict}${cors.verdict.ok ? "; drop mode: 'no-cors'." : '. Fix this, not the mode:'}`;
  return `${noCorsPart}\n\n${lead}\n${renderLive(cors, recipes, stack, text.notes, ifCredentialed)}`;
}

/** The `check` command, with its options and help. */
export function defineCheck(cmd: Command): void {
  cmd
    .command('check')
    .description('Send what the browser would send (the preflight, then the request with Origin) to a live URL and explain the verdict of Chromium, Firefox and WebKit (Safari).')
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
    .option('--browsers <list>', BROWSERS_HELP)
    .option(
      '--mode <mode>',
      "fetch()'s mode: cors (default) or no-cors. no-cors sends what fetch(url, { mode: 'no-cors' }) sends (no preflight, only Accept, Accept-Language, Content-Language and a safelisted Content-Type, Origin only on a POST; GET, HEAD and POST only), says why its opaque answer fixes nothing, then sends the same request in mode cors (a POST is sent twice) and reports what the server answers it: the exit code follows mode cors. Works with --curl, not with --har",
    )
    .option(
      '--local-network-access <state>',
      "the page's Local Network Access permission in Chromium and Firefox: granted, denied or prompt (unanswered, which the browser treats as refused). Used when --origin is public and the URL's host is localhost, a loopback or a private IP address: until granted, Chromium and Firefox send nothing there. Not given: judged as allowed (the CORS answer), with a note",
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
  corsproof check https://api.example.com/v1/me --origin https://app.example.com --browsers chromium,firefox
  corsproof check https://api.example.com/v1/items --origin https://app.example.com --method POST --mode no-cors
  corsproof check http://127.0.0.1:8080/api --origin https://app.example.com --local-network-access granted

Proxies as curl: HTTPS_PROXY (https URLs, CONNECT tunnel), http_proxy (http URLs; not HTTP_PROXY), ALL_PROXY, NO_PROXY (loopback always direct).
The verdict covers Chromium, Firefox and WebKit (Safari) unless --browsers names fewer: a request one of them blocks is blocked.
Exit codes: 0 the browsers allow it, 1 one blocks it (with --har: any entry; with --mode no-cors: the request in mode cors), 2 bad usage or input, 3 the request did not complete.`,
    )
    .action(async (url: string | undefined, options: CheckCliOptions) => {
      process.exitCode = await checkCommand(url, options);
    });
}
