/**
 * corsproof: the browser-exact CORS engine and the validated CORS policy.
 *
 * @packageDocumentation
 */
export * from './engine/index.js';
export * from './policy/index.js';
