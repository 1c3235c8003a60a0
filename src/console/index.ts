/**
 * The web console (issue 17): a single-page app served under /console by the Freshet server, plus the small
 * read-only JSON/SSE API its live views use. See docs/console.md.
 */
export { createConsole, checkSql, decodeRecord, defaultAssetsDir, CONSOLE_SIGNING_NAME, LIVE_INTERVAL_MS } from './server.ts';
export type { Console, ConsoleOptions, CheckError } from './server.ts';
export { LiveSampler } from './live.ts';
export type { ConsoleTarget } from './live.ts';
export type { LiveSnapshot, StreamSample, ShardSample, AppSample, DeliverySample, DecodedData, DecodedRecord, ViewSummary } from './snapshot.ts';
