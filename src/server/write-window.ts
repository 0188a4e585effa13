import * as grpc from '@grpc/grpc-js';

// grpc-js hands a server stream's messages to HTTP/2 one at a time: the call's writable takes
// the next message only when the previous one's HTTP/2 write has completed, so each message
// costs its own trip through the event loop and its own TLS record and socket write. This
// interceptor lets up to `window` messages be on their way at once: a message is acknowledged
// to the writable as soon as it is handed on while fewer than `window` are unfinished, and the
// HTTP/2 stream writes what has gathered together. Memory per stream stays bounded by the
// window (plus the writable's own high-water mark).

/** Messages of one stream handed to HTTP/2 and not yet written, at most. */
export const WRITE_WINDOW_MESSAGES = 128;

class WindowedCall extends grpc.ServerInterceptingCall {
  private unfinished = 0;
  private blocked: (() => void) | undefined;

  constructor(
    next: grpc.ServerInterceptingCallInterface,
    private readonly window: number,
  ) {
    super(next);
  }

  override sendMessage(message: unknown, callback: () => void): void {
    this.unfinished++;
    super.sendMessage(message, () => {
      this.unfinished--;
      const blocked = this.blocked;
      if (blocked === undefined) return;
      this.blocked = undefined;
      blocked();
    });
    if (this.unfinished < this.window) callback();
    else this.blocked = callback;
  }
}

/** Applies the window to every server-streaming method. */
export function writeWindowInterceptor(window: number = WRITE_WINDOW_MESSAGES): grpc.ServerInterceptor {
  return (method, call) => (method.responseStream ? new WindowedCall(call, window) : new grpc.ServerInterceptingCall(call));
}
