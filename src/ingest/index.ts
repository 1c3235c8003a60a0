/**
 * HTTP ingest: the proxy that turns PUT/POST requests on `/ingest/…` into
 * PutRecord / PutRecords on a stream (S4.1's API Gateway proxy), with its
 * routes managed through `/freshet/ingest-routes` (what `freshet up` uses for
 * a pipeline file's `ingest:` entries).
 *
 *   routes.push(...ingestRoutes({ kinesis, meta: storage.meta }));
 */
export { ingestRoutes, ADMIN_ROUTE as INGEST_ADMIN_ROUTE, MAX_INGEST_BODY_BYTES } from './proxy.ts';
export type { IngestOptions } from './proxy.ts';
export { parseRouteSpec, apiKeySha256, IngestSpecError, INGEST_PREFIX } from './route-spec.ts';
export type { IngestRouteSpec, ListedRoute } from './route-spec.ts';
