/**
 * The IAM subset Freshet serves (IAM API Reference, 2010-05-08, awsQuery): users, their access keys
 * and inline/attached policies, customer managed policies, roles with trust and permission policies.
 * Every other IAM operation answers AWS's unknown-action error. The handlers are small and share one
 * store, so they sit in one file in the table's order rather than one file each.
 *
 * Differences from AWS: no pagination (IsTruncated is always false), one version per managed policy,
 * and a few AWS managed policies built in (AdministratorAccess, AmazonKinesisFullAccess,
 * AmazonKinesisReadOnlyAccess). Policy documents come back URL-encoded, as IAM returns them.
 */
import { actionTable, defineAction, defineService, noActions } from '../aws/index.ts';
import type { ActionContext, AwsService, CallerIdentity } from '../aws/index.ts';
import { iamModel } from '../aws/models/iam.ts';
import type { AccessKeyMetadata, Policy, Role, User } from '../aws/models/iam.ts';
import { iamErrors } from './errors.ts';
import { PolicySyntaxError, compilePolicy } from './policy.ts';
import { awsId } from './store.ts';
import type { IamStore, StoredPolicy, StoredRole, StoredUser } from './store.ts';

/** AWS managed policies Freshet knows (the documents as AWS publishes them, trimmed to Freshet's services). */
export const AWS_MANAGED_POLICIES: Readonly<Record<string, string>> = {
  'arn:aws:iam::aws:policy/AdministratorAccess': '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
  'arn:aws:iam::aws:policy/AmazonKinesisFullAccess': '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kinesis:*","Resource":"*"}]}',
  'arn:aws:iam::aws:policy/AmazonKinesisReadOnlyAccess':
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kinesis:Get*","kinesis:List*","kinesis:Describe*"],"Resource":"*"}]}',
};

const MAX_KEYS_PER_USER = 2;

function checkPolicy(document: string, requireResource: boolean): void {
  try {
    compilePolicy(document, 'new policy', { requireResource });
  } catch (e) {
    if (e instanceof PolicySyntaxError) throw iamErrors.create('MalformedPolicyDocumentException', e.message);
    throw e;
  }
}

function userShape(store: IamStore, u: StoredUser): User {
  return { Path: u.path, UserName: u.userName, UserId: u.userId, Arn: store.userArn(u), CreateDate: u.createdMs / 1000 };
}

function roleShape(store: IamStore, r: StoredRole): Role {
  return {
    Path: r.path,
    RoleName: r.roleName,
    RoleId: r.roleId,
    Arn: store.roleArn(r),
    CreateDate: r.createdMs / 1000,
    AssumeRolePolicyDocument: encodeURIComponent(r.assumeRolePolicyDocument),
    MaxSessionDuration: r.maxSessionDurationSeconds,
    ...(r.description !== undefined ? { Description: r.description } : {}),
  };
}

function policyShape(store: IamStore, p: StoredPolicy): Policy {
  let attachments = 0;
  for (const u of Object.values(store.users)) if (u.attachedPolicies.includes(p.arn)) attachments++;
  for (const r of Object.values(store.roles)) if (r.attachedPolicies.includes(p.arn)) attachments++;
  return {
    PolicyName: p.policyName,
    PolicyId: p.policyId,
    Arn: p.arn,
    Path: p.path,
    DefaultVersionId: 'v1',
    AttachmentCount: attachments,
    PermissionsBoundaryUsageCount: 0,
    IsAttachable: true,
    CreateDate: p.createdMs / 1000,
    UpdateDate: p.createdMs / 1000,
    ...(p.description !== undefined ? { Description: p.description } : {}),
  };
}

function userNamed(store: IamStore, name: string): StoredUser {
  const u = store.users[name];
  if (u === undefined) throw iamErrors.format('NoSuchEntityException', 'user', { name });
  return u;
}

function roleNamed(store: IamStore, name: string): StoredRole {
  const r = store.roles[name];
  if (r === undefined) throw iamErrors.format('NoSuchEntityException', 'role', { name });
  return r;
}

/** The user an operation without UserName acts on: the caller, when the caller is a user. */
function callerUser(store: IamStore, name: string | undefined, identity: CallerIdentity | undefined): StoredUser {
  if (name !== undefined) return userNamed(store, name);
  if (identity?.kind === 'user') return userNamed(store, identity.arn.slice(identity.arn.lastIndexOf('/') + 1));
  throw iamErrors.create('ValidationError', 'Must specify userName when calling with non-User credentials');
}

/** A managed policy by ARN: the account's own or a built-in AWS managed one. */
function attachable(store: IamStore, arn: string): void {
  if (store.policies[arn] === undefined && AWS_MANAGED_POLICIES[arn] === undefined) throw iamErrors.format('NoSuchEntityException', 'policy', { arn });
}

function normalisePath(path: string | undefined): string {
  return path ?? '/';
}

type Ctx = ActionContext<IamStore>;

export const createUser = defineAction(iamModel, 'CreateUser', async (input, ctx: Ctx) => {
  const store = ctx.deps;
  if (store.users[input.UserName] !== undefined) throw iamErrors.format('EntityAlreadyExistsException', 'user', { name: input.UserName });
  const user: StoredUser = {
    userName: input.UserName,
    userId: awsId('AIDA', 17),
    path: normalisePath(input.Path),
    createdMs: ctx.clock.now(),
    keys: [],
    inlinePolicies: {},
    attachedPolicies: [],
  };
  await store.putUser(user);
  return { User: userShape(store, user) };
});

export const getUser = defineAction(iamModel, 'GetUser', (input, ctx: Ctx) => {
  const store = ctx.deps;
  if (input.UserName === undefined && (ctx.identity === undefined || ctx.identity.kind === 'root')) {
    return { User: { Path: '/', UserName: 'root', UserId: store.accountId, Arn: `arn:aws:iam::${store.accountId}:root`, CreateDate: 0 } };
  }
  return { User: userShape(store, callerUser(store, input.UserName, ctx.identity)) };
});

export const listUsers = defineAction(iamModel, 'ListUsers', (input, ctx: Ctx) => {
  const store = ctx.deps;
  const prefix = input.PathPrefix ?? '/';
  const users = Object.values(store.users)
    .filter((u) => u.path.startsWith(prefix))
    .sort((a, b) => (a.userName < b.userName ? -1 : 1))
    .map((u) => userShape(store, u));
  return { Users: users, IsTruncated: false };
});

export const deleteUser = defineAction(iamModel, 'DeleteUser', async (input, ctx: Ctx): Promise<undefined> => {
  const store = ctx.deps;
  const u = userNamed(store, input.UserName);
  if (u.keys.length) throw iamErrors.format('DeleteConflictException', 'keys', {});
  if (Object.keys(u.inlinePolicies).length) throw iamErrors.format('DeleteConflictException', 'policies', {});
  if (u.attachedPolicies.length) throw iamErrors.format('DeleteConflictException', 'attached', {});
  await store.deleteUser(u.userName);
  return undefined;
});

export const createAccessKey = defineAction(iamModel, 'CreateAccessKey', async (input, ctx: Ctx) => {
  const store = ctx.deps;
  const u = callerUser(store, input.UserName, ctx.identity);
  if (u.keys.length >= MAX_KEYS_PER_USER) throw iamErrors.format('LimitExceededException', 'keys', {});
  const { key, secret } = await store.addKey(u.userName, ctx.clock.now());
  return {
    AccessKey: { UserName: u.userName, AccessKeyId: key.accessKeyId, Status: key.status, SecretAccessKey: secret, CreateDate: key.createdMs / 1000 },
  };
});

export const listAccessKeys = defineAction(iamModel, 'ListAccessKeys', (input, ctx: Ctx) => {
  const u = callerUser(ctx.deps, input.UserName, ctx.identity);
  const list: AccessKeyMetadata[] = u.keys.map((k) => ({ UserName: u.userName, AccessKeyId: k.accessKeyId, Status: k.status, CreateDate: k.createdMs / 1000 }));
  return { AccessKeyMetadata: list, IsTruncated: false };
});

export const deleteAccessKey = defineAction(iamModel, 'DeleteAccessKey', async (input, ctx: Ctx): Promise<undefined> => {
  const store = ctx.deps;
  const u = callerUser(store, input.UserName, ctx.identity);
  if (!u.keys.some((k) => k.accessKeyId === input.AccessKeyId)) throw iamErrors.format('NoSuchEntityException', 'key', { id: input.AccessKeyId });
  await store.removeKey(u.userName, input.AccessKeyId);
  return undefined;
});

export const updateAccessKey = defineAction(iamModel, 'UpdateAccessKey', async (input, ctx: Ctx): Promise<undefined> => {
  const store = ctx.deps;
  const u = callerUser(store, input.UserName, ctx.identity);
  const key = u.keys.find((k) => k.accessKeyId === input.AccessKeyId);
  if (key === undefined) throw iamErrors.format('NoSuchEntityException', 'key', { id: input.AccessKeyId });
  key.status = input.Status;
  await store.putUser(u);
  return undefined;
});

export const putUserPolicy = defineAction(iamModel, 'PutUserPolicy', async (input, ctx: Ctx): Promise<undefined> => {
  const store = ctx.deps;
  const u = userNamed(store, input.UserName);
  checkPolicy(input.PolicyDocument, true);
  u.inlinePolicies[input.PolicyName] = input.PolicyDocument;
  await store.putUser(u);
  return undefined;
});

export const getUserPolicy = defineAction(iamModel, 'GetUserPolicy', (input, ctx: Ctx) => {
  const u = userNamed(ctx.deps, input.UserName);
  const doc = u.inlinePolicies[input.PolicyName];
  if (doc === undefined) throw iamErrors.format('NoSuchEntityException', 'userPolicy', { name: input.PolicyName });
  return { UserName: u.userName, PolicyName: input.PolicyName, PolicyDocument: encodeURIComponent(doc) };
});

export const deleteUserPolicy = defineAction(iamModel, 'DeleteUserPolicy', async (input, ctx: Ctx): Promise<undefined> => {
  const store = ctx.deps;
  const u = userNamed(store, input.UserName);
  if (u.inlinePolicies[input.PolicyName] === undefined) throw iamErrors.format('NoSuchEntityException', 'userPolicy', { name: input.PolicyName });
  delete u.inlinePolicies[input.PolicyName];
  await store.putUser(u);
  return undefined;
});

export const createPolicy = defineAction(iamModel, 'CreatePolicy', async (input, ctx: Ctx) => {
  const store = ctx.deps;
  const path = normalisePath(input.Path);
  const arn = `arn:aws:iam::${store.accountId}:policy${path}${input.PolicyName}`;
  if (store.policies[arn] !== undefined) throw iamErrors.format('EntityAlreadyExistsException', 'policy', { name: input.PolicyName });
  checkPolicy(input.PolicyDocument, true);
  const p: StoredPolicy = {
    policyName: input.PolicyName,
    policyId: awsId('ANPA', 17),
    arn,
    path,
    document: input.PolicyDocument,
    createdMs: ctx.clock.now(),
    ...(input.Description !== undefined ? { description: input.Description } : {}),
  };
  await store.putPolicy(p);
  return { Policy: policyShape(store, p) };
});

export const attachUserPolicy = defineAction(iamModel, 'AttachUserPolicy', async (input, ctx: Ctx): Promise<undefined> => {
  const store = ctx.deps;
  const u = userNamed(store, input.UserName);
  attachable(store, input.PolicyArn);
  if (!u.attachedPolicies.includes(input.PolicyArn)) u.attachedPolicies.push(input.PolicyArn);
  await store.putUser(u);
  return undefined;
});

export const detachUserPolicy = defineAction(iamModel, 'DetachUserPolicy', async (input, ctx: Ctx): Promise<undefined> => {
  const store = ctx.deps;
  const u = userNamed(store, input.UserName);
  if (!u.attachedPolicies.includes(input.PolicyArn)) throw iamErrors.format('NoSuchEntityException', 'attached', { arn: input.PolicyArn });
  u.attachedPolicies = u.attachedPolicies.filter((a) => a !== input.PolicyArn);
  await store.putUser(u);
  return undefined;
});

/** A trust policy must parse and name a Principal in every statement (MalformedPolicyDocumentException otherwise). */
function checkTrustPolicy(document: string): void {
  try {
    const trust = compilePolicy(document, 'trust policy');
    if (trust.statements.some((s) => s.principals === undefined)) {
      throw iamErrors.create('MalformedPolicyDocumentException', 'Missing required field Principal');
    }
  } catch (e) {
    if (e instanceof PolicySyntaxError) throw iamErrors.create('MalformedPolicyDocumentException', e.message);
    throw e;
  }
}

export const createRole = defineAction(iamModel, 'CreateRole', async (input, ctx: Ctx) => {
  const store = ctx.deps;
  if (store.roles[input.RoleName] !== undefined) throw iamErrors.format('EntityAlreadyExistsException', 'role', { name: input.RoleName });
  checkTrustPolicy(input.AssumeRolePolicyDocument);
  const role: StoredRole = {
    roleName: input.RoleName,
    roleId: awsId('AROA', 17),
    path: normalisePath(input.Path),
    createdMs: ctx.clock.now(),
    assumeRolePolicyDocument: input.AssumeRolePolicyDocument,
    maxSessionDurationSeconds: input.MaxSessionDuration ?? 3600,
    inlinePolicies: {},
    attachedPolicies: [],
    ...(input.Description !== undefined ? { description: input.Description } : {}),
  };
  await store.putRole(role);
  return { Role: roleShape(store, role) };
});

export const getRole = defineAction(iamModel, 'GetRole', (input, ctx: Ctx) => ({ Role: roleShape(ctx.deps, roleNamed(ctx.deps, input.RoleName)) }));

/** As IAM: a role with inline or attached policies cannot be deleted (DeleteConflictException). */
export const deleteRole = defineAction(iamModel, 'DeleteRole', async (input, ctx: Ctx): Promise<undefined> => {
  const store = ctx.deps;
  const r = roleNamed(store, input.RoleName);
  if (Object.keys(r.inlinePolicies).length) throw iamErrors.format('DeleteConflictException', 'policies', {});
  if (r.attachedPolicies.length) throw iamErrors.format('DeleteConflictException', 'attached', {});
  await store.deleteRole(r.roleName);
  return undefined;
});

export const updateAssumeRolePolicy = defineAction(iamModel, 'UpdateAssumeRolePolicy', async (input, ctx: Ctx): Promise<undefined> => {
  const store = ctx.deps;
  const r = roleNamed(store, input.RoleName);
  checkTrustPolicy(input.PolicyDocument);
  await store.putRole({ ...r, assumeRolePolicyDocument: input.PolicyDocument });
  return undefined;
});

export const putRolePolicy = defineAction(iamModel, 'PutRolePolicy', async (input, ctx: Ctx): Promise<undefined> => {
  const store = ctx.deps;
  const r = roleNamed(store, input.RoleName);
  checkPolicy(input.PolicyDocument, true);
  r.inlinePolicies[input.PolicyName] = input.PolicyDocument;
  await store.putRole(r);
  return undefined;
});

export const attachRolePolicy = defineAction(iamModel, 'AttachRolePolicy', async (input, ctx: Ctx): Promise<undefined> => {
  const store = ctx.deps;
  const r = roleNamed(store, input.RoleName);
  attachable(store, input.PolicyArn);
  if (!r.attachedPolicies.includes(input.PolicyArn)) r.attachedPolicies.push(input.PolicyArn);
  await store.putRole(r);
  return undefined;
});

export const getRolePolicy = defineAction(iamModel, 'GetRolePolicy', (input, ctx: Ctx) => {
  const r = roleNamed(ctx.deps, input.RoleName);
  const doc = r.inlinePolicies[input.PolicyName];
  if (doc === undefined) throw iamErrors.format('NoSuchEntityException', 'rolePolicy', { name: input.PolicyName });
  return { RoleName: r.roleName, PolicyName: input.PolicyName, PolicyDocument: encodeURIComponent(doc) };
});

export const deleteRolePolicy = defineAction(iamModel, 'DeleteRolePolicy', async (input, ctx: Ctx): Promise<undefined> => {
  const store = ctx.deps;
  const r = roleNamed(store, input.RoleName);
  if (r.inlinePolicies[input.PolicyName] === undefined) throw iamErrors.format('NoSuchEntityException', 'rolePolicy', { name: input.PolicyName });
  delete r.inlinePolicies[input.PolicyName];
  await store.putRole(r);
  return undefined;
});

export const detachRolePolicy = defineAction(iamModel, 'DetachRolePolicy', async (input, ctx: Ctx): Promise<undefined> => {
  const store = ctx.deps;
  const r = roleNamed(store, input.RoleName);
  if (!r.attachedPolicies.includes(input.PolicyArn)) throw iamErrors.format('NoSuchEntityException', 'attached', { arn: input.PolicyArn });
  r.attachedPolicies = r.attachedPolicies.filter((a) => a !== input.PolicyArn);
  await store.putRole(r);
  return undefined;
});

export const IAM_ACTIONS = actionTable(iamModel, {
  ...noActions(iamModel),
  AttachRolePolicy: attachRolePolicy,
  AttachUserPolicy: attachUserPolicy,
  CreateAccessKey: createAccessKey,
  CreatePolicy: createPolicy,
  CreateRole: createRole,
  CreateUser: createUser,
  DeleteAccessKey: deleteAccessKey,
  DeleteRole: deleteRole,
  DeleteRolePolicy: deleteRolePolicy,
  DeleteUser: deleteUser,
  DeleteUserPolicy: deleteUserPolicy,
  DetachRolePolicy: detachRolePolicy,
  DetachUserPolicy: detachUserPolicy,
  GetRole: getRole,
  GetRolePolicy: getRolePolicy,
  GetUser: getUser,
  GetUserPolicy: getUserPolicy,
  ListAccessKeys: listAccessKeys,
  ListUsers: listUsers,
  PutRolePolicy: putRolePolicy,
  PutUserPolicy: putUserPolicy,
  UpdateAccessKey: updateAccessKey,
  UpdateAssumeRolePolicy: updateAssumeRolePolicy,
});

export function createIamService(store: IamStore): AwsService {
  return defineService({ model: iamModel, actions: IAM_ACTIONS, errors: iamErrors, validation: { validationCode: 'ValidationError' } }, store);
}
