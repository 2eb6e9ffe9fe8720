/**
 * The permalink: the whole scenario in the URL's fragment (`#s=...`), which
 * browsers never send to a server, so a shared link keeps the scenario on the
 * machines that open it. `corsproof ui` puts its per-launch token there too
 * (`#token=...`); the page takes it out of the address at once, so no
 * permalink ever carries it.
 */
import type { Scenario } from '../engine/types.js';
import { validateScenario } from '../engine/validate.js';

/** The fragment's fields. */
export interface Fragment {
  /** The encoded scenario, or null. */
  scenario: string | null;
  /** `corsproof ui`'s token, or null. */
  token: string | null;
}

/** Read `#s=...&token=...` (either may be missing; anything else is ignored). */
export function readFragment(hash: string): Fragment {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  return { scenario: params.get('s'), token: params.get('token') };
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** A scenario as the fragment's `s` value: its JSON, UTF-8, base64url. */
export function encodeScenario(scenario: Scenario): string {
  return toBase64Url(new TextEncoder().encode(JSON.stringify(scenario)));
}

/**
 * A fragment's `s` value read back and checked by the engine's validator.
 * Throws a ScenarioError naming the field, or an Error when it is not
 * base64url JSON.
 */
export function decodeScenario(text: string): Scenario {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(fromBase64Url(text)));
  } catch {
    throw new Error('the permalink is damaged (its scenario is not base64url JSON)');
  }
  return validateScenario(json);
}

/** The fragment that keeps this scenario: `#s=...`. */
export function fragmentFor(scenario: Scenario): string {
  return `#s=${encodeScenario(scenario)}`;
}
