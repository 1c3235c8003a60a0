/**
 * TLS material for `freshet server --tls`: the given --cert/--key, or a self-signed certificate for
 * localhost / 127.0.0.1 / ::1 generated once (with the `selfsigned` package; Node has no X.509 writer)
 * and kept in `<data dir>/tls/` so clients can trust it across restarts.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface TlsMaterial {
  cert: string | Buffer;
  key: string | Buffer;
}

export const CERT_FILE = 'cert.pem';
export const KEY_FILE = 'key.pem';

async function generateSelfSigned(): Promise<TlsMaterial> {
  const { generate } = await import('selfsigned');
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 10 * 365 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

/** The certificate and key in `<dir>/tls/`, generated there on first use; in memory only when `dir` is undefined. */
export async function selfSignedIn(dir: string | undefined): Promise<TlsMaterial & { certPath?: string }> {
  if (dir === undefined) return generateSelfSigned();
  const tlsDir = join(dir, 'tls');
  const certPath = join(tlsDir, CERT_FILE);
  const keyPath = join(tlsDir, KEY_FILE);
  try {
    return { cert: await readFile(certPath), key: await readFile(keyPath), certPath };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const m = await generateSelfSigned();
  await mkdir(tlsDir, { recursive: true });
  await writeFile(keyPath, m.key, { mode: 0o600 });
  await writeFile(certPath, m.cert);
  return { ...m, certPath };
}
