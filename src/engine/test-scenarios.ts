/**
 * The scenarios the engine's unit tables start from (test support: not built
 * into the package). A page at {@link PAGE} fetches {@link API}.
 */
import type { HeaderList, Scenario, ScenarioRequest } from './types.js';

export const PAGE = 'https://app.example';
export const API = 'https://api.example/data';
export const ACAO = 'Access-Control-Allow-Origin';
export const ACAC = 'Access-Control-Allow-Credentials';

/** A request from the page (defaults: GET, no headers, credentials same-origin), the response's headers, and the preflight's (or none). */
export function scenario(
  request: Partial<ScenarioRequest>,
  response: HeaderList,
  preflight: HeaderList | null = null,
  extra: Partial<Scenario> = {},
): Scenario {
  return {
    request: { url: API, origin: PAGE, method: 'GET', headers: [], credentials: 'same-origin', ...request },
    preflight: preflight ? { status: 204, headers: preflight } : null,
    response: { status: 200, headers: response },
    ...extra,
  };
}
