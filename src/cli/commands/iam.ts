/**
 * `freshet iam user create <name>`, `freshet iam key create <user>`: IAM shortcuts against a running
 * server, signed with SigV4 (Freshet's own signer) using $AWS_ACCESS_KEY_ID/$AWS_SECRET_ACCESS_KEY, else the
 * root credentials in `<data-dir>/root-credentials`.
 * `freshet iam simulate`: explains, offline from the data dir, whether a user or role may perform an action
 * on a resource and which statement decided.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { canonicalRequest, formatAmzDate, signingKey, sigv4Signature, stringToSign } from '../../aws/index.ts';
import type { CallerIdentity } from '../../aws/index.ts';
import { IamAuthorizer, IamStore, ROOT_CREDENTIALS_FILE } from '../../iam/index.ts';

const DEFAULT_ENDPOINT = 'http://127.0.0.1:4567';
const ENDPOINT_HELP = 'Freshet endpoint (default $FRESHET_ENDPOINT or http://127.0.0.1:4567)';

interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

async function credentials(dataDir: string): Promise<Creds> {
  const id = process.env.AWS_ACCESS_KEY_ID;
  const secret = process.env.AWS_SECRET_ACCESS_KEY;
  if (id && secret)
    return { accessKeyId: id, secretAccessKey: secret, ...(process.env.AWS_SESSION_TOKEN ? { sessionToken: process.env.AWS_SESSION_TOKEN } : {}) };
  try {
    const text = await readFile(join(dataDir, ROOT_CREDENTIALS_FILE), 'utf8');
    const kid = /aws_access_key_id\s*=\s*(\S+)/.exec(text)?.[1];
    const ks = /aws_secret_access_key\s*=\s*(\S+)/.exec(text)?.[1];
    if (kid && ks) return { accessKeyId: kid, secretAccessKey: ks };
  } catch {
    // No credentials file: a server in `any` mode accepts any key.
  }
  return { accessKeyId: 'freshet', secretAccessKey: 'freshet' };
}

/** POSTs an awsQuery IAM request signed with SigV4; the response XML, or an Error with IAM's code and message. */
async function iamCall(endpoint: string, creds: Creds, params: Record<string, string>): Promise<string> {
  const url = new URL(endpoint);
  const body = new URLSearchParams({ ...params, Version: '2010-05-08' }).toString();
  const amzDate = formatAmzDate(Date.now());
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const headers: Record<string, string> = {
    host: url.host,
    'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
    'x-amz-date': amzDate,
    ...(creds.sessionToken ? { 'x-amz-security-token': creds.sessionToken } : {}),
  };
  const signedHeaders = Object.keys(headers).sort().join(';');
  const { createHash } = await import('node:crypto');
  const canonical = canonicalRequest({
    method: 'POST',
    path: '/',
    query: '',
    headers,
    signedHeaders,
    payloadHash: createHash('sha256').update(body).digest('hex'),
    presigned: false,
  });
  const scope = `${amzDate.slice(0, 8)}/${region}/iam/aws4_request`;
  const sig = sigv4Signature(signingKey(creds.secretAccessKey, amzDate.slice(0, 8), region, 'iam'), stringToSign(amzDate, scope, canonical));
  const { host: _host, ...sent } = headers;
  let res: Response;
  try {
    res = await fetch(new URL('/', url), {
      method: 'POST',
      headers: { ...sent, authorization: `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${sig}` },
      body,
    });
  } catch (e) {
    throw new Error(`cannot reach Freshet at ${endpoint} (${(e as Error).message}); start it with \`npx freshet server\` or pass --endpoint`);
  }
  const text = await res.text();
  if (!res.ok) {
    const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? String(res.status);
    const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? '';
    const hint =
      code === 'InvalidClientTokenId' || code === 'SignatureDoesNotMatch'
        ? ' (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or pass --data-dir of the server)'
        : '';
    throw new Error(`${code}: ${message}${hint}`);
  }
  return text;
}

function field(xml: string, name: string): string {
  return /<(\w+)>([^<]*)<\/\1>/.exec(xml.slice(xml.indexOf(`<${name}>`)))?.[2] ?? '';
}

function parseOutput(v: string): 'json' | 'text' {
  if (v === 'json' || v === 'text') return v;
  throw new InvalidArgumentError(`expected json or text, got '${v}'`);
}

interface CallFlags {
  endpoint?: string;
  dataDir: string;
  output: 'json' | 'text';
}

/**
 * The IAM shortcuts that make one call to a running server: `freshet iam <group> <term>`, the awsQuery action
 * and the request parameter the argument fills, and how the answer is shown (JSON as IAM's response element,
 * or one text form a shell can use).
 */
interface IamCallCommand {
  group: 'user' | 'key';
  term: string;
  description: string;
  action: string;
  param: string;
  /** The response element's name and its fields as read from the XML. */
  result(xml: string, arg: string): [string, Record<string, string>];
  text(out: Record<string, string>): string;
}

const GROUPS = { user: 'IAM users', key: 'IAM access keys' } as const;

const CALLS: readonly IamCallCommand[] = [
  {
    group: 'user',
    term: 'create <name>',
    description: 'Create an IAM user',
    action: 'CreateUser',
    param: 'UserName',
    result: (xml) => ['User', { UserName: field(xml, 'UserName'), UserId: field(xml, 'UserId'), Arn: field(xml, 'Arn') }],
    text: (out) => `${out.Arn}\t${out.UserId}`,
  },
  {
    group: 'key',
    term: 'create <user>',
    description: 'Create an access key for a user (the secret is shown only now)',
    action: 'CreateAccessKey',
    param: 'UserName',
    result: (xml, userName) => [
      'AccessKey',
      { UserName: userName, AccessKeyId: field(xml, 'AccessKeyId'), SecretAccessKey: field(xml, 'SecretAccessKey'), Status: field(xml, 'Status') },
    ],
    text: (out) => `AWS_ACCESS_KEY_ID=${out.AccessKeyId}\nAWS_SECRET_ACCESS_KEY=${out.SecretAccessKey}`,
  },
];

export function register(program: Command): void {
  const iam = program.command('iam').description('IAM users, access keys and policy simulation (for --auth enforce)');
  const groups = new Map<string, Command>();
  for (const call of CALLS) {
    let group = groups.get(call.group);
    if (!group) groups.set(call.group, (group = iam.command(call.group).description(GROUPS[call.group])));
    group
      .command(call.term)
      .description(call.description)
      .option('--endpoint <url>', ENDPOINT_HELP)
      .option('--data-dir <dir>', "the server's data dir, for its root credentials when AWS_ACCESS_KEY_ID is not set", './freshet-data')
      .option('--output <format>', 'json or text', parseOutput, 'text' as const)
      .action(async (arg: string, flags: CallFlags) => {
        const endpoint = flags.endpoint ?? process.env.FRESHET_ENDPOINT ?? DEFAULT_ENDPOINT;
        const xml = await iamCall(endpoint, await credentials(flags.dataDir), { Action: call.action, [call.param]: arg });
        const [element, out] = call.result(xml, arg);
        console.log(flags.output === 'json' ? JSON.stringify({ [element]: out }, null, 2) : call.text(out));
      });
  }
  iam
    .command('simulate')
    .description('Explain whether a user or role may perform an action on a resource, and which statement decided (offline, from the data dir)')
    .option('--user <name>', 'the IAM user')
    .option('--role <name>', 'the IAM role (a session of it)')
    .requiredOption('--action <action>', 'e.g. kinesis:PutRecord')
    .option('--resource <arn>', 'the resource ARN', '*')
    .option('--source-ip <ip>', 'aws:SourceIp for conditions')
    .option('--secure', 'aws:SecureTransport true (a TLS request)')
    .option('--data-dir <dir>', "the server's data dir", './freshet-data')
    .option('--account <id>', 'the account id', '000000000000')
    .option('--output <format>', 'json or text', parseOutput, 'text' as const)
    .action(
      async (flags: {
        user?: string;
        role?: string;
        action: string;
        resource: string;
        sourceIp?: string;
        secure?: boolean;
        dataDir: string;
        account: string;
        output: 'json' | 'text';
      }) => {
        if ((flags.user === undefined) === (flags.role === undefined)) throw new Error('pass exactly one of --user <name> and --role <name>');
        const store = await IamStore.open({
          accountId: flags.account,
          root: { accessKeyId: '', secretAccessKey: '' },
          dataDir: flags.dataDir,
          readOnly: true,
        });
        let identity: CallerIdentity;
        if (flags.user !== undefined) {
          const u = store.users[flags.user];
          if (u === undefined) throw new Error(`no IAM user ${flags.user} in ${flags.dataDir} (list them with \`aws iam list-users\`)`);
          identity = store.userIdentity(u);
        } else {
          const r = store.roles[flags.role!];
          if (r === undefined) throw new Error(`no IAM role ${flags.role} in ${flags.dataDir}`);
          identity = {
            arn: `arn:aws:sts::${flags.account}:assumed-role/${r.roleName}/simulation`,
            accountId: flags.account,
            userId: `${r.roleId}:simulation`,
            kind: 'assumed-role',
            roleArn: store.roleArn(r),
          };
        }
        const e = new IamAuthorizer(store).check({
          identity,
          action: flags.action,
          resource: flags.resource,
          sourceIp: flags.sourceIp,
          secure: flags.secure === true,
          nowMs: Date.now(),
        });
        const result = { EvalDecision: e.decision === 'Allow' ? 'allowed' : e.decision === 'ExplicitDeny' ? 'explicitDeny' : 'implicitDeny', ...e };
        if (flags.output === 'json') console.log(JSON.stringify(result, null, 2));
        else {
          const why =
            e.decision === 'ImplicitDeny'
              ? 'no policy allows it'
              : `${e.decision === 'Allow' ? 'allowed' : 'denied'} by ${e.source}${e.sid ? ` (statement ${e.sid})` : ''}${e.kind ? ` [${e.kind}-based]` : ''}`;
          console.log(`${result.EvalDecision}: ${identity.arn} ${flags.action} on ${flags.resource}: ${why}`);
        }
        if (e.decision !== 'Allow') process.exitCode = 1;
      },
    );
}
