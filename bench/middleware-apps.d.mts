import type { IncomingMessage, Server, ServerResponse } from 'node:http';

export const ORIGIN: string;
export const FRAMEWORKS: readonly ['express', 'fastify', 'koa', 'hono', 'node'];
export type Framework = (typeof FRAMEWORKS)[number];
export type Variant = 'none' | 'floor' | 'peer' | 'corsproof';
export const PEERS: Record<Framework, string | null>;

/** A framework driven without a socket: a node:http request listener, or a Web fetch function. */
export type BuiltApp =
  | { listener: (req: IncomingMessage, res: ServerResponse) => void; server?: Server; fetch?: undefined }
  | { fetch: (request: Request) => Response | Promise<Response>; listener?: undefined; server?: undefined };

export function app(framework: Framework, variant: Variant): Promise<BuiltApp>;
