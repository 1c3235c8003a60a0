/**
 * The benchmark's floor: a bare node:http server that does the per-request work
 * any Kinesis server must do and nothing else. For PutRecords it reads the body,
 * JSON-parses it, base64-decodes every record's Data, MD5-hashes every
 * PartitionKey to pick one of the stream's shards (as Kinesis routes) and answers
 * a well-formed PutRecords response. It stores nothing, so there is no read-back.
 *
 * Run as a child process: `node --import tsx bench/kinesis/null-server.ts <port> [shards]`.
 * Prints `listening <port>` once bound to 127.0.0.1.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { hash } from 'node:crypto';

const port = Number(process.argv[2] ?? 0);
const shardCount = Number(process.argv[3] ?? 4);
const shardIds = Array.from({ length: shardCount }, (_, i) => `shardId-${String(i).padStart(12, '0')}`);
// A 56-digit sequence-number prefix; the counter fills the last 20 digits.
const SEQ_PREFIX = '4966'.padEnd(36, '0');
let counter = 0;

interface PutRecordsEntry {
  Data: string;
  PartitionKey: string;
}

function reply(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'Content-Type': 'application/x-amz-json-1.1',
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-RequestId': '00000000-0000-0000-0000-000000000000',
  });
  res.end(body);
}

// hot path: one call per PutRecords request.
function putRecords(input: { Records?: PutRecordsEntry[] }): string {
  const records = input.Records ?? [];
  let out = '{"FailedRecordCount":0,"Records":[';
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    Buffer.from(r.Data, 'base64');
    // One-shot crypto.hash, the cheapest MD5 Node offers (Freshet's router uses it too): the floor must not be handicapped.
    const digest = hash('md5', r.PartitionKey, 'buffer');
    // The top 32 bits of the 128-bit hash key pick the shard: shards split the hash space evenly.
    const shard = Math.floor((digest.readUInt32BE(0) * shardCount) / 0x1_0000_0000);
    const seq = SEQ_PREFIX + String(++counter).padStart(20, '0');
    out += `${i === 0 ? '' : ','}{"SequenceNumber":"${seq}","ShardId":"${shardIds[shard]}"}`;
  }
  return `${out}]}`;
}

function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
  const target = String(req.headers['x-amz-target'] ?? '');
  const action = target.slice(target.indexOf('.') + 1);
  let input: Record<string, unknown>;
  try {
    input = JSON.parse(body) as Record<string, unknown>;
  } catch {
    reply(res, 400, '{"__type":"SerializationException","Message":"Start of structure or map found where not expected."}');
    return;
  }
  switch (action) {
    case 'PutRecords':
      reply(res, 200, putRecords(input as { Records?: PutRecordsEntry[] }));
      return;
    case 'CreateStream':
      reply(res, 200, '');
      return;
    case 'DescribeStreamSummary':
      reply(res, 200, JSON.stringify({ StreamDescriptionSummary: { StreamName: input.StreamName, StreamStatus: 'ACTIVE', OpenShardCount: shardCount } }));
      return;
    default:
      reply(res, 400, `{"__type":"UnknownOperationException","message":"${action} is not served by the null server"}`);
  }
}

const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
});
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
