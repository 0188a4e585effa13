import * as grpc from '@grpc/grpc-js';
import { isFlowlensError } from '../errors.js';
import { moduleLogger } from '../log.js';

const log = moduleLogger('grpc-status');

/** A gRPC error as grpc-js handlers pass it to callbacks or emit it on streams. */
export type GrpcError = grpc.ServiceError;

function grpcError(code: grpc.status, details: string): GrpcError {
  return Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() });
}

/**
 * The one place where errors become gRPC statuses: a bad request is INVALID_ARGUMENT with its
 * reason; anything else is INTERNAL with a readable detail (never a raw UNKNOWN).
 */
export function toGrpcError(err: unknown, method: string): GrpcError {
  if (isFlowlensError(err, 'FL_BAD_REQUEST')) return grpcError(grpc.status.INVALID_ARGUMENT, err.message);
  const detail = err instanceof Error ? err.message : String(err);
  log.error({ err, method }, 'gRPC handler failed');
  return grpcError(grpc.status.INTERNAL, `${method} failed: ${detail}`);
}

export function unimplemented(details: string): GrpcError {
  return grpcError(grpc.status.UNIMPLEMENTED, details);
}
