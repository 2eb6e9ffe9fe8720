// app/api/reports/route.ts: written by hand, without withCors.
//
// BROKEN ON PURPOSE: POST sends Access-Control-Allow-Origin, but a JSON POST is preflighted and
// this module exports no OPTIONS handler, so Next.js answers the preflight itself: 204 with an
// Allow header and no CORS headers. The browser never sends the POST.
import { FRONTEND } from '../../../lib/cors';

export async function POST(request: Request): Promise<Response> {
  const { from, to } = (await request.json()) as { from: string; to: string };
  return Response.json(
    { from, to, rows: [] },
    { status: 201, headers: { 'Access-Control-Allow-Origin': FRONTEND, 'Access-Control-Allow-Credentials': 'true', Vary: 'Origin' } },
  );
}
