// app/api/items/route.ts: every method handler wrapped with corsproof/fetch's withCors,
// OPTIONS included, so preflights get the policy's answer instead of Next.js's default 204.
import { withCors } from 'corsproof/fetch';
import { corsPolicy } from '../../../lib/cors';

const items = [{ id: 1, name: 'One' }];

export const GET = withCors(corsPolicy, async () => Response.json(items, { headers: { 'X-Total-Count': String(items.length) } }));

export const PUT = withCors(corsPolicy, async (request: Request) => {
  const item = (await request.json()) as { id: number; name: string };
  items.splice(0, items.length, item);
  return Response.json(item);
});

export const OPTIONS = withCors(corsPolicy, () => new Response(null, { status: 204 }));
