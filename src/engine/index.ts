/**
 * corsproof's engine: a browser in a function.
 *
 * `evaluate(scenario)` reaches the verdict real Chromium, Firefox and WebKit
 * reach for a cross-origin request, its preflight and its response, with
 * each browser's own error code and console message, and the fix.
 *
 * @packageDocumentation
 */
export { evaluate, evaluateIn, webkitConsole, REDIRECT_LIMIT } from './evaluate.js';
export { BROWSER_NAMES, MODELED_VERSIONS } from './browsers.js';
export type { BrowserOutcome } from './evaluate.js';
export { validateScenario } from './validate.js';
export { ScenarioError } from './request.js';
export { REASONS, WARNINGS, reason, warning, chromiumMessage, firefoxMessage } from './reasons.js';
export type { Reason, ReasonContext, FirefoxReason, ChromiumReason, WebKitReason, WebKitReasonId, WebKitConsoleLine, Warning, ReasonId, WarningId } from './reasons.js';
export { readConsoleLine } from './console.js';
export type { ConsoleReading, ConsoleNotRecognised, ConsoleGiven, ConsoleDraft, ConsoleField, ConsoleAssumption } from './console.js';
export type * from './types.js';
