/**
 * The AWS protocol toolkit: what every AWS-compatible service in Freshet is built on — the service
 * contract, wire codecs, request validation, SigV4 auth parsing and the HTTP router. It imports only
 * src/core; services import it (never src/server, the composition root that mounts them).
 * See docs/architecture.md, "Adding a service".
 */
export { AwsError, isAwsError } from '../core/index.ts';
export type { AwsErrorCode, ErrorSpec } from '../core/index.ts';
export { PreEncodedJson, StreamingResponse } from './service.ts';
export type { ActionHandler, AwsService, IamMapping, RawJsonHandler, RequestContext, ResponseSink, WireProtocol } from './service.ts';
export { defineAction, actionTable, defineService, noActions } from './define.ts';
export type {
  ActionContext,
  ActionDefinition,
  ActionFunction,
  ActionResult,
  ActionTable,
  OperationInput,
  OperationOutput,
  ServiceDefinition,
} from './define.ts';
export { defineErrors, COMMON_ERRORS, fillTemplate, modelErrors } from './errors.ts';
export type { ErrorCatalog, ErrorEntry, TemplateParams } from './errors.ts';
export { validatorsFor, compilePattern } from './validate.ts';
export type { InputValidator, ValidationOptions } from './validate.ts';
export type {
  ServiceModel,
  ServiceMetadata,
  OperationModel,
  ShapeModel,
  MemberModel,
  StructureShapeModel,
  ProtocolName,
  TimestampFormat,
} from './model.ts';
export { base64DecodedLength, base64Problem, isStrictBase64, isStrictBase64Length } from './base64.ts';
export { codecFor, registerCodec, jsonCodec10, jsonCodec11, cborCodec, cborDecode, cborEncode } from './codec/index.ts';
export type { WireCodec } from './codec/index.ts';
export {
  authenticate,
  Authenticator,
  AUTH_MODES,
  CLOCK_SKEW_MS,
  EXPIRED_TOKEN_MESSAGE,
  INVALID_TOKEN_MESSAGE,
  SIGNATURE_MISMATCH_MESSAGE,
  queryAuthError,
} from './auth.ts';
export type {
  AuthMode,
  AuthResult,
  AuthorizationRequest,
  Authorizer,
  RoleAuthorizer,
  AuthenticatorOptions,
  CallerIdentity,
  CredentialStore,
  ResolvedCredential,
} from './auth.ts';
export { canonicalRequest, canonicalQuery, canonicalUri, signingKey, signature as sigv4Signature, stringToSign, formatAmzDate, parseAmzDate } from './sigv4.ts';
export { Router, DEFAULT_MAX_REQUEST_BYTES } from './router.ts';
export type { HttpRoute, RouterOptions } from './router.ts';
