/**
 * The shape of an AWS service model as scripts/gen-models.py writes it (src/aws/models/<service>.ts):
 * botocore's service-2.json without documentation. Field names and meanings are botocore's
 * (https://github.com/boto/botocore, data/<service>/<version>/service-2.json); the wire codecs and the
 * validator read these, so a service's behaviour follows AWS's published model.
 */

/** Wire protocols named by a model's metadata (`protocol` / `protocols`). */
export type ProtocolName = 'json' | 'rest-json' | 'query' | 'smithy-rpc-v2-cbor' | 'rest-xml' | 'ec2';

export interface ServiceMetadata {
  readonly apiVersion: string;
  readonly endpointPrefix: string;
  /** SigV4 signing name (the credential scope's service). */
  readonly signingName: string;
  readonly serviceId: string;
  /** The model's primary protocol. */
  readonly protocol: ProtocolName;
  /** Every protocol the service accepts (botocore's `protocols`, or just `protocol`). */
  readonly protocols: readonly ProtocolName[];
  /** awsJson: '1.0' or '1.1'. */
  readonly jsonVersion?: string;
  /** awsJson's X-Amz-Target prefix; also the Smithy service shape name rpcv2 paths use. */
  readonly targetPrefix?: string;
  /** awsQuery: the XML namespace of responses. */
  readonly xmlNamespace?: string;
  /** JSON/CBOR services that were query services: errors carry the query error code too. */
  readonly awsQueryCompatible?: boolean;
  readonly globalEndpoint?: string;
  readonly uid?: string;
}

export interface HttpBinding {
  readonly method: string;
  /** REST: a path template with `{Label}` and `{Label+}` (greedy) labels and an optional fixed query. */
  readonly requestUri: string;
  /** REST: the success status when it is not 200. */
  readonly responseCode?: number;
}

export interface OperationModel {
  readonly http: HttpBinding;
  readonly input?: string;
  readonly output?: string;
  /** awsQuery: the element wrapping the output (`<OpResult>`). */
  readonly resultWrapper?: string;
  readonly errors: readonly string[];
  readonly endpoint?: { readonly hostPrefix?: string };
  /** 'none' for operations called without a signature (STS AssumeRoleWithWebIdentity). */
  readonly authtype?: string;
  readonly deprecated?: boolean;
}

export type MemberLocation = 'header' | 'headers' | 'uri' | 'querystring' | 'statusCode';

export interface MemberModel {
  readonly shape: string;
  readonly location?: MemberLocation;
  /** The header, label, query key or XML/query element name the member is bound to. */
  readonly locationName?: string;
  /** ec2: the query key. */
  readonly queryName?: string;
  readonly flattened?: boolean;
  readonly xmlAttribute?: boolean;
  readonly xmlNamespace?: { readonly prefix?: string; readonly uri: string };
  readonly timestampFormat?: TimestampFormat;
  /** A string carrying JSON (in a header: base64 of it). */
  readonly jsonvalue?: boolean;
  readonly idempotencyToken?: boolean;
  readonly hostLabel?: boolean;
  readonly eventpayload?: boolean;
  readonly eventheader?: boolean;
  readonly streaming?: boolean;
}

export type TimestampFormat = 'iso8601' | 'unixTimestamp' | 'rfc822';

interface ShapeBase {
  readonly locationName?: string;
  readonly xmlNamespace?: { readonly prefix?: string; readonly uri: string };
}

export interface StructureShapeModel extends ShapeBase {
  readonly type: 'structure';
  readonly members: Readonly<Record<string, MemberModel>>;
  readonly required?: readonly string[];
  /** REST: the member that is the whole body. */
  readonly payload?: string;
  readonly exception?: boolean;
  readonly fault?: boolean;
  /** An error's wire code (awsQuery / query-compatible) and status. */
  readonly error?: { readonly code?: string; readonly httpStatusCode?: number; readonly senderFault?: boolean };
  readonly eventstream?: boolean;
  readonly event?: boolean;
  readonly union?: boolean;
  readonly document?: boolean;
  readonly wrapper?: boolean;
}

export interface ListShapeModel extends ShapeBase {
  readonly type: 'list';
  readonly member: MemberModel;
  readonly min?: number;
  readonly max?: number;
  readonly flattened?: boolean;
}

export interface MapShapeModel extends ShapeBase {
  readonly type: 'map';
  readonly key: MemberModel;
  readonly value: MemberModel;
  readonly min?: number;
  readonly max?: number;
  readonly flattened?: boolean;
}

export interface StringShapeModel extends ShapeBase {
  readonly type: 'string';
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
  readonly enum?: readonly string[];
}

export interface NumberShapeModel extends ShapeBase {
  readonly type: 'integer' | 'long' | 'float' | 'double';
  readonly min?: number;
  readonly max?: number;
}

export interface BlobShapeModel extends ShapeBase {
  readonly type: 'blob';
  readonly min?: number;
  readonly max?: number;
  readonly streaming?: boolean;
}

export interface TimestampShapeModel extends ShapeBase {
  readonly type: 'timestamp';
  readonly timestampFormat?: TimestampFormat;
}

export interface BooleanShapeModel extends ShapeBase {
  readonly type: 'boolean';
}

export type ShapeModel =
  | StructureShapeModel
  | ListShapeModel
  | MapShapeModel
  | StringShapeModel
  | NumberShapeModel
  | BlobShapeModel
  | TimestampShapeModel
  | BooleanShapeModel;

/**
 * A generated service model. `Ops` (never present at run time) carries each operation's input and
 * output TypeScript types, so `defineAction(model, 'PutRecord', handler)` types its handler.
 */
export interface ServiceModel<Ops = object> {
  readonly metadata: ServiceMetadata;
  readonly operations: Readonly<Record<string, OperationModel>> & { readonly [K in keyof Ops & string]: OperationModel };
  readonly shapes: Readonly<Record<string, ShapeModel>>;
  readonly types?: Ops;
}
