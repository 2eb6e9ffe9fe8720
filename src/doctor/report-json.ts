/**
 * A live check's report as JSON: what `corsproof check --json` prints and
 * what `corsproof ui`'s `POST /api/check` answers, built in one place so the
 * two never drift apart (the contract is in the README, "The doctor").
 */
import type { Verdict } from '../engine/types.js';
import type { CheckReport } from './check.js';
import type { NetworkFailure, NetworkFailureKind } from './exchange.js';
import type { RenderedRecipe } from './fixes.js';
import { recipesToShow } from './fixes.js';

/** A live check's report as JSON. */
export type CheckJson = Pick<CheckReport, 'verdict' | 'exchanges' | 'layers' | 'cookies' | 'exposure' | 'probe' | 'noOrigin' | 'revalidation' | 'scenario'> & {
  /** The fix recipes, the failing layer's first (or the chosen stack's). */
  recipes: RenderedRecipe[];
  /** How the input was read. */
  remarks: string[];
  /** The verdict with credentials, when it differs and nothing said whether they are sent. */
  ifCredentialed: Verdict | null;
  /**
   * Only with `mode: 'no-cors'` (`scenario.request.mode`): the same request
   * in mode cors, as its own report (the server's real answer to the request
   * that reads the response; its `recipes` and `ifCredentialed` are the
   * ones to follow). The outer report is the no-cors one: `verdict.opaque`,
   * no recipes, `ifCredentialed` null. Absent in mode cors.
   */
  cors?: CheckJson;
};

/** A request that did not complete, as JSON. */
export interface NetworkFailureJson {
  error: { kind: NetworkFailureKind; url: string; message: string };
}

/** What the JSON adds to the report: how the input was read, the chosen stack, the credentialed alternative. */
export interface CheckJsonContext {
  /** The stack whose recipe comes first (else the detected one). */
  stack?: string | undefined;
  remarks?: string[];
  /** The verdict with credentials of the mode cors request (for a no-cors report: of its `cors` part). */
  ifCredentialed?: Verdict | null;
}

/** A report as `check --json` prints it (the recipes chosen here). */
export function checkJson(report: CheckReport, context: CheckJsonContext = {}): CheckJson {
  if (report.cors !== undefined) {
    // Mode no-cors: the opaque report (nothing to fix in it), then the mode cors one with the fix.
    const cors = checkJson(report.cors, { stack: context.stack, ifCredentialed: context.ifCredentialed ?? null });
    return { ...single(report, { remarks: context.remarks ?? [] }), recipes: [], cors };
  }
  return single(report, context);
}

function single(report: CheckReport, context: CheckJsonContext): CheckJson {
  return {
    verdict: report.verdict,
    exchanges: report.exchanges,
    layers: report.layers,
    cookies: report.cookies,
    exposure: report.exposure,
    probe: report.probe,
    noOrigin: report.noOrigin,
    revalidation: report.revalidation,
    recipes: recipesToShow(report, context.stack),
    scenario: report.scenario,
    remarks: context.remarks ?? [],
    ifCredentialed: context.ifCredentialed ?? null,
  };
}

/** A network failure as `check --json` prints it. */
export function networkFailureJson(e: NetworkFailure): NetworkFailureJson {
  return { error: { kind: e.kind, url: e.url, message: e.message } };
}
