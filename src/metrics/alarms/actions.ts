/**
 * Alarm actions. An alarm lists action ARNs per state; when it transitions,
 * each ARN of the new state is handed to the dispatcher once:
 * - `arn:aws:sns:<region>:<account>:<topic>`: every HTTP(S) endpoint configured
 *   for the topic receives the SNS HTTP notification a subscribed endpoint would
 *   (POST, `x-amz-sns-message-type: Notification`, the JSON envelope with the
 *   CloudWatch alarm JSON as `Message`); a topic without endpoints is logged;
 * - `arn:aws:lambda:…:function:<name>`: the function hook, with the event
 *   CloudWatch sends a Lambda alarm action (`source: aws.cloudwatch`, `alarmData`);
 * - anything else (EC2, Auto Scaling, Systems Manager actions): a log line.
 * Every delivery is also a log line. Failed deliveries are retried a few times
 * (jittered backoff, up to 10 s of the clock) and reported as failed
 * "Action" history items.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../core/index.ts';
import { log, retry } from '../../core/index.ts';

const logger = log.child('metrics').child('alarms');

/** The CloudWatch alarm JSON (the SNS `Message` of an alarm notification), with AWS's field order. */
export type AlarmNotification = Record<string, unknown> & {
  AlarmName: string;
  NewStateValue: string;
  OldStateValue: string;
  NewStateReason: string;
  AlarmArn: string;
};

/** The event CloudWatch gives a Lambda alarm action. */
export type AlarmFunctionEvent = Record<string, unknown>;

export interface ActionRequest {
  actionArn: string;
  notification: AlarmNotification;
  functionEvent: AlarmFunctionEvent;
  /** Notification subject: `ALARM: "name" in US East (N. Virginia)`. */
  subject: string;
}

export interface ActionOutcome {
  ok: boolean;
  /** What was done, for the history item's summary and the log. */
  detail: string;
}

export interface AlarmActionsConfig {
  /** SNS-style topics: topic name (or full ARN) → HTTP(S) endpoints subscribed to it. */
  topics?: Record<string, readonly string[]>;
  /** Invokes a function for `arn:aws:lambda:…` actions (wired once functions exist). */
  invokeFunction?: (functionArn: string, event: AlarmFunctionEvent) => Promise<void>;
  /** Where action log lines go (default: the `metrics.alarms` logger, at info). */
  log?: (line: string) => void;
  fetch?: typeof fetch;
}

export class ActionDispatcher {
  private readonly log: (line: string) => void;
  private readonly doFetch: typeof fetch;

  constructor(
    private readonly config: AlarmActionsConfig,
    private readonly clock: Clock,
  ) {
    this.log = config.log ?? ((line) => logger.info(line));
    this.doFetch = config.fetch ?? fetch;
  }

  /** Sets the endpoints of a topic (replacing earlier ones). */
  setTopic(topic: string, endpoints: readonly string[]): void {
    this.config.topics = { ...(this.config.topics ?? {}), [topic]: endpoints };
  }

  /** Attaches the functions runtime: `arn:aws:lambda:…` actions invoke through it from now on. */
  setFunctionInvoker(invoke: (functionArn: string, event: AlarmFunctionEvent) => Promise<void>): void {
    this.config.invokeFunction = invoke;
  }

  async dispatch(req: ActionRequest): Promise<ActionOutcome> {
    const arn = req.actionArn;
    const n = req.notification;
    this.log(`alarm ${n.AlarmName}: ${n.OldStateValue} -> ${n.NewStateValue} (${n.NewStateReason}) action ${arn}`);
    const parts = arn.split(':');
    const service = parts[2];
    if (service === 'sns') return this.publish(arn, parts.slice(5).join(':'), req);
    if (service === 'lambda') {
      if (!this.config.invokeFunction) return { ok: true, detail: `logged action ${arn} (no function runtime is attached)` };
      try {
        await this.config.invokeFunction(arn, req.functionEvent);
        return { ok: true, detail: `invoked ${arn}` };
      } catch (e) {
        return { ok: false, detail: `${arn}: ${(e as Error).message}` };
      }
    }
    return { ok: true, detail: `logged action ${arn} (Freshet does not run ${service ?? 'this'} actions)` };
  }

  private async publish(topicArn: string, topicName: string, req: ActionRequest): Promise<ActionOutcome> {
    const topics = this.config.topics ?? {};
    const endpoints = topics[topicArn] ?? topics[topicName] ?? [];
    if (endpoints.length === 0) return { ok: true, detail: `logged notification for ${topicArn} (no endpoints subscribed)` };
    const messageId = randomUUID();
    const envelope = {
      Type: 'Notification',
      MessageId: messageId,
      TopicArn: topicArn,
      Subject: req.subject,
      Message: JSON.stringify(req.notification),
      Timestamp: new Date(this.clock.now()).toISOString(),
      SignatureVersion: '1',
      Signature: '',
      SigningCertURL: '',
      UnsubscribeURL: '',
    };
    const body = JSON.stringify(envelope);
    const failures: string[] = [];
    for (const url of endpoints) {
      try {
        await retry(
          async () => {
            const res = await this.doFetch(url, {
              method: 'POST',
              headers: {
                'content-type': 'text/plain; charset=UTF-8',
                'x-amz-sns-message-type': 'Notification',
                'x-amz-sns-message-id': messageId,
                'x-amz-sns-topic-arn': topicArn,
              },
              body,
            });
            // The status decides; an endpoint that drops the body after answering has still answered.
            await res.arrayBuffer().catch(() => undefined);
            if (res.status >= 500 || res.status === 429) throw Object.assign(new Error(`HTTP ${res.status}`), { retryable: true });
            if (res.status >= 400) throw new Error(`HTTP ${res.status}`);
          },
          {
            initialDelayMs: 200,
            maxDelayMs: 2000,
            maxElapsedMs: 10_000,
            jitter: 0.2,
            isRetryable: (e) => (e as { retryable?: boolean }).retryable === true || (e as Error).name === 'TypeError',
            sleep: (ms) => new Promise((r) => this.clock.setTimer(r, ms)),
            now: () => this.clock.now(),
          },
        );
      } catch (e) {
        failures.push(`${url}: ${(e as Error).message}`);
      }
    }
    if (failures.length > 0) return { ok: false, detail: `${topicArn}: ${failures.join('; ')}` };
    return { ok: true, detail: `published to ${topicArn} (${endpoints.length} endpoint${endpoints.length === 1 ? '' : 's'})` };
  }
}
