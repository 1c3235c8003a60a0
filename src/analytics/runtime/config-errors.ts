/**
 * The error an application's configuration earns when it cannot run (missing
 * stream, code that does not compile, unreadable reference data):
 * InvalidApplicationConfigurationException, with the cause kept.
 */
import type { AwsError } from '../../core/index.ts';
import { analyticsErrors } from '../errors.ts';

export function invalidConfig(message: string, cause?: unknown): AwsError {
  return analyticsErrors.create('InvalidApplicationConfigurationException', message, cause === undefined ? {} : { cause });
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
