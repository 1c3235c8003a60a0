/**
 * Applications' CloudWatch logging: what a KDA application writes to the log streams of its
 * CloudWatchLoggingOptions — lifecycle lines (started, stopped, checkpoint) and errors (a record that
 * does not parse, an SQL runtime error, a failure) as one JSON object per line, shaped like KDA's:
 *
 *   {"level":"ERROR","messageType":"ERROR","message":"…","applicationARN":"arn:aws:kinesisanalytics:…",
 *    "applicationVersionId":"3","errorCode":"Input_Parse_Error"}
 *
 * The options are read when a line is written, so Add/DeleteApplicationCloudWatchLoggingOption take
 * effect while the application runs. A log stream that does not exist is skipped (as KDA cannot write to
 * it either). The writer is given by the server (CloudWatch Logs, src/logs); without one nothing is written.
 */

export type AppLogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

const RANK: Readonly<Record<AppLogLevel, number>> = { DEBUG: 0, INFO: 1, WARN: 2, ERROR: 3 };

/** Where application log lines go: CloudWatch Logs' log stream named by ARN. */
export interface ApplicationLogWriter {
  /** Appends one line to the log stream `logStreamArn` if it exists; never throws. */
  write(logStreamArn: string, timestampMs: number, message: string): void;
}

export interface AppLogLine {
  level: AppLogLevel;
  message: string;
  applicationArn: string;
  versionId: number;
  errorCode?: string;
  extra?: Record<string, unknown>;
}

/** The JSON line KDA writes. */
export function formatAppLogLine(line: AppLogLine): string {
  return JSON.stringify({
    level: line.level,
    messageType: line.level,
    message: line.message,
    applicationARN: line.applicationArn,
    applicationVersionId: String(line.versionId),
    ...(line.errorCode !== undefined ? { errorCode: line.errorCode } : {}),
    ...line.extra,
  });
}

/** Whether a line of `level` passes MonitoringConfiguration's LogLevel `threshold` (INFO by default). */
export function logLevelPasses(level: AppLogLevel, threshold: string | undefined): boolean {
  return RANK[level] >= (RANK[(threshold ?? 'INFO') as AppLogLevel] ?? RANK.INFO);
}
