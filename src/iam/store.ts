/**
 * The account's identities: the root credentials, IAM users with their access keys and policies, managed
 * policies, roles, and STS sessions. Implements the toolkit's CredentialStore (what `--auth enforce`
 * looks access keys up in) and hands the policy engine each identity's compiled policies.
 *
 * Kept in `<data dir>/iam/state.json` (directory 0700, file 0600), rewritten atomically (temp file,
 * fsync, rename) after every change; in memory only without a data dir. SigV4 needs each secret in the
 * clear to check signatures, so secrets cannot be hashed: with a secrets key (`--secrets-key-file`,
 * kept outside the data dir) each one is stored AES-256-GCM encrypted, so a copy of the data dir alone
 * does not reveal them. STS sessions live in memory: they end when the server stops.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { CallerIdentity, CredentialStore, ResolvedCredential } from '../aws/index.ts';
import { compilePolicy } from './policy.ts';
import type { CompiledPolicy } from './policy.ts';

export interface StoredKey {
  accessKeyId: string;
  /** Plain, or `enc:v1:<iv>:<tag>:<ciphertext>` (base64) with a secrets key. */
  secret: string;
  status: 'Active' | 'Inactive';
  createdMs: number;
}

export interface StoredUser {
  userName: string;
  userId: string;
  path: string;
  createdMs: number;
  keys: StoredKey[];
  inlinePolicies: Record<string, string>;
  attachedPolicies: string[];
}

export interface StoredRole {
  roleName: string;
  roleId: string;
  path: string;
  createdMs: number;
  assumeRolePolicyDocument: string;
  description?: string;
  maxSessionDurationSeconds: number;
  inlinePolicies: Record<string, string>;
  attachedPolicies: string[];
}

export interface StoredPolicy {
  policyName: string;
  policyId: string;
  arn: string;
  path: string;
  description?: string;
  document: string;
  createdMs: number;
}

interface State {
  version: 1;
  users: Record<string, StoredUser>;
  roles: Record<string, StoredRole>;
  policies: Record<string, StoredPolicy>;
  /** Resource policies by resource ARN (Kinesis streams and consumers). */
  resourcePolicies: Record<string, string>;
}

export interface Session {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiresAtMs: number;
  identity: CallerIdentity;
  /** AssumeRole's `Policy`: caps what the role's policies allow. */
  sessionPolicy?: CompiledPolicy;
}

export interface RootCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** AWS-style ids: a four-letter prefix (AKIA, ASIA, AIDA, AROA, ANPA) and 16 base32 characters. */
export function awsId(prefix: string, length = 16): string {
  const bytes = randomBytes(length);
  let out = prefix;
  for (let i = 0; i < length; i++) out += ALPHABET[bytes[i]! & 31];
  return out;
}

/** 40 characters of base64 (AWS's secret access key length). */
export function newSecret(): string {
  return randomBytes(30).toString('base64');
}

/** A secrets key from the contents of `--secrets-key-file` (any length; hashed to 256 bits). */
export function secretsKeyFrom(material: Buffer): Buffer {
  return createHash('sha256').update(material).digest();
}

export class IamStore implements CredentialStore {
  private state: State = { version: 1, users: {}, roles: {}, policies: {}, resourcePolicies: {} };
  /** accessKeyId → user name, for lookups. */
  private readonly keyOwners = new Map<string, string>();
  private readonly sessions = new Map<string, Session>();
  private readonly compiled = new Map<string, CompiledPolicy>();
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    readonly accountId: string,
    private readonly root: RootCredentials,
    private readonly file: string | undefined,
    private readonly secretsKey: Buffer | undefined,
  ) {}

  /** Opens the store kept in `<dataDir>/iam` (in memory without a data dir). */
  static async open(opts: {
    accountId: string;
    root: RootCredentials;
    dataDir: string | undefined;
    secretsKey?: Buffer;
    readOnly?: boolean;
  }): Promise<IamStore> {
    let file: string | undefined;
    if (opts.dataDir !== undefined) {
      const dir = join(opts.dataDir, 'iam');
      if (!opts.readOnly) await mkdir(dir, { recursive: true, mode: 0o700 });
      file = join(dir, 'state.json');
    }
    const store = new IamStore(opts.accountId, opts.root, opts.readOnly ? undefined : file, opts.secretsKey);
    if (file !== undefined) {
      try {
        store.state = JSON.parse(await readFile(file, 'utf8')) as State;
        store.state.resourcePolicies ??= {};
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read ${file}: ${(e as Error).message}`);
      }
    }
    for (const u of Object.values(store.state.users)) for (const k of u.keys) store.keyOwners.set(k.accessKeyId, u.userName);
    // Policy simulation reads policies only: secrets stay sealed.
    if (opts.readOnly) return store;
    // A secret written in the clear before a secrets key was given is encrypted now (and the reverse refused).
    let sealed = false;
    for (const u of Object.values(store.state.users)) {
      for (const k of u.keys) {
        if (opts.secretsKey !== undefined && !k.secret.startsWith('enc:')) {
          k.secret = store.seal(k.secret);
          sealed = true;
        } else store.unseal(k.secret);
      }
    }
    if (sealed) await store.save();
    return store;
  }

  private seal(secret: string): string {
    if (this.secretsKey === undefined) return secret;
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.secretsKey, iv);
    const ct = Buffer.concat([c.update(secret, 'utf8'), c.final()]);
    return `enc:v1:${iv.toString('base64')}:${c.getAuthTag().toString('base64')}:${ct.toString('base64')}`;
  }

  private unseal(stored: string): string {
    if (!stored.startsWith('enc:')) return stored;
    if (this.secretsKey === undefined) throw new Error('the IAM secrets in the data dir are encrypted: start the server with the same --secrets-key-file');
    const [, , iv, tag, ct] = stored.split(':') as [string, string, string, string, string];
    try {
      const d = createDecipheriv('aes-256-gcm', this.secretsKey, Buffer.from(iv, 'base64'));
      d.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([d.update(Buffer.from(ct, 'base64')), d.final()]).toString('utf8');
    } catch {
      throw new Error('the IAM secrets in the data dir do not decrypt with this --secrets-key-file: pass the key file they were written with');
    }
  }

  /** Bumped by every change of users, roles or policies (each change saves): see `generation`. */
  private changes = 0;

  /**
   * A number that changes whenever users, roles, policies or resource policies change, so a running consumer
   * re-checks its role at its next read or write after a policy is put, attached, detached or deleted.
   */
  get generation(): number {
    return this.changes;
  }

  /** Writes the state (temp file, fsync, rename), one write at a time. */
  save(): Promise<void> {
    this.changes++;
    const file = this.file;
    if (file === undefined) return Promise.resolve();
    const text = JSON.stringify(this.state);
    this.writing = this.writing.then(async () => {
      const tmp = `${file}.tmp`;
      const h = await open(tmp, 'w', 0o600);
      try {
        await h.writeFile(text);
        await h.sync();
      } finally {
        await h.close();
      }
      await rename(tmp, file);
    });
    return this.writing;
  }

  // --- CredentialStore

  // hot path: one Map lookup per request under --auth enforce
  lookup(accessKeyId: string): ResolvedCredential | undefined {
    if (accessKeyId === this.root.accessKeyId) {
      return { secretAccessKey: this.root.secretAccessKey, identity: this.rootIdentity(accessKeyId) };
    }
    const session = this.sessions.get(accessKeyId);
    if (session !== undefined) {
      return { secretAccessKey: session.secretAccessKey, sessionToken: session.sessionToken, expiresAtMs: session.expiresAtMs, identity: session.identity };
    }
    const owner = this.keyOwners.get(accessKeyId);
    if (owner === undefined) return undefined;
    const user = this.state.users[owner];
    const key = user?.keys.find((k) => k.accessKeyId === accessKeyId);
    if (user === undefined || key === undefined || key.status !== 'Active') return undefined;
    return { secretAccessKey: this.unseal(key.secret), identity: this.userIdentity(user, accessKeyId) };
  }

  rootIdentity(accessKeyId?: string): CallerIdentity {
    return {
      arn: `arn:aws:iam::${this.accountId}:root`,
      accountId: this.accountId,
      userId: this.accountId,
      kind: 'root',
      ...(accessKeyId ? { accessKeyId } : {}),
    };
  }

  userIdentity(user: StoredUser, accessKeyId?: string): CallerIdentity {
    return { arn: this.userArn(user), accountId: this.accountId, userId: user.userId, kind: 'user', ...(accessKeyId ? { accessKeyId } : {}) };
  }

  userArn(user: StoredUser): string {
    return `arn:aws:iam::${this.accountId}:user${user.path}${user.userName}`;
  }

  roleArn(role: StoredRole): string {
    return `arn:aws:iam::${this.accountId}:role${role.path}${role.roleName}`;
  }

  // --- users, keys, policies, roles (the IAM actions validate and word errors; these only change state)

  get users(): Readonly<Record<string, StoredUser>> {
    return this.state.users;
  }
  get roles(): Readonly<Record<string, StoredRole>> {
    return this.state.roles;
  }
  get policies(): Readonly<Record<string, StoredPolicy>> {
    return this.state.policies;
  }

  async putUser(user: StoredUser): Promise<void> {
    this.state.users[user.userName] = user;
    for (const k of user.keys) this.keyOwners.set(k.accessKeyId, user.userName);
    this.forget(`user:${user.userName}:`);
    await this.save();
  }

  async deleteUser(name: string): Promise<void> {
    const u = this.state.users[name];
    if (u) for (const k of u.keys) this.keyOwners.delete(k.accessKeyId);
    delete this.state.users[name];
    this.forget(`user:${name}:`);
    await this.save();
  }

  /** A new access key for a user; returns the secret in the clear (shown once). */
  async addKey(userName: string, nowMs: number): Promise<{ key: StoredKey; secret: string }> {
    const user = this.state.users[userName]!;
    const secret = newSecret();
    const key: StoredKey = { accessKeyId: awsId('AKIA'), secret: this.seal(secret), status: 'Active', createdMs: nowMs };
    user.keys.push(key);
    this.keyOwners.set(key.accessKeyId, userName);
    await this.save();
    return { key, secret };
  }

  async removeKey(userName: string, accessKeyId: string): Promise<void> {
    const user = this.state.users[userName]!;
    user.keys = user.keys.filter((k) => k.accessKeyId !== accessKeyId);
    this.keyOwners.delete(accessKeyId);
    await this.save();
  }

  async putRole(role: StoredRole): Promise<void> {
    this.state.roles[role.roleName] = role;
    this.forget(`role:${role.roleName}:`);
    await this.save();
  }

  async deleteRole(name: string): Promise<void> {
    delete this.state.roles[name];
    this.forget(`role:${name}:`);
    await this.save();
  }

  async putPolicy(p: StoredPolicy): Promise<void> {
    this.state.policies[p.arn] = p;
    await this.save();
  }

  resourcePolicy(arn: string): string | undefined {
    return this.state.resourcePolicies[arn];
  }

  async setResourcePolicy(arn: string, document: string | undefined): Promise<void> {
    if (document === undefined) delete this.state.resourcePolicies[arn];
    else this.state.resourcePolicies[arn] = document;
    this.compiled.delete(`resource:${arn}`);
    await this.save();
  }

  addSession(s: Session): void {
    this.sessions.set(s.accessKeyId, s);
  }

  session(accessKeyId: string): Session | undefined {
    return this.sessions.get(accessKeyId);
  }

  /** Drops sessions that have expired (called as sessions are added, so the map stays bounded by live sessions). */
  pruneSessions(nowMs: number): void {
    for (const [id, s] of this.sessions) if (s.expiresAtMs <= nowMs) this.sessions.delete(id);
  }

  private forget(prefix: string): void {
    for (const k of this.compiled.keys()) if (k.startsWith(prefix)) this.compiled.delete(k);
  }

  private compile(cacheKey: string, document: string, source: string): CompiledPolicy {
    let c = this.compiled.get(cacheKey);
    if (c === undefined) {
      c = compilePolicy(document, source);
      this.compiled.set(cacheKey, c);
    }
    return c;
  }

  /** The identity-based policies of a user or a role (inline and attached), compiled once. */
  policiesOf(kind: 'user' | 'role', name: string): CompiledPolicy[] {
    const entity = kind === 'user' ? this.state.users[name] : this.state.roles[name];
    if (entity === undefined) return [];
    const out: CompiledPolicy[] = [];
    for (const [policyName, doc] of Object.entries(entity.inlinePolicies)) {
      out.push(this.compile(`${kind}:${name}:inline:${policyName}`, doc, `${kind} ${name} inline policy ${policyName}`));
    }
    for (const arn of entity.attachedPolicies) {
      const p = this.state.policies[arn];
      if (p !== undefined) out.push(this.compile(`managed:${arn}:${p.createdMs}`, p.document, arn));
    }
    return out;
  }

  compiledResourcePolicy(arn: string): CompiledPolicy | undefined {
    const doc = this.state.resourcePolicies[arn];
    return doc === undefined ? undefined : this.compile(`resource:${arn}`, doc, `resource policy of ${arn}`);
  }

  trustPolicyOf(role: StoredRole): CompiledPolicy {
    return this.compile(`role:${role.roleName}:trust`, role.assumeRolePolicyDocument, `trust policy of ${this.roleArn(role)}`);
  }
}
