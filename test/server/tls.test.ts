/**
 * --tls: HTTPS on the same port as cleartext HTTP/1.1 and h2c, HTTP/2 or HTTP/1.1 chosen by ALPN,
 * a self-signed certificate generated into the data dir (kept across restarts), or a given cert/key.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { connect as h2connect } from 'node:http2';
import { Agent, request as httpsRequest } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KinesisClient, CreateStreamCommand, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startServer } from '../../src/server/index.ts';

const HEADERS = {
  'content-type': 'application/x-amz-json-1.1',
  'x-amz-target': 'Kinesis_20131202.ListStreams',
  authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20210131/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=abcd',
  'x-amz-date': '20210131T140000Z',
};

function alpnOf(port: number, ca: string, protocols: string[]): Promise<string | false> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, ca, servername: 'localhost', ALPNProtocols: protocols }, () => {
      resolve(s.alpnProtocol ?? false);
      s.destroy();
    });
    s.on('error', reject);
  });
}

function h2List(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const session = h2connect(url, { ca, servername: 'localhost' });
    session.on('error', reject);
    const req = session.request({ ':method': 'POST', ':path': '/', ...HEADERS });
    let status = 0;
    let body = '';
    req.on('response', (h) => (status = Number(h[':status'])));
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      session.close();
      resolve({ status, body });
    });
    req.end('{}');
  });
}

describe('--tls', () => {
  it('serves HTTPS with ALPN h2 and http/1.1 next to cleartext on one port, with a self-signed cert kept in the data dir', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'freshet-tls-'));
    try {
      const server = await startServer({ port: 0, dataDir: dir, tls: true, createDelayMs: 0, fsync: { kind: 'never' } });
      const ca = server.tlsCert!;
      let firstCert: string;
      try {
        assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
        assert.equal(server.tlsCertPath, join(dir, 'tls', 'cert.pem'));
        assert.ok((await stat(join(dir, 'tls', 'key.pem'))).isFile());
        firstCert = ca;
        assert.equal(await alpnOf(server.port, ca, ['h2', 'http/1.1']), 'h2');
        assert.equal(await alpnOf(server.port, ca, ['http/1.1']), 'http/1.1');
        // HTTP/2 over TLS
        const h2 = await h2List(server.url, ca);
        assert.equal(h2.status, 200);
        assert.deepEqual(JSON.parse(h2.body).StreamNames, []);
        // HTTP/1.1 over TLS through the SDK
        const client = new KinesisClient({
          endpoint: server.url,
          region: 'us-east-1',
          credentials: { accessKeyId: 'AKID', secretAccessKey: 's' },
          maxAttempts: 1,
          requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca, servername: 'localhost' }) }),
        });
        await client.send(new CreateStreamCommand({ StreamName: 'over-tls', ShardCount: 1 }));
        assert.deepEqual((await client.send(new ListStreamsCommand({}))).StreamNames, ['over-tls']);
        client.destroy();
        // Cleartext still works on the same port (HTTP/1.1 and h2c).
        const plain = await fetch(`http://127.0.0.1:${server.port}/`, { method: 'POST', headers: HEADERS, body: '{}' });
        assert.deepEqual(((await plain.json()) as { StreamNames: string[] }).StreamNames, ['over-tls']);
        const h2c = await h2List(`http://127.0.0.1:${server.port}`, ca);
        assert.deepEqual(JSON.parse(h2c.body).StreamNames, ['over-tls']);
        // An untrusted client is refused by its own verification, not served.
        await assert.rejects(
          new Promise((resolve, reject) => {
            const r = httpsRequest({ host: '127.0.0.1', port: server.port, method: 'POST', headers: HEADERS }, resolve);
            r.on('error', reject);
            r.end('{}');
          }),
          /self.signed|certificate/i,
        );
      } finally {
        await server.close();
      }
      const again = await startServer({ port: 0, dataDir: dir, tls: true, fsync: { kind: 'never' } });
      try {
        assert.equal(again.tlsCert, firstCert, 'the generated certificate is reused on restart');
      } finally {
        await again.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('--tls with a bad certificate', () => {
  it('fails start-up with the TLS error and leaves the data dir free for the next start', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'freshet-tls-bad-'));
    try {
      await assert.rejects(startServer({ port: 0, dataDir: dir, tls: { cert: 'not a cert', key: 'not a key' }, fsync: { kind: 'never' } }));
      const ok = await startServer({ port: 0, dataDir: dir, fsync: { kind: 'never' } });
      await ok.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
