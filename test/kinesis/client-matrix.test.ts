import { clientMatrix } from './client-matrix.ts';
import { startTestServer } from './helpers.ts';

clientMatrix('real-client matrix', async (opts) => startTestServer(opts));
