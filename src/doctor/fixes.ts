/**
 * Which fix recipes a report shows, and in what order: the one place that
 * decides it. A report shows recipes when the browser blocks the request
 * (or when a stack is asked for); they are the recipes of the layers that
 * answered the exchange that failed first (the preflight's layers when the
 * preflight failed, else the final response's, outermost layer first), then
 * the other layers', each recipe once, in the recipe table's order within a
 * layer; each is rendered for the request (its origin, method, headers,
 * credentials), and a recipe that cannot express the request (S3 has no
 * PATCH) is left out. The recipes themselves are in recipes.ts, the layer
 * names in layers.ts.
 */
import { LOCAL_NETWORK_REASONS } from '../engine/address-space.js';
import { normalizeMethod } from '../engine/safelist.js';
import type { Scenario, Verdict } from '../engine/types.js';
import type { LayerFindings } from './layers.js';
import { knownLayer } from './layers.js';
import type { Recipe, RecipeInput } from './recipes.js';
import { RECIPES, RecipeInputError, recipe } from './recipes.js';

/** A rendered fix recipe. */
export interface RenderedRecipe {
  id: string;
  title: string;
  language: string;
  snippet: string;
}

/** What a report says that the choice of recipes reads. */
export interface FixableReport {
  scenario: Scenario;
  verdict: Verdict;
  layers: LayerFindings;
}

/**
 * The recipes that fit any of these detected layer names (as layer
 * detection writes them, case-insensitive, versions ignored), in the order
 * of the names given, then the recipe table's order; each recipe once.
 */
export function recipesFor(layerNames: readonly string[]): Recipe[] {
  const known = layerNames.map(knownLayer);
  const rank = (r: Recipe): number => {
    const k = known.findIndex((name) => name !== null && r.layers.includes(name));
    return k < 0 ? Infinity : k;
  };
  return RECIPES.map((r, order) => ({ r, order, rank: rank(r) }))
    .filter((x) => x.rank !== Infinity)
    .sort((a, b) => a.rank - b.rank || a.order - b.order)
    .map((x) => x.r);
}

/**
 * The fix recipes for a report, whatever its verdict: the stack asked for,
 * else those of the layers that answered (the failing exchange's first),
 * each rendered for this request.
 *
 * @throws Error when `stack` is not a recipe id.
 */
export function recipesForReport(report: FixableReport, stack?: string): RenderedRecipe[] {
  const chosen = stack !== undefined ? [recipe(stack)] : recipesFor(failingLayerFirst(report));
  const input = recipeInput(report);
  const out: RenderedRecipe[] = [];
  for (const r of chosen) {
    try {
      out.push({ id: r.id, title: r.title, language: r.language, snippet: r.render(input) });
    } catch (error) {
      if (!(error instanceof RecipeInputError)) throw error;
    }
  }
  return out;
}

/**
 * The recipes a report shows: none when the browser allows the request and
 * no stack was asked for (or when nothing was judged), nor when Local Network
 * Access refused it (no CORS configuration lets it through: only the user's
 * permission does), else {@link recipesForReport}.
 */
export function recipesToShow(report: Omit<FixableReport, 'verdict'> & { verdict: Verdict | null }, stack?: string): RenderedRecipe[] {
  const { verdict } = report;
  if (verdict === null || (verdict.ok && stack === undefined)) return [];
  if (stack === undefined && refusedByLocalNetworkAccess(verdict)) return [];
  return recipesForReport({ ...report, verdict }, stack);
}

/** Whether the first covered browser that blocks refused the request for Local Network Access. */
function refusedByLocalNetworkAccess(verdict: Verdict): boolean {
  const lead = verdict.covers.map((b) => verdict.browsers[b]).find((b) => !b.ok);
  return lead?.reasonId != null && LOCAL_NETWORK_REASONS.includes(lead.reasonId);
}

/** The layer names of the exchanges, those of the exchange that failed first. */
function failingLayerFirst(report: FixableReport): string[] {
  const exchanges = report.layers.perExchange;
  const order = report.verdict.failedAt === 'preflight' ? exchanges : [...exchanges].reverse();
  return order.flat().map((l) => l.name);
}

/**
 * What a recipe must allow for this request: its origin, its credentials,
 * the headers its preflight asked for (as the request spelled them), and
 * its method with the CORS-safelisted ones (a recipe is pasted for the
 * whole API, and some stacks, rs/cors and Spring, add no CORS headers to a
 * request whose method is not listed).
 */
function recipeInput(report: FixableReport): RecipeInput {
  const request = report.scenario.request;
  const acrh = report.verdict.browsers.chromium.preflights[0]?.headers.find(([n]) => n === 'Access-Control-Request-Headers')?.[1];
  const wanted = acrh ? acrh.split(',') : [];
  const allowedHeaders = wanted.map((lower) => request.headers.find(([n]) => n.toLowerCase() === lower)?.[0] ?? lower);
  return {
    origins: [request.origin],
    credentials: request.credentials === 'include',
    methods: [...new Set(['GET', 'HEAD', 'POST', normalizeMethod(request.method)])],
    allowedHeaders,
    exposedHeaders: [],
    maxAge: null,
  };
}
