/**
 * The Freshet HTTP server: AWS JSON wire protocol, routing, auth, edge validation.
 * Importing this package is cheap: startServer() loads the engines and the
 * service list (services.ts) only when called.
 */
export { PreEncodedJson, StreamingResponse } from './service.ts';
export type { ActionHandler, AwsService, RawJsonHandler, RequestContext, ResponseSink } from './service.ts';
export { compileValidator, base64DecodedLength, base64Problem, isStrictBase64, isStrictBase64Length } from './validate.ts';
export type { Shape, StructureShape, Validator } from './validate.ts';
export { codecFor, registerCodec, jsonCodec10, jsonCodec11, cborCodec, cborDecode, cborEncode } from './codec/index.ts';
export type { WireCodec } from './codec/index.ts';
export { authenticate } from './auth.ts';
export type { AuthResult } from './auth.ts';
export { Router, DEFAULT_MAX_REQUEST_BYTES } from './http.ts';
export type { RouterOptions } from './http.ts';
export type { ServiceDeps } from './services.ts';
export { startServer, DEFAULTS } from './freshet.ts';
export type { FreshetServer, StartServerOptions } from './freshet.ts';
