/** The CloudWatch API service (GraniteServiceVersion20100801) on the metrics engine, and the Prometheus route. */
export { createCloudWatchService, prometheusRoute, CLOUDWATCH_ACTIONS } from './service.ts';
export type { CloudWatchService } from './service.ts';
export { cloudWatchErrors } from './errors.ts';
