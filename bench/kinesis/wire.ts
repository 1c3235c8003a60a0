/**
 * A minimal AWS JSON 1.1 client over node:http keep-alive, so the benchmark
 * measures the servers and not an SDK: requests go out as pre-serialized
 * bodies and responses come back as raw buffers (parsed after the clock stops).
 *
 * Every peer accepts any credentials but some (kinesalite) insist on a
 * SigV4-shaped Authorization header, so a fixed, well-formed one is sent.
 */
import { Agent, request } from 'node:http';

const AMZ_DATE = '20261122T000000Z';
const AUTHORIZATION =
  'AWS4-HMAC-SHA256 Credential=AKIDFRESHETBENCH/20261122/us-east-1/kinesis/aws4_request, ' +
  'SignedHeaders=content-type;host;x-amz-date;x-amz-target, ' +
  `Signature=${'0'.repeat(64)}`;

export interface RawResponse {
  status: number;
  body: Buffer;
}

export class KinesisWire {
  readonly agent: Agent;
  private readonly headersByAction = new Map<string, Record<string, string>>();

  constructor(
    readonly port: number,
    concurrency: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
  }

  private headers(action: string): Record<string, string> {
    let h = this.headersByAction.get(action);
    if (h === undefined) {
      h = {
        'Content-Type': 'application/x-amz-json-1.1',
        'X-Amz-Target': `Kinesis_20131202.${action}`,
        'X-Amz-Date': AMZ_DATE,
        Authorization: AUTHORIZATION,
      };
      this.headersByAction.set(action, h);
    }
    return h;
  }

  /** Sends a body as is; resolves with the raw response (never rejects on an HTTP error status). */
  // hot path: one call per timed request; the body is already serialized.
  send(action: string, body: Buffer): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      // request() copies the headers synchronously, so one object per action is reused.
      const headers = this.headers(action);
      headers['Content-Length'] = String(body.length);
      const req = request({ agent: this.agent, host: '127.0.0.1', port: this.port, method: 'POST', path: '/', headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  /**
   * As `send`, but hands back the body as the chunks it arrived in: a 10+ MB GetRecords page is
   * not copied into one buffer while the clock runs (that copy cost the load generator ~14% of its
   * CPU during a read-back); callers join the chunks once timing is over.
   */
  // hot path: one call per timed GetRecords
  sendForChunks(action: string, body: Buffer, keep: (chunk: Buffer) => Buffer = (c) => c): Promise<{ status: number; chunks: Buffer[]; length: number }> {
    return new Promise((resolve, reject) => {
      const headers = this.headers(action);
      headers['Content-Length'] = String(body.length);
      const req = request({ agent: this.agent, host: '127.0.0.1', port: this.port, method: 'POST', path: '/', headers }, (res) => {
        const chunks: Buffer[] = [];
        let length = 0;
        res.on('data', (c: Buffer) => {
          chunks.push(keep(c));
          length += c.length;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, chunks, length }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  /** Convenience for control-plane calls: JSON in, parsed JSON out; throws with the AWS error type on a non-2xx status. */
  async call<T = Record<string, unknown>>(action: string, input: Record<string, unknown>): Promise<T> {
    const res = await this.send(action, Buffer.from(JSON.stringify(input)));
    const text = res.body.toString('utf8');
    if (res.status < 200 || res.status >= 300) {
      let type = `HTTP ${res.status}`;
      try {
        const err = JSON.parse(text) as { __type?: string };
        if (err.__type) type = err.__type;
      } catch {
        // not JSON: keep the status
      }
      throw new Error(`${action} failed: ${type}: ${text.slice(0, 300)}`);
    }
    return (text.length === 0 ? {} : JSON.parse(text)) as T;
  }

  close(): void {
    this.agent.destroy();
  }
}
