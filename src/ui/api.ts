/**
 * `corsproof ui`'s API, as the page and the server both see it: the token
 * header, the paths and the JSON each answers. Types and constants only (no
 * I/O), so the page's bundle can import it.
 */
import type { HeaderList, Scenario, Verdict } from '../engine/types.js';

/** The header every API call carries the per-launch token in. */
export const TOKEN_HEADER = 'X-Corsproof-Token';

/** `GET /api/health`: the server can run live checks. */
export const HEALTH_PATH = '/api/health';

/** `POST /api/check` with a ScenarioRequest as JSON: the doctor's live check. */
export const CHECK_PATH = '/api/check';

/** `GET /api/health`'s answer. */
export interface HealthJson {
  live: true;
}

/**
 * What the page reads of a live check's report. The server sends the whole
 * report as `corsproof check --json` prints it (CheckJson, built by
 * src/doctor/report-json.ts), which must stay assignable to this (the server
 * says so to the compiler). Written out here because the page's types know
 * nothing of Node, and CheckJson's do.
 */
export interface LiveReportJson {
  verdict: Verdict;
  scenario: Scenario;
  /** Every request the server sent, with the answer's status and raw header lines. */
  exchanges: Array<{ request: { method: string; url: string; headers: HeaderList }; status: number; headers: HeaderList }>;
  /** What browsers do with the response's cookies (credentialed requests). */
  cookies: Array<{ severity: string; message: string }>;
  /** What the CORS headers expose to other sites. */
  exposure: Array<{ severity: string; message: string }>;
}

/** A request that did not complete (502), as `check --json` prints it (NetworkFailureJson). */
export interface NetworkFailureAnswer {
  error: { kind: string; url: string; message: string };
}

/** An API call refused or a body the server cannot use (HTTP 400 to 429), as JSON. */
export interface ApiErrorJson {
  error: {
    kind: 'invalid' | 'too-busy';
    /** The offending field of the ScenarioRequest (`request.url`, ...), when one is to blame. */
    field?: string;
    message: string;
  };
}

/**
 * `POST /api/check`'s answer: the report as `corsproof check --json` prints
 * it (200), a request that did not complete (502, as `check --json` prints
 * it, exit code 3 there), or a request the server will not check (400, 429).
 */
export type CheckAnswerJson = LiveReportJson | NetworkFailureAnswer | ApiErrorJson;
