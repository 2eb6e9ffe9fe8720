/**
 * `corsproof scan --sarif`: the findings as a SARIF 2.1.0 log, the format
 * GitHub code scanning (and other SARIF viewers) read. A plain object; the
 * CLI writes it with `JSON.stringify`.
 *
 * One run; the tool's driver lists one rule per finding id (from the
 * severity table the caller passes), and each finding is one result that
 * points at where its target was read from: the URL list's line, the
 * OpenAPI document's line and JSON pointer, the HAR's entry, or the URL
 * itself when it was given as an argument. Each result carries a stable
 * fingerprint (SHA-256 of the id, method, URL and probe) so that a viewer
 * can match the same finding across runs.
 *
 * No Node API here (the SHA-256 is computed in place), so this module runs
 * anywhere the engine does.
 */
import type { Finding, FindingId, Severity, TargetSource } from './types.js';

/** The SARIF levels a corsproof rule or result can have. */
export type SarifLevel = 'error' | 'warning' | 'note';

/** A SARIF `message` or `multiformatMessageString`: plain text. */
export interface SarifText {
  text: string;
}

/** A SARIF `reportingDescriptor`: one rule (one finding id). */
export interface SarifRule {
  id: FindingId;
  /** The id in PascalCase (`reflects-any-origin` → `ReflectsAnyOrigin`). */
  name: string;
  shortDescription: SarifText;
  fullDescription: SarifText;
  help: SarifText;
  helpUri?: string;
  defaultConfiguration: { level: SarifLevel };
  properties: { 'security-severity': string; tags: string[] };
}

/** A SARIF `location`: a file (and line), or the scanned URL, and what inside a file (a JSON pointer, a HAR entry). */
export interface SarifLocation {
  physicalLocation: {
    artifactLocation: { uri: string };
    region?: { startLine: number };
  };
  logicalLocations?: Array<{ name?: string; fullyQualifiedName?: string }>;
}

/** A SARIF `result`: one finding. */
export interface SarifResult {
  ruleId: FindingId;
  ruleIndex: number;
  level: SarifLevel;
  message: SarifText;
  locations: SarifLocation[];
  partialFingerprints: Record<string, string>;
  properties: {
    method: string;
    url: string;
    probe: string | null;
    /** Whether each browser lets a page at the probe origin read the response. */
    browsers: { chromium: boolean; firefox: boolean; webkit: boolean };
    evidenceCount: number;
    /** The fix recipe's id for the detected stack (`corsproof check --stack <id>`), or null. */
    recipe: string | null;
    /** The layer that answered (nginx, Express, ...), or null. */
    layer: string | null;
    cookies?: string;
  };
}

/** A SARIF `notification` in an invocation: one target that could not be scanned. */
export interface SarifNotification {
  level: 'error';
  message: SarifText;
  descriptor: { id: string };
  properties: { url: string };
}

/** A SARIF `artifact`: a file (or argument URL) the targets were read from. */
export interface SarifArtifact {
  location: { uri: string };
  roles: ['analysisTarget'];
}

/** A SARIF `run`: corsproof's one run. */
export interface SarifRun {
  tool: {
    driver: {
      name: 'corsproof';
      informationUri: string;
      version: string;
      rules: SarifRule[];
    };
  };
  invocations?: Array<{ executionSuccessful: boolean; toolExecutionNotifications: SarifNotification[] }>;
  artifacts?: SarifArtifact[];
  results: SarifResult[];
}

/** A SARIF 2.1.0 log (the top-level `sarifLog` object). */
export interface SarifLog {
  $schema: typeof SARIF_SCHEMA;
  version: '2.1.0';
  runs: [SarifRun];
}

/** One row of the severity table, as a rule: what the finding id means and how bad it is. */
export interface SarifRuleInput {
  id: FindingId;
  severity: Severity;
  /** One line: becomes the rule's `shortDescription`. */
  title: string;
  /** Why it matters: becomes the rule's `fullDescription` and help text. */
  reason: string;
  helpUri?: string;
}

/** A target that could not be scanned (a network failure, a timeout, ...). */
export interface SarifScanError {
  url: string;
  /** A short machine-readable name (e.g. `timeout`): the notification's descriptor id. */
  kind: string;
  message: string;
}

/** What {@link toSarif} needs besides the findings. */
export interface SarifOptions {
  /** corsproof's version (`tool.driver.version`). */
  toolVersion: string;
  /** Every rule, in the order the log lists them: one per finding id (a finding whose id has none throws). */
  rules: ReadonlyArray<SarifRuleInput>;
  /** The targets scanned: their sources are listed as the run's artifacts (analysis targets), findings or not. */
  targets?: ReadonlyArray<{ source: TargetSource; url: string }>;
  /** Targets that could not be scanned: given (even empty), the run gets an invocation with one notification each. */
  errors?: ReadonlyArray<SarifScanError>;
  /** The invocation's `executionSuccessful`; by default, whether `errors` is empty. */
  executionSuccessful?: boolean;
}

/** The `$schema` URI GitHub's documentation gives for SARIF 2.1.0. */
export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

/** Where the tool's documentation lives (`tool.driver.informationUri`). */
export const INFORMATION_URI = 'https://github.com/corsproof/corsproof';

/** The `partialFingerprints` key of a result's stable identity (bump the version if its inputs ever change). */
export const FINGERPRINT_KEY = 'corsproofFinding/v1';

/** A severity as a SARIF level (for the rule's default and for each result). */
export const SARIF_LEVEL: Readonly<Record<Severity, SarifLevel>> = { high: 'error', medium: 'warning', low: 'note', info: 'note' };

/**
 * A severity as GitHub code scanning's `security-severity` (a string, a
 * score up to 10.0: from 7.0 it shows `high`, from 4.0 `medium`, from 0.1
 * `low`; 0.0 is no security severity).
 */
export const SECURITY_SEVERITY: Readonly<Record<Severity, string>> = { high: '8.0', medium: '5.0', low: '3.0', info: '0.0' };

/**
 * The findings as a SARIF 2.1.0 log: one run, one rule per entry of
 * `options.rules`, one result per finding (in order). Throws an Error when
 * a finding's id has no rule or a rule id is listed twice.
 */
export function toSarif(findings: readonly Finding[], options: SarifOptions): SarifLog {
  const ruleIndex = new Map<FindingId, number>();
  options.rules.forEach((rule, index) => {
    if (ruleIndex.has(rule.id)) throw new Error(`toSarif: the rule ${rule.id} is listed twice`);
    ruleIndex.set(rule.id, index);
  });
  const results = findings.map((finding) => {
    const index = ruleIndex.get(finding.id);
    if (index === undefined) throw new Error(`toSarif: no rule for the finding id ${finding.id}`);
    return sarifResult(finding, index);
  });
  const run: SarifRun = {
    tool: { driver: { name: 'corsproof', informationUri: INFORMATION_URI, version: options.toolVersion, rules: options.rules.map(sarifRule) } },
    results,
  };
  if (options.errors) {
    const notifications = options.errors.map(sarifNotification);
    run.invocations = [{ executionSuccessful: options.executionSuccessful ?? notifications.length === 0, toolExecutionNotifications: notifications }];
  }
  if (options.targets) run.artifacts = sarifArtifacts(options.targets);
  return { $schema: SARIF_SCHEMA, version: '2.1.0', runs: [run] };
}

/** One rule's reporting descriptor. */
function sarifRule(rule: SarifRuleInput): SarifRule {
  const descriptor: SarifRule = {
    id: rule.id,
    name: pascalCase(rule.id),
    shortDescription: { text: rule.title },
    fullDescription: { text: rule.reason },
    help: { text: rule.helpUri ? `${rule.reason}\n\nSee ${rule.helpUri}` : rule.reason },
    defaultConfiguration: { level: SARIF_LEVEL[rule.severity] },
    properties: { 'security-severity': SECURITY_SEVERITY[rule.severity], tags: ['security', 'cors'] },
  };
  if (rule.helpUri) descriptor.helpUri = rule.helpUri;
  return descriptor;
}

/** One finding's result. */
function sarifResult(finding: Finding, ruleIndex: number): SarifResult {
  const properties: SarifResult['properties'] = {
    method: finding.method,
    url: finding.url,
    probe: finding.probe,
    browsers: { chromium: finding.browsers.chromium, firefox: finding.browsers.firefox, webkit: finding.browsers.webkit },
    evidenceCount: finding.evidence.length,
    recipe: finding.recipe,
    layer: finding.layer,
  };
  if (finding.cookies !== undefined) properties.cookies = finding.cookies;
  return {
    ruleId: finding.id,
    ruleIndex,
    level: SARIF_LEVEL[finding.severity],
    message: { text: `${finding.message}\nFix: ${finding.fix}` },
    locations: [sarifLocation(finding.source, finding.url)],
    partialFingerprints: { [FINGERPRINT_KEY]: findingFingerprint(finding) },
    properties,
  };
}

/** Where a finding's target was read from, as a SARIF location. */
export function sarifLocation(source: TargetSource, url: string): SarifLocation {
  switch (source.kind) {
    case 'argument':
      return { physicalLocation: { artifactLocation: { uri: url } } };
    case 'url-list':
      return { physicalLocation: { artifactLocation: { uri: fileUri(source.file) }, region: { startLine: source.line } } };
    case 'openapi':
      return {
        physicalLocation: { artifactLocation: { uri: fileUri(source.file) }, region: { startLine: source.line } },
        logicalLocations: [{ fullyQualifiedName: source.pointer }],
      };
    case 'har':
      return { physicalLocation: { artifactLocation: { uri: fileUri(source.file) } }, logicalLocations: [{ name: `log.entries[${source.entry}]` }] };
  }
}

/** The targets' sources as the run's artifacts: each file (or argument URL) once, in the order first seen. */
function sarifArtifacts(targets: ReadonlyArray<{ source: TargetSource; url: string }>): SarifArtifact[] {
  const uris = new Set(targets.map((target) => sarifLocation(target.source, target.url).physicalLocation.artifactLocation.uri));
  return [...uris].map((uri) => ({ location: { uri }, roles: ['analysisTarget'] }));
}

/** A target that could not be scanned, as a tool execution notification. */
function sarifNotification(error: SarifScanError): SarifNotification {
  return { level: 'error', message: { text: `${error.url}: ${error.message}` }, descriptor: { id: error.kind }, properties: { url: error.url } };
}

/**
 * A file path as a URI reference: the path as given (relative stays
 * relative), with `\` as `/` and each segment percent-encoded (a space, `#`
 * or `?` in a file name); a Windows drive path becomes a `file:` URI.
 */
export function fileUri(path: string): string {
  const segments = path.replace(/\\/g, '/').split('/');
  const drive = /^[A-Za-z]:$/.test(segments[0] ?? '') ? segments.shift() : undefined;
  const encoded = segments.map((segment) => encodeURIComponent(segment)).join('/');
  return drive === undefined ? encoded : `file:///${drive}/${encoded}`;
}

/** A finding's stable identity: the SHA-256 (hex) of its id, method, URL and probe. */
export function findingFingerprint(finding: Pick<Finding, 'id' | 'method' | 'url' | 'probe'>): string {
  return sha256Hex(JSON.stringify([finding.id, finding.method, finding.url, finding.probe]));
}

/** `reflects-any-origin` → `ReflectsAnyOrigin`. */
function pascalCase(id: string): string {
  return id
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}

/** The first `count` primes. */
function primes(count: number): number[] {
  const found: number[] = [];
  for (let n = 2; found.length < count; n++) if (found.every((p) => n % p !== 0)) found.push(n);
  return found;
}

/** The first 32 bits of a number's fractional part. */
const fraction32 = (x: number): number => ((x - Math.floor(x)) * 2 ** 32) >>> 0;

/** SHA-256's round constants (cube roots of the first 64 primes) and initial hash (square roots of the first 8), FIPS 180-4 §4.2.2, §5.3.3. */
const SHA256_K = Uint32Array.from(primes(64), (p) => fraction32(Math.cbrt(p)));
const SHA256_H0 = Uint32Array.from(primes(8), (p) => fraction32(Math.sqrt(p)));

const rotr = (x: number, n: number): number => (x >>> n) | (x << (32 - n));

/** SHA-256 (FIPS 180-4) of a string's UTF-8 bytes, as lowercase hex. Synchronous and without Node's crypto. */
export function sha256Hex(text: string): string {
  const bytes = new TextEncoder().encode(text);
  const padded = new Uint8Array(Math.ceil((bytes.length + 9) / 64) * 64);
  padded.set(bytes);
  padded[bytes.length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(bytes.length / 2 ** 29));
  view.setUint32(padded.length - 4, (bytes.length * 8) >>> 0);
  const hash = Uint32Array.from(SHA256_H0);
  const w = new Uint32Array(64);
  for (let block = 0; block < padded.length; block += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(block + i * 4);
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15]!;
      const y = w[i - 2]!;
      w[i] = w[i - 16]! + (rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3)) + w[i - 7]! + (rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10));
    }
    let [a, b, c, d, e, f, g, h] = [hash[0]!, hash[1]!, hash[2]!, hash[3]!, hash[4]!, hash[5]!, hash[6]!, hash[7]!];
    for (let i = 0; i < 64; i++) {
      const t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + SHA256_K[i]! + w[i]!;
      const t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      [h, g, f, e, d, c, b, a] = [g, f, e, (d + t1) >>> 0, c, b, a, (t1 + t2) >>> 0];
    }
    [a, b, c, d, e, f, g, h].forEach((value, i) => (hash[i] = hash[i]! + value));
  }
  return Array.from(hash, (word) => word.toString(16).padStart(8, '0')).join('');
}
