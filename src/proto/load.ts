import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';

const PROTO_FILES = [
  'flow/flow.proto',
  'observer/observer.proto',
  'peer/peer.proto',
  'relay/relay.proto',
  'grpc/health/v1/health.proto',
];

// The same options everywhere: the TypeScript types in ./flow.ts describe messages exactly as these produce them.
export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
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

export const packageDefinition = protoLoader.loadSync(PROTO_FILES, {
  ...PROTO_LOADER_OPTIONS,
  includeDirs: [PROTOS_DIR],
});

interface ServiceClientConstructorWithService extends grpc.ServiceClientConstructor {
  service: grpc.ServiceDefinition;
}

interface HubblePackages {
  observer: { Observer: ServiceClientConstructorWithService };
  peer: { Peer: ServiceClientConstructorWithService };
  grpc: { health: { v1: { Health: ServiceClientConstructorWithService } } };
}

// Client constructors for tests and tools; servers use the service definitions below.
export const hubbleProtos = grpc.loadPackageDefinition(packageDefinition) as unknown as HubblePackages;

/** Passes a response the handler encoded itself (a Buffer) to grpc-js unchanged. */
function preEncoded(value: unknown): Buffer {
  if (!Buffer.isBuffer(value)) throw new TypeError('this method writes pre-encoded responses (Buffer)');
  return value;
}

// GetFlows writes its responses as bytes (src/server/flow-response.ts); clients keep the
// loaded definition, which decodes them as usual.
const loadedObserver = hubbleProtos.observer.Observer.service;
export const observerService: grpc.ServiceDefinition = {
  ...loadedObserver,
  GetFlows: { ...loadedObserver['GetFlows']!, responseSerialize: preEncoded },
};
export const peerService: grpc.ServiceDefinition = hubbleProtos.peer.Peer.service;
export const healthService: grpc.ServiceDefinition = hubbleProtos.grpc.health.v1.Health.service;

// The same definitions as a protobufjs Root, for reflection (field masks, field numbers).
function loadProtoRoot(): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(PROTOS_DIR, target);
  root.loadSync(PROTO_FILES, { keepCase: true });
  root.resolveAll();
  return root;
}

export const protoRoot = loadProtoRoot();
