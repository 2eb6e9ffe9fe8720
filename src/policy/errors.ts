/** The error `createPolicy` throws: every problem with the options at once. */

/**
 * Every problem code `createPolicy` reports, with what it refuses: the table
 * the README's "Validation rules" lists (a test keeps the two equal).
 */
export const CONFIG_PROBLEMS = {
  'credentials-with-wildcard': "origin '*' (or an origin function's '*') with credentials",
  'credentials-with-reflect-all': 'origin: true, or a function that allows any origin, with credentials',
  'origin-not-serialized': 'an origin that never equals an Origin header (path, trailing slash, case, default port, ...)',
  'origin-not-url': 'an origin that is not a URL',
  'origin-bad-scheme': 'an origin that is not http or https',
  'origin-whitespace': 'an origin with white space',
  'origin-list-in-string': 'several origins in one string',
  'null-origin': "the 'null' origin",
  'public-suffix-wildcard': 'a pattern directly under a public suffix, with credentials',
  'insecure-origin-with-credentials': 'plain http origins other than loopback, with credentials',
  'origin-regexp-unanchored': 'a RegExp that also matches origins nobody meant',
  'origin-regexp-backtracking': 'a RegExp that backtracks exponentially or steeply polynomially',
  'origin-bad-pattern': 'a malformed pattern',
  'origin-wildcard-in-list': "'*' inside a list",
  'origin-empty': "[], '', null: no origin at all",
  'method-invalid': 'a method that is not a token',
  'method-forbidden': 'CONNECT, TRACE, TRACK',
  'method-case': 'a lowercase method',
  'header-invalid': 'a header name that is not a token',
  'header-forbidden': 'a request header script can never set',
  'header-cors': 'an Access-Control-* name as a request header',
  'header-wildcard-in-list': "'*' inside allowedHeaders' list",
  'expose-wildcard-with-credentials': "exposedHeaders '*' with credentials",
  'expose-set-cookie': 'Set-Cookie exposed',
  'max-age-invalid': 'a maxAge that is not a whole number of seconds from 0 to 86400',
  'status-not-ok': 'an optionsSuccessStatus outside 200-299',
  'unknown-option': 'an option corsproof does not have',
  'peer-option': "another package's option, with the corsproof way to write it",
  'bad-type': 'a value of the wrong type',
  'per-request-options': 'options computed per request',
} as const satisfies Record<string, string>;

/** A problem code: a key of {@link CONFIG_PROBLEMS}. */
export type ConfigProblemCode = keyof typeof CONFIG_PROBLEMS;

/** One problem with the options. */
export interface ConfigProblem {
  /** A stable code, e.g. `credentials-with-wildcard`. */
  code: ConfigProblemCode;
  /** Where: the option path, e.g. `origin[2]`. */
  path: string;
  /** What is wrong and what to write instead. */
  message: string;
}

/** Thrown by `createPolicy` (and the adapters) for a configuration a browser would reject or an attacker could exploit. */
export class CorsConfigError extends Error {
  /** Every problem found, in option order. */
  readonly problems: readonly ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    const lines = problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n');
    super(
      `corsproof: ${problems.length === 1 ? 'this CORS configuration has a problem' : `this CORS configuration has ${problems.length} problems`}:\n${lines}`,
    );
    this.name = 'CorsConfigError';
    this.problems = problems;
  }
}
