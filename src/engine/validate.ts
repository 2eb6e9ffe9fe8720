/**
 * Shape checks for untrusted scenario JSON. Every problem names the JSON
 * path of the field, so a CLI can say exactly what to change.
 */
import { ADDRESS_SPACES, LOCAL_NETWORK_PERMISSIONS } from './address-space.js';
import { isHeaderName } from './headers.js';
import { ScenarioError, parseHttpUrl, parseOrigin } from './request.js';
import { isRedirectStatus } from './status.js';
import type { AddressSpace, AddressSpaces, CredentialsMode, HeaderList, Initiator, LocalNetworkPermission, RequestMode, Scenario, ScenarioRequest, ScenarioResponse } from './types.js';

const CREDENTIALS: readonly CredentialsMode[] = ['omit', 'same-origin', 'include'];
const INITIATORS: readonly Initiator[] = ['fetch', 'xhr', 'eventsource'];
const MODES: readonly RequestMode[] = ['cors', 'no-cors'];

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? `the string ${JSON.stringify(v)}` : `${typeof v} ${JSON.stringify(v)}`;
}

function objectAt(v: Json, field: string, keys: readonly string[], required: readonly string[]): Record<string, Json> {
  if (!isObject(v)) throw new ScenarioError(field, `expected an object, got ${describe(v)}`);
  for (const key of Object.keys(v)) {
    if (!keys.includes(key)) {
      throw new ScenarioError(`${field}.${key}`, `unknown field (expected one of: ${keys.join(', ')})`);
    }
  }
  for (const key of required) {
    if (!(key in v)) throw new ScenarioError(`${field}.${key}`, 'missing');
  }
  return v;
}

function stringAt(v: Json, field: string): string {
  if (typeof v !== 'string') throw new ScenarioError(field, `expected a string, got ${describe(v)}`);
  return v;
}

function headerValueProblem(value: string): string | null {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x0d || c === 0x0a) return 'a header value may not contain CR or LF';
    if (c === 0x00) return 'a header value may not contain NUL';
    if (c > 0xff) return `a header value is bytes: U+${c.toString(16).toUpperCase().padStart(4, '0')} is not a byte`;
  }
  return null;
}

function headerListAt(v: Json, field: string): HeaderList {
  if (!Array.isArray(v)) throw new ScenarioError(field, `expected an array of [name, value] pairs, got ${describe(v)}`);
  return v.map((entry: Json, i: number): [string, string] => {
    const at = `${field}[${i}]`;
    if (!Array.isArray(entry) || entry.length !== 2) {
      throw new ScenarioError(at, `expected a [name, value] pair, got ${describe(entry)}`);
    }
    const name = stringAt(entry[0], `${at}[0]`);
    const value = stringAt(entry[1], `${at}[1]`);
    if (!isHeaderName(name)) throw new ScenarioError(`${at}[0]`, `'${name}' is not a valid header name`);
    const problem = headerValueProblem(value);
    if (problem) throw new ScenarioError(`${at}[1]`, problem);
    return [name, value];
  });
}

function responseAt(v: Json, field: string): ScenarioResponse {
  const o = objectAt(v, field, ['status', 'headers'], ['status', 'headers']);
  const status = o.status;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
    throw new ScenarioError(`${field}.status`, `expected an HTTP status from 100 to 599, got ${describe(status)}`);
  }
  return { status, headers: headerListAt(o.headers, `${field}.headers`) };
}

function oneOf<T extends string>(v: Json, field: string, values: readonly T[]): T {
  const value = stringAt(v, field);
  if (!values.includes(value as T)) throw new ScenarioError(field, `expected one of ${values.join(', ')}, got '${value}'`);
  return value as T;
}

/** `request.addressSpace` and `request.localNetworkAccess` (Local Network Access), as the request's fields to add. */
function localNetworkAt(r: Record<string, Json>, at: (name: string) => string, redirectCount: number): Pick<ScenarioRequest, 'addressSpace' | 'localNetworkAccess'> {
  if (r.addressSpace === undefined) {
    if (r.localNetworkAccess !== undefined) {
      throw new ScenarioError(at('request.localNetworkAccess'), 'needs request.addressSpace: the permission matters only for a page in the public address space reaching a local or loopback one');
    }
    return {};
  }
  const field = at('request.addressSpace');
  const o = objectAt(r.addressSpace, field, ['page', 'target', 'redirectTargets', 'secureContext'], ['page', 'target']);
  const spaces: AddressSpaces = { page: oneOf(o.page, `${field}.page`, ADDRESS_SPACES), target: oneOf(o.target, `${field}.target`, ADDRESS_SPACES) };
  if (o.redirectTargets !== undefined) {
    const list = o.redirectTargets;
    if (!Array.isArray(list)) throw new ScenarioError(`${field}.redirectTargets`, `expected an array of address spaces or null, got ${describe(list)}`);
    if (list.length > redirectCount) {
      throw new ScenarioError(`${field}.redirectTargets`, `has ${list.length} entries for ${redirectCount} redirects (entry k is the address space redirects[k] points at)`);
    }
    spaces.redirectTargets = list.map((v: Json, i: number): AddressSpace | null => (v === null ? null : oneOf(v, `${field}.redirectTargets[${i}]`, ADDRESS_SPACES)));
  }
  if (o.secureContext !== undefined) {
    if (typeof o.secureContext !== 'boolean') throw new ScenarioError(`${field}.secureContext`, `expected true or false, got ${describe(o.secureContext)}`);
    spaces.secureContext = o.secureContext;
  }
  if (r.localNetworkAccess === undefined) return { addressSpace: spaces };
  return { addressSpace: spaces, localNetworkAccess: oneOf<LocalNetworkPermission>(r.localNetworkAccess, at('request.localNetworkAccess'), LOCAL_NETWORK_PERMISSIONS) };
}

/**
 * Check that untrusted JSON is a {@link Scenario}, and return it typed.
 *
 * @throws {@link ScenarioError} naming the first offending field (e.g.
 * `request.headers[1][1]: a header value may not contain CR or LF`).
 */
export function validateScenario(input: Json, field = ''): Scenario {
  const at = (name: string): string => (field === '' ? name : `${field}.${name}`);
  const root = objectAt(input, field === '' ? 'scenario' : field, ['request', 'preflight', 'redirects', 'redirectPreflights', 'response'], [
    'request',
    'response',
  ]);
  const r = objectAt(root.request, at('request'), ['url', 'origin', 'method', 'headers', 'credentials', 'initiator', 'mode', 'addressSpace', 'localNetworkAccess'], [
    'url',
    'origin',
  ]);
  const url = stringAt(r.url, at('request.url'));
  parseHttpUrl(url, at('request.url'));
  const origin = stringAt(r.origin, at('request.origin'));
  parseOrigin(origin, at('request.origin'));
  const method = r.method === undefined ? 'GET' : stringAt(r.method, at('request.method'));
  const headers = r.headers === undefined ? [] : headerListAt(r.headers, at('request.headers'));
  const credentials = r.credentials === undefined ? 'same-origin' : oneOf<CredentialsMode>(r.credentials, at('request.credentials'), CREDENTIALS);
  const initiator = r.initiator === undefined ? undefined : oneOf<Initiator>(r.initiator, at('request.initiator'), INITIATORS);
  const mode = r.mode === undefined ? undefined : oneOf<RequestMode>(r.mode, at('request.mode'), MODES);
  const preflight =
    root.preflight === undefined || root.preflight === null ? null : responseAt(root.preflight, at('preflight'));
  let redirects: ScenarioResponse[] | undefined;
  if (root.redirects !== undefined) {
    if (!Array.isArray(root.redirects)) {
      throw new ScenarioError(at('redirects'), `expected an array of {status, headers}, got ${describe(root.redirects)}`);
    }
    redirects = root.redirects.map((hop: Json, i: number) => {
      const response = responseAt(hop, at(`redirects[${i}]`));
      if (!isRedirectStatus(response.status)) {
        throw new ScenarioError(at(`redirects[${i}].status`), `a redirect needs 301, 302, 303, 307 or 308, got ${response.status}`);
      }
      if (!response.headers.some(([n]) => n.toLowerCase() === 'location')) {
        throw new ScenarioError(at(`redirects[${i}].headers`), 'a redirect needs a Location header');
      }
      return response;
    });
  }
  let redirectPreflights: Array<ScenarioResponse | null> | undefined;
  if (root.redirectPreflights !== undefined) {
    if (!Array.isArray(root.redirectPreflights)) {
      throw new ScenarioError(at('redirectPreflights'), `expected an array of {status, headers} or null, got ${describe(root.redirectPreflights)}`);
    }
    if (root.redirectPreflights.length > (redirects?.length ?? 0)) {
      throw new ScenarioError(at('redirectPreflights'), `has ${root.redirectPreflights.length} entries for ${redirects?.length ?? 0} redirects (entry k answers the preflight to redirects[k]'s target)`);
    }
    redirectPreflights = root.redirectPreflights.map((p: Json, i: number) => (p === null ? null : responseAt(p, at(`redirectPreflights[${i}]`))));
  }
  const response = responseAt(root.response, at('response'));
  const localNetwork = localNetworkAt(r, at, redirects?.length ?? 0);
  const scenario: Scenario = {
    request: { url, origin, method, headers, credentials: credentials as CredentialsMode, ...(initiator ? { initiator } : {}), ...(mode ? { mode } : {}), ...localNetwork },
    preflight,
    response,
  };
  if (redirects) scenario.redirects = redirects;
  if (redirectPreflights) scenario.redirectPreflights = redirectPreflights;
  return scenario;
}
