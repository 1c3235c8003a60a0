/**
 * The Freshet server: the composition root that opens storage, builds the engines and mounts every
 * AWS service (services.ts) on one port through the protocol toolkit (src/aws). Importing this package
 * is cheap: startServer() loads the engines and the service list only when called.
 */
export type { ServiceDeps } from './services.ts';
export { startServer, DEFAULTS } from './freshet.ts';
export type { FreshetServer, StartServerOptions } from './freshet.ts';
export type { ServerStatus } from './activity-log.ts';
