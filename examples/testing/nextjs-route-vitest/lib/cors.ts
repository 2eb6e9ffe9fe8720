import type { FetchCorsOptions } from 'corsproof/fetch';

/** The front end that calls this API, with the user's session cookie. */
export const FRONTEND = 'https://app.example.com';

/** The API's CORS policy, shared by its route modules. */
export const corsPolicy: FetchCorsOptions = {
  origin: [FRONTEND],
  credentials: true,
  exposedHeaders: ['X-Total-Count'],
  maxAge: 600,
};
