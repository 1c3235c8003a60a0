/**
 * Firehose requests are validated against the generated model (src/aws/models/firehose.ts) by the AWS
 * toolkit before an action runs; what stays here is the error the semantic rules throw.
 */
export { invalidArgument } from './errors.ts';
