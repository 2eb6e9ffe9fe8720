/** The error `createPolicy` throws: every problem with the options at once. */

/** One problem with the options. */
export interface ConfigProblem {
  /** A stable code, e.g. `credentials-with-wildcard`. */
  code: string;
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
