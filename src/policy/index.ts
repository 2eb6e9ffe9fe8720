/**
 * corsproof's CORS policy: validated configuration and framework-neutral
 * decisions. The adapters (`corsproof/express`, `corsproof/node`, ...) are
 * thin layers over it.
 *
 * @packageDocumentation
 */
export { createPolicy, mergeVary, answersPreflight } from './policy.js';
export type { Policy, CorsDecision, ActualDecision, PreflightDecision } from './policy.js';
export { CorsConfigError, CONFIG_PROBLEMS } from './errors.js';
export type { ConfigProblem, ConfigProblemCode } from './errors.js';
export type { CorsOptions, PolicyRequest, OriginFunction, OriginEntry, OriginValue, OriginCallback, CredentialsFunction } from './options.js';
export type { PolicyConventions } from './compile.js';
export type { OriginFunctionStyle } from './origin-function.js';
export { MAX_AGE_CAPS } from './compile.js';
