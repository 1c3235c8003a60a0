/**
 * The AWS protocol toolkit: what every AWS-compatible service in Freshet is built on — the service
 * contract, wire codecs, request validation, SigV4 auth parsing and the HTTP router. It imports only
 * src/core; services import it (never src/server, the composition root that mounts them).
 * See docs/architecture.md, "Adding a service".
 */
export { AwsError, isAwsError } from '../core/index.ts';
export type { AwsErrorCode } from '../core/index.ts';
export { PreEncodedJson, StreamingResponse } from './service.ts';
export type { ActionHandler, AwsService, RawJsonHandler, RequestContext, ResponseSink } from './service.ts';
export { compileValidator, base64DecodedLength, base64Problem, isStrictBase64, isStrictBase64Length } from './validate.ts';
export type { Shape, StructureShape, Validator } from './validate.ts';
export { codecFor, registerCodec, jsonCodec10, jsonCodec11, cborCodec, cborDecode, cborEncode } from './codec/index.ts';
export type { WireCodec } from './codec/index.ts';
export { authenticate } from './auth.ts';
export type { AuthResult } from './auth.ts';
export { Router, DEFAULT_MAX_REQUEST_BYTES } from './router.ts';
export type { RouterOptions } from './router.ts';
