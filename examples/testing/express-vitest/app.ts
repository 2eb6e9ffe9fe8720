/**
 * An Express API for https://app.example.com: items under /api (corsproof/express,
 * cookies included), and a /widgets endpoint someone added later with the `cors` package.
 */
import express from 'express';
import cors from 'corsproof/express';
import legacyCors from 'cors';

export const FRONTEND = 'https://app.example.com';

interface Item {
  id: number;
  name: string;
}

export function createApp(): express.Express {
  const items: Item[] = [
    { id: 7, name: 'Seven' },
    { id: 8, name: 'Eight' },
  ];
  const app = express();

  const api = express.Router();
  api.use(cors({ origin: [FRONTEND], credentials: true, exposedHeaders: ['X-Total-Count'], maxAge: 600 }));
  api.use(express.json());
  api.get('/items', (_req, res) => {
    res.set('X-Total-Count', String(items.length)).json(items);
  });
  api.put('/items/:id', (req, res) => {
    const item = items.find((i) => i.id === Number(req.params.id));
    if (item === undefined) return void res.status(404).json({ error: 'not found' });
    item.name = String((req.body as { name?: unknown }).name ?? item.name);
    res.json(item);
  });
  api.delete('/items/:id', (req, res) => {
    items.splice(items.findIndex((i) => i.id === Number(req.params.id)), 1);
    res.status(204).end();
  });
  app.use('/api', api);

  // BROKEN ON PURPOSE: the widget feed reads the session cookie, so the page fetches it with
  // credentials, but `origin: '*'` answers Access-Control-Allow-Origin: *, which browsers refuse
  // with credentials. (corsproof/express would refuse this configuration at start-up.)
  app.get('/widgets/feed', legacyCors({ origin: '*', credentials: true }), (_req, res) => {
    res.json({ widgets: ['weather', 'stocks'] });
  });

  return app;
}
