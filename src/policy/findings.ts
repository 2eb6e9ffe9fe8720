/**
 * THE finding table: one row per finding id (the JSON contract of
 * `corsproof scan`, and the ids of `check`'s exposure findings), with its
 * severity rule and the reason for it in one line. The scanner's judge, its
 * text report and SARIF rules, the doctor's exposure findings and the README
 * read it. Pure data, beside the probe table (probes.ts), whose classes are
 * the first ten ids.
 *
 * Severity follows what an attacker gains, the way a browser would let
 * them: a flaw any website can use is high when Chromium or Firefox lets a
 * page at the probe origin read a credentialed 2xx response, low when it
 * reads only without credentials; a flaw that needs a network attacker or
 * a subdomain is medium with credentials, low without; the rest are
 * functional errors or hygiene (info), or cache poisoning (low).
 */

/** How bad a finding is: what an attacker gains, as the finding table says. */
export type Severity = 'high' | 'medium' | 'low' | 'info';

/** Who can use a probe class's flaw, which decides its severity. */
export type Reach = 'any-website' | 'network-or-subdomain';

/** One row of the finding table. */
export interface FindingRow {
  /** The finding id: the JSON contract (`corsproof scan --json`, SARIF rule ids, `check`'s exposure ids). */
  id: string;
  /** A title, in a few words. */
  title: string;
  /** Why it has its severity, in one line (the README's table; SARIF's fullDescription, with {@link SEVERITY_RULES} for a probe class). */
  reason: string;
  /**
   * For the probe classes: who can use the flaw (the severity then depends
   * on whether credentials ride along); for the rest, `null` and a fixed
   * severity.
   */
  reach: Reach | null;
  /** The severity of a finding that does not depend on credentials. */
  severity: Severity;
}

/** How a probe class's severity is decided, by who can use the flaw. */
export const SEVERITY_RULES: Readonly<Record<Reach, string>> = {
  'any-website': 'High when a page on any website can read credentialed 2xx responses (Access-Control-Allow-Credentials: true), low when it reads them only without credentials.',
  'network-or-subdomain': 'Medium with credentials, low without: it takes a network attacker or control of a subdomain.',
};

/** The table, in the order a report lists findings of equal severity. */
export const FINDINGS = [
  { id: 'reflects-any-origin', title: 'Any origin is allowed', reason: 'The server sends back whatever Origin it receives.', reach: 'any-website', severity: 'high' },
  { id: 'trusts-null', title: "The origin 'null' is allowed", reason: 'Sandboxed iframes and data: pages of any site send Origin: null.', reach: 'any-website', severity: 'high' },
  { id: 'prefix-match', title: 'Origins that start with an allowed one are allowed', reason: 'An attacker registers app.example.com.attacker.test.', reach: 'any-website', severity: 'high' },
  { id: 'suffix-match', title: 'Origins that end with an allowed domain are allowed', reason: 'An attacker registers attackerexample.com.', reach: 'any-website', severity: 'high' },
  { id: 'unescaped-dot', title: "An unescaped '.' in the origin pattern", reason: 'Any character stands for the dot, so an attacker registers appxexample.com.', reach: 'any-website', severity: 'high' },
  { id: 'substring-match', title: 'Origins contained in an allowed one are allowed', reason: 'An attacker registers a name the allowed host contains (app.example.co).', reach: 'any-website', severity: 'high' },
  { id: 'special-characters', title: 'Matching stops at a special character', reason: 'Browsers accept characters such as _ and ! in host names, so app.example.com_.attacker.test passes.', reach: 'any-website', severity: 'high' },
  { id: 'trusts-third-party-host', title: 'A hosting service where anyone can publish is allowed', reason: 'Anyone can publish a page under github.io, netlify.app, vercel.app and more.', reach: 'any-website', severity: 'high' },
  { id: 'trusts-http-origin', title: 'The plain-http twin of an https origin is allowed', reason: 'Anyone on the network path can answer for an http:// origin.', reach: 'network-or-subdomain', severity: 'medium' },
  { id: 'trusts-any-subdomain', title: 'Every subdomain is allowed', reason: 'One taken-over or user-content subdomain reads everything.', reach: 'network-or-subdomain', severity: 'medium' },
  { id: 'missing-vary-origin', title: 'Access-Control-Allow-Origin varies without Vary: Origin', reason: 'A browser or shared cache can hand one origin\'s answer to another (cache poisoning, or requests that fail at random).', reach: null, severity: 'low' },
  { id: 'wildcard', title: "Access-Control-Allow-Origin: * (public)", reason: 'Any page can read responses without credentials, as for any public resource; no cookies ride along.', reach: null, severity: 'info' },
  { id: 'wildcard-with-credentials', title: "'*' with Access-Control-Allow-Credentials: true", reason: 'Browsers refuse this combination: every credentialed request fails (a functional error, never a leak).', reach: null, severity: 'info' },
  { id: 'invalid-allow-origin', title: 'Access-Control-Allow-Origin is not an origin', reason: 'A list, a pattern or a trailing slash matches no origin: every request fails (a functional error).', reach: null, severity: 'info' },
  { id: 'multiple-allow-origin', title: 'Access-Control-Allow-Origin set twice', reason: 'Two lines (often middleware and a proxy both set it): browsers refuse the response (a functional error).', reach: null, severity: 'info' },
  { id: 'preflight-reflects-methods', title: 'The preflight allows any method it is asked for', reason: 'An invented method is echoed in Access-Control-Allow-Methods: it widens what allowed origins may send, not who may read.', reach: null, severity: 'info' },
  { id: 'preflight-reflects-headers', title: 'The preflight allows any header it is asked for', reason: 'An invented header is echoed in Access-Control-Allow-Headers: it widens what allowed origins may send, not who may read.', reach: null, severity: 'info' },
  { id: 'expose-wildcard-with-credentials', title: "Access-Control-Expose-Headers: * with credentials", reason: "With credentials browsers read '*' as a header name, so it exposes nothing extra (ineffective, not a leak).", reach: null, severity: 'info' },
] as const satisfies readonly FindingRow[];

/** The finding ids, as the table has them. */
export type FindingId = (typeof FINDINGS)[number]['id'];

/** The ids of the probe classes (rows with a reach): src/policy/probes.ts has a class for each. */
export type ProbeFindingId = Extract<(typeof FINDINGS)[number], { reach: Reach }>['id'];

/** The row of a finding id. */
export function findingRow(id: FindingId): FindingRow & { id: FindingId } {
  return FINDINGS.find((row) => row.id === id) as FindingRow & { id: FindingId };
}

/**
 * A finding's severity: the row's own, or for a probe class, by whether a
 * page on the probe origin reads credentialed 2xx responses: a flaw any
 * website can use is high, one that needs a network attacker or a
 * subdomain medium; readable only without credentials (or no data behind
 * it), low.
 */
export function severityOf(id: FindingId, credentialedData: boolean): Severity {
  const row = findingRow(id);
  if (row.reach === null) return row.severity;
  if (!credentialedData) return 'low';
  return row.reach === 'any-website' ? 'high' : 'medium';
}
