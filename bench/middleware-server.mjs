// One server for the middleware benchmark: node bench/middleware-server.mjs <framework> <none|floor|peer|corsproof>
// Prints PORT=<n>. The applications are those of middleware-apps.mjs (the in-process benchmark drives the
// same ones without a socket).
import { createServer } from 'node:http';
import { app } from './middleware-apps.mjs';

const [framework, variant] = process.argv.slice(2);
const built = await app(framework, variant);
let server;
if (built.server) server = built.server;
else if (built.listener) server = createServer(built.listener);
else {
  const { getRequestListener } = await import('@hono/node-server');
  server = createServer(getRequestListener(built.fetch));
}
server.listen(0, '127.0.0.1', () => console.log(`PORT=${server.address().port}`));
