import { connect } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { writeWindowInterceptor } from '../../src/server/write-window.js';
import { waitFor } from '../helpers/observer-server.js';

// A real grpc-js server with the write window, streaming to a plain HTTP/2 client whose
// flow-control window is 0: nothing can reach the client, so what the server stream accepts
// before it pushes back is what the window and the writable's high-water mark allow.

const WINDOW = 8;
const OBJECT_HIGH_WATER_MARK = 16;
const METHOD = '/test.Stream/Messages';
const MESSAGE = Buffer.alloc(1024, 1);
const MAX_WRITES = 10_000;
const identity = (value: Buffer): Buffer => value;
const definition: grpc.ServiceDefinition = {
  Messages: {
    path: METHOD,
    requestStream: false,
    responseStream: true,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

describe('the write window', () => {
  let server: grpc.Server | undefined;
  afterEach(() => server?.forceShutdown());

  it('lets a stream take window + high-water-mark messages for a client that reads nothing, then drains once it reads', async () => {
    let accepted = 0;
    let drained = false;
    server = new grpc.Server({ interceptors: [writeWindowInterceptor(WINDOW)] });
    server.addService(definition, {
      Messages: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
        // Written on the next turn, once the response headers are out.
        setImmediate(() => {
          while (accepted < MAX_WRITES) {
            accepted++;
            if (!call.write(MESSAGE)) break;
          }
          call.once('drain', () => (drained = true));
        });
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server!.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
    );
    const session = connect(`http://127.0.0.1:${port}`, { settings: { initialWindowSize: 0 } });
    try {
      const stream = session.request({ ':method': 'POST', ':path': METHOD, 'content-type': 'application/grpc', te: 'trailers' });
      stream.end(Buffer.alloc(5));
      stream.pause();
      await waitFor(() => accepted > 0, 'the server to write');
      // The first WINDOW - 1 are acknowledged at once, the next waits in HTTP/2, then the writable fills.
      expect(accepted).toBe(WINDOW - 1 + OBJECT_HIGH_WATER_MARK);
      expect(drained).toBe(false);
      let received = 0;
      stream.on('data', (chunk: Buffer) => (received += chunk.length));
      // A new SETTINGS_INITIAL_WINDOW_SIZE applies to open streams too (RFC 9113, 6.9.2).
      session.settings({ initialWindowSize: 1024 * 1024 });
      stream.resume();
      await waitFor(() => drained, 'the stream to drain once the client reads', 10_000);
      expect(received).toBeGreaterThan(0);
    } finally {
      session.destroy();
    }
  });
});
