/**
 * GET /freshet/functions/code/<sha256 hex>.zip: the deployment packages
 * GetFunction's Code.Location points at (AWS: a presigned S3 URL, valid for
 * 10 minutes; Freshet: the stored zip, for as long as a version uses it).
 */
import { createReadStream, existsSync } from 'node:fs';
import type { HttpRoute } from '../aws/index.ts';
import type { FunctionsEngine } from './engine.ts';

export const CODE_ROUTE = '/freshet/functions/code/';

export function codeDownloadRoute(functions: FunctionsEngine): HttpRoute {
  return {
    method: 'GET',
    path: CODE_ROUTE,
    prefix: true,
    handle(req, res) {
      const m = /^\/freshet\/functions\/code\/([0-9a-f]{64})\.zip$/.exec((req.url ?? '').split('?')[0] ?? '');
      const path = m ? functions.code.zipPathOf(m[1]!) : undefined;
      if (!path || !existsSync(path)) {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('No such deployment package\n');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/zip' });
      createReadStream(path).pipe(res);
    },
  };
}
