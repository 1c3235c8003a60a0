/**
 * Identities and permissions: the IAM and STS subsets served on the one port, the store behind them,
 * IAM policy evaluation and the Authorizer `--auth enforce` plugs into the router.
 * See docs/security.md.
 */
import { readFile } from 'node:fs/promises';
import { Authenticator } from '../aws/index.ts';
import type { AuthMode, AwsService } from '../aws/index.ts';
import { IamAuthorizer } from './authorizer.ts';
import { createIamService } from './iam-service.ts';
import { rootCredentials } from './root.ts';
import type { RootCredentialsResult } from './root.ts';
import { IamStore, secretsKeyFrom } from './store.ts';
import { createStsService } from './sts-service.ts';
import { PolicySyntaxError, compilePolicy } from './policy.ts';

export { IamAuthorizer } from './authorizer.ts';
export { SERVICE_AUTHORIZATIONS, lambdaFunctionArn } from './mappings.ts';
export type { ServiceAuthorization, MappingScope } from './mappings.ts';
export type { CheckInput } from './authorizer.ts';
export { IamStore, awsId, newSecret, secretsKeyFrom } from './store.ts';
export type { RootCredentials, Session, StoredKey, StoredPolicy, StoredRole, StoredUser } from './store.ts';
export { compilePolicy, evaluate, accessDeniedMessage, wildcardRegExp, PolicySyntaxError } from './policy.ts';
export type { CompiledPolicy, CompiledStatement, Decision, EvaluationRequest, Explanation, ContextValue } from './policy.ts';
export { rootCredentials, ROOT_CREDENTIALS_FILE } from './root.ts';
export type { RootCredentialsResult } from './root.ts';
export { createIamService, IAM_ACTIONS, AWS_MANAGED_POLICIES } from './iam-service.ts';
export { createStsService, STS_ACTIONS, serviceRoleIdentity } from './sts-service.ts';

export interface SecurityOptions {
  mode: AuthMode;
  accountId: string;
  /** Undefined: everything in memory. */
  dataDir: string | undefined;
  /** A file outside the data dir whose contents encrypt the stored secrets. */
  secretsKeyFile?: string;
  env?: NodeJS.ProcessEnv;
}

export interface Security {
  store: IamStore;
  root: RootCredentialsResult;
  authenticator: Authenticator;
  /** Set under `enforce` only: other modes treat every caller as the root. */
  authorizer: IamAuthorizer | undefined;
  services: AwsService[];
  /** Kinesis resource policies, kept in the store (the shape src/kinesis's ResourcePolicyStore expects). */
  resourcePolicies: {
    get(arn: string): string | undefined;
    set(arn: string, document: string | undefined): Promise<void>;
    problem(document: string): string | undefined;
  };
}

/** Opens the identity store and builds the IAM and STS services and the router's authenticator/authorizer. */
export async function openSecurity(opts: SecurityOptions): Promise<Security> {
  let secretsKey: Buffer | undefined;
  if (opts.secretsKeyFile !== undefined) {
    try {
      secretsKey = secretsKeyFrom(await readFile(opts.secretsKeyFile));
    } catch (e) {
      throw new Error(`cannot read --secrets-key-file ${opts.secretsKeyFile}: ${(e as Error).message}`);
    }
  }
  const root = await rootCredentials(opts.mode === 'enforce' ? opts.dataDir : undefined, opts.env);
  const store = await IamStore.open({ accountId: opts.accountId, root: root.credentials, dataDir: opts.dataDir, ...(secretsKey ? { secretsKey } : {}) });
  const authorizer = opts.mode === 'enforce' ? new IamAuthorizer(store) : undefined;
  return {
    store,
    root,
    authenticator: new Authenticator({ mode: opts.mode, accountId: opts.accountId, credentials: store }),
    authorizer,
    services: [createIamService(store), createStsService(store)],
    resourcePolicies: {
      get: (arn) => store.resourcePolicy(arn),
      set: (arn, doc) => store.setResourcePolicy(arn, doc),
      problem: (doc) => {
        try {
          const p = compilePolicy(doc, 'resource policy');
          return p.statements.some((s) => s.principals === undefined) ? 'Policy statements must name a Principal.' : undefined;
        } catch (e) {
          if (e instanceof PolicySyntaxError) return e.message;
          throw e;
        }
      },
    },
  };
}
