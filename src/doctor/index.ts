/**
 * `corsproof/doctor`: what `corsproof check` does, for programs. Sends what
 * the browser would send to a live URL (the preflight, the request, each
 * redirect hop) and judges the answers with the engine; reads "Copy as
 * cURL" commands and HAR exports into the requests pages made. Node only
 * (it opens connections); the engine and the policy live in `corsproof`.
 *
 * ```ts
 * import { check, parseCurl, diagnoseHar } from 'corsproof/doctor';
 * const report = await check({ url: 'https://api.example.com/me', origin: 'https://app.example.com', method: 'GET', headers: [], credentials: 'include' });
 * console.log(report.verdict.ok, report.verdict.chromium?.message);
 * ```
 *
 * @packageDocumentation
 */
export { check, NetworkFailure } from './check.js';
export type { CheckReport, CheckOptions } from './check.js';
export { recipesForReport } from './fixes.js';
export type { RenderedRecipe, FixableReport } from './fixes.js';
export type { Exchange, NetworkFailureKind, OutgoingRequest } from './exchange.js';
export { parseCurl, CurlError } from './curl.js';
export type { CurlRequest } from './curl.js';
export { diagnoseHar, HarError } from './har.js';
export type { HarDiagnosis, HarOptions, CredentialsSource } from './har.js';
