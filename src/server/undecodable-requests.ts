import type * as grpc from '@grpc/grpc-js';
import { FlowlensError } from '../errors.js';
import { toGrpcError } from './status.js';

// grpc-js answers a request whose bytes do not decode with INTERNAL ("Error deserializing
// request"), as if the server were at fault. A client that sends invalid protobuf made a bad
// request: wrapping the deserializer lets the method answer INVALID_ARGUMENT with the reason.

/** What a wrapped deserializer returns for bytes that are not the method's request message. */
class UndecodableRequest {
  constructor(readonly reason: string) {}
}

function invalidArgument(path: string, request: UndecodableRequest): grpc.ServiceError {
  return toGrpcError(new FlowlensError('FL_BAD_REQUEST', `the request to ${path} is not a valid protobuf message: ${request.reason}`), path);
}

function tolerantDeserializer(deserialize: grpc.deserialize<unknown>): grpc.deserialize<unknown> {
  return (bytes: Buffer) => {
    try {
      return deserialize(bytes);
    } catch (err) {
      return new UndecodableRequest(err instanceof Error ? err.message : String(err));
    }
  };
}

/**
 * The service with every unary and server-streaming method answering an undecodable request
 * INVALID_ARGUMENT before its handler runs. Client-streaming methods are left as they are:
 * their messages arrive after the handler started (none is served today).
 */
export function rejectUndecodableRequests(
  definition: grpc.ServiceDefinition,
  implementation: grpc.UntypedServiceImplementation,
): { definition: grpc.ServiceDefinition; implementation: grpc.UntypedServiceImplementation } {
  const wrappedDefinition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  const wrappedImplementation: grpc.UntypedServiceImplementation = { ...implementation };
  for (const [name, method] of Object.entries(definition)) {
    const handler = implementation[name];
    if (method.requestStream || handler === undefined) {
      wrappedDefinition[name] = method;
      continue;
    }
    wrappedDefinition[name] = { ...method, requestDeserialize: tolerantDeserializer(method.requestDeserialize) };
    if (method.responseStream) {
      const serve = handler as grpc.handleServerStreamingCall<unknown, unknown>;
      wrappedImplementation[name] = ((call: grpc.ServerWritableStream<unknown, unknown>) => {
        if (call.request instanceof UndecodableRequest) call.emit('error', invalidArgument(method.path, call.request));
        else serve(call);
      }) as grpc.handleServerStreamingCall<unknown, unknown>;
    } else {
      const serve = handler as grpc.handleUnaryCall<unknown, unknown>;
      wrappedImplementation[name] = ((call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        if (call.request instanceof UndecodableRequest) callback(invalidArgument(method.path, call.request));
        else serve(call, callback);
      }) as grpc.handleUnaryCall<unknown, unknown>;
    }
  }
  return { definition: wrappedDefinition as grpc.ServiceDefinition, implementation: wrappedImplementation };
}
