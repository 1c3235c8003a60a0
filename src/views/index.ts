/**
 * Streaming materialized views on a Postgres-wire endpoint: Redshift's streaming-ingestion dialect
 * (`CREATE EXTERNAL SCHEMA … FROM KINESIS`, `CREATE MATERIALIZED VIEW … AUTO REFRESH YES AS SELECT …
 * FROM kds."stream"`) over Freshet's streams, stored and queried in an embedded DuckDB, served to psql,
 * node-postgres, psycopg2 and JDBC clients. See docs/views.md.
 *
 *   const pg = await startPgEndpoint({ port: 5439, dataDir, streams: kinesisEngine, clock });
 *   // psql -h 127.0.0.1 -p 5439 -U any dev
 *   await pg.close();
 */
export { startPgEndpoint, DEFAULT_PG_PORT } from './server.ts';
export type { PgEndpoint, PgEndpointOptions } from './server.ts';
export type { PgAuthenticate } from './session.ts';
export { iamAccess } from './iam-access.ts';
export { accessForCommand, accessForSql } from './access.ts';
export type { AccessRequest, PgAccessContext, PgAccessControl, PgPrincipal } from './access.ts';
export { ViewsEngine } from './engine.ts';
export type { ViewsOptions, ViewsStreamSource } from './engine.ts';
export type { ViewStatus } from './view.ts';
export { PgError, SQLSTATE } from './errors.ts';
export { lex, splitStatements } from './sql/lexer.ts';
export { translateTokens } from './sql/translate.ts';
export { FrontendDecoder } from './wire/frontend.ts';
export type { FrontendMessage } from './wire/frontend.ts';
export { BackendWriter } from './wire/backend.ts';
