import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';

const PROTO_FILES = [
  'flow/flow.proto',
  'observer/observer.proto',
  'peer/peer.proto',
  'relay/relay.proto',
  'grpc/health/v1/health.proto',
];

// How messages look in TypeScript (./flow.ts describes them exactly as these produce them):
// field names as in the .proto files, enums as their names, 64-bit integers as numbers, no
// defaults filled in, and the name of the set field of each oneof.
export const PROTO_CONVERSION_OPTIONS: protobuf.IConversionOptions = {
  enums: String,
  longs: Number,
  defaults: false,
  oneofs: true,
};

// The repository's protos/ directory, found by walking up from this module, so it resolves
// both from src/proto/ (tests) and from dist/src/proto/ (compiled).
function findProtosDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'protos');
    if (existsSync(join(candidate, 'flow', 'flow.proto'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`protos/ not found above ${dirname(fileURLToPath(import.meta.url))}`);
    dir = parent;
  }
}

export const PROTOS_DIR = findProtosDir();

// The .proto files are parsed once, into one protobufjs Root: the gRPC service definitions
// below are made from it too (@grpc/proto-loader would parse them again, into a second Root,
// and build descriptors of every message besides).
function loadProtoRoot(): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(PROTOS_DIR, target);
  root.loadSync(PROTO_FILES, { keepCase: true });
  root.resolveAll();
  return root;
}

/** Reflection over every served message (field masks, field numbers). */
export const protoRoot = loadProtoRoot();

function serializer(type: protobuf.Type): grpc.serialize<object> {
  return (value) => Buffer.from(type.encode(type.fromObject(value)).finish());
}

function deserializer(type: protobuf.Type): grpc.deserialize<object> {
  return (bytes) => type.toObject(type.decode(bytes), PROTO_CONVERSION_OPTIONS);
}

/** Encodes and decodes one message type (e.g. 'observer.GetFlowsResponse') as the services do. */
export function messageCodec<T extends object>(fullName: string): { serialize(value: T): Buffer; deserialize(bytes: Buffer): T } {
  const type = protoRoot.lookupType(fullName);
  return { serialize: serializer(type), deserialize: deserializer(type) as grpc.deserialize<T> };
}

function serviceDefinition(fullName: string): grpc.ServiceDefinition {
  const service = protoRoot.lookupService(fullName);
  const definition: Record<string, grpc.MethodDefinition<object, object>> = {};
  for (const method of service.methodsArray) {
    const request = method.resolvedRequestType!;
    const response = method.resolvedResponseType!;
    definition[method.name] = {
      path: `/${fullName}/${method.name}`,
      requestStream: method.requestStream === true,
      responseStream: method.responseStream === true,
      requestSerialize: serializer(request),
      requestDeserialize: deserializer(request),
      responseSerialize: serializer(response),
      responseDeserialize: deserializer(response),
      // Clients also get the method as getFlows, as with @grpc/proto-loader.
      originalName: method.name.charAt(0).toLowerCase() + method.name.slice(1),
    };
  }
  return definition;
}

/** Passes a response the handler encoded itself (a Buffer) to grpc-js unchanged. */
function preEncoded(value: unknown): Buffer {
  if (!Buffer.isBuffer(value)) throw new TypeError('this method writes pre-encoded responses (Buffer)');
  return value;
}

// GetFlows writes its responses as bytes (src/server/flow-response.ts); clients keep the
// loaded definition, which decodes them as usual.
const loadedObserver = serviceDefinition('observer.Observer');
export const observerService: grpc.ServiceDefinition = {
  ...loadedObserver,
  GetFlows: { ...loadedObserver['GetFlows']!, responseSerialize: preEncoded },
};
export const peerService = serviceDefinition('peer.Peer');
export const healthService = serviceDefinition('grpc.health.v1.Health');

interface HubblePackages {
  observer: { Observer: grpc.ServiceClientConstructor };
  peer: { Peer: grpc.ServiceClientConstructor };
  grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
}

// Client constructors for tests and tools.
export const hubbleProtos: HubblePackages = {
  observer: { Observer: grpc.makeClientConstructor(loadedObserver, 'observer.Observer') },
  peer: { Peer: grpc.makeClientConstructor(peerService, 'peer.Peer') },
  grpc: { health: { v1: { Health: grpc.makeClientConstructor(healthService, 'grpc.health.v1.Health') } } },
};
