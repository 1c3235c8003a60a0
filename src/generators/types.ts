/** The contract every generator kind implements: a pure, seeded record factory. */

export type RecordFormat = 'json' | 'csv';

export interface FactoryOptions {
  seed: number;
  /** Fraction of records that are injected anomalies (0..1). */
  anomalyRate: number;
}

export interface GeneratedRecord {
  partitionKey: string;
  /** Field values in `fields` order when encoded as CSV. */
  value: Record<string, string | number>;
  anomalous: boolean;
}

export interface RecordFactory {
  /** The next record, stamped with event time `nowMs`. */
  next(nowMs: number): GeneratedRecord;
}

/** How a generator writes when the user gives neither --rate nor --every. */
export type DefaultSchedule = { kind: 'rate'; perSecond: number } | { kind: 'every'; intervalMs: number; batch: number };

export interface GeneratorKind {
  readonly name: string;
  readonly description: string;
  readonly scenario: string;
  /** Field order, used for CSV. */
  readonly fields: readonly string[];
  readonly defaultFormat: RecordFormat;
  readonly defaultSchedule: DefaultSchedule;
  readonly defaultAnomalyRate: number;
  create(opts: FactoryOptions): RecordFactory;
}
