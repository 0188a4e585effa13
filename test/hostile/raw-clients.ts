import { connect as netConnect } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import type { Duplex } from 'node:stream';

// Clients that say whatever a test wants, byte for byte: raw TCP, unix and TLS connections, and
// HTTP/2 frames written by hand (RFC 9113), so a test can break rules a real client keeps.

/** Opens a fresh connection to one entry point. */
export type Dial = () => Duplex;

export function dialTcp(port: number, host = '127.0.0.1'): Dial {
  return () => netConnect(port, host);
}

export function dialUnix(path: string): Dial {
  return () => netConnect(path);
}

export function dialTls(options: ConnectionOptions): Dial {
  return () => tlsConnect(options);
}

export interface Exchange {
  received: Buffer;
  /** The peer ended or reset the connection before the time was up. */
  closedByPeer: boolean;
  elapsedMs: number;
}

/**
 * Writes each chunk (pausing gapMs between chunks), reads whatever comes back, and ends after
 * timeoutMs at the latest, or once `done` says the answer is complete. Never rejects: a reset or
 * a failed handshake is an answer too.
 */
export function exchange(
  dial: Dial,
  chunks: readonly (Buffer | string)[],
  options: { timeoutMs: number; gapMs?: number; done?: (received: Buffer) => boolean },
): Promise<Exchange> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = dial();
    const parts: Buffer[] = [];
    let finished = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (closedByPeer: boolean): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ received: Buffer.concat(parts), closedByPeer, elapsedMs: Date.now() - started });
    };
    timer = setTimeout(() => finish(false), options.timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      parts.push(chunk);
      if (options.done?.(Buffer.concat(parts))) finish(false);
    });
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('end', () => finish(true));
    const write = async (): Promise<void> => {
      for (const chunk of chunks) {
        if (finished) return;
        socket.write(chunk);
        if (options.gapMs) await new Promise((r) => setTimeout(r, options.gapMs));
      }
    };
    void write();
  });
}

/** Opens `count` connections, writes `greeting` on each, and leaves them open until close(). */
export async function holdConnections(dial: Dial, count: number, greeting: Buffer | string | undefined): Promise<{ open: () => number; close: () => void }> {
  const sockets = new Set<Duplex>();
  for (let i = 0; i < count; i++) {
    const socket = dial();
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', () => {});
    if (greeting !== undefined) socket.write(greeting);
  }
  await new Promise((r) => setTimeout(r, 200));
  return {
    open: () => sockets.size,
    close: () => {
      for (const socket of sockets) socket.destroy();
    },
  };
}

// --- HTTP/2 framing ---

export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export const FRAME = { DATA: 0, HEADERS: 1, PRIORITY: 2, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, WINDOW_UPDATE: 8, CONTINUATION: 9 } as const;
export const FLAG = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8 } as const;

export function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header.writeUInt8(type, 3);
  header.writeUInt8(flags, 4);
  header.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([header, payload]);
}

export const EMPTY_SETTINGS = frame(FRAME.SETTINGS, 0, 0);

/** An HPACK integer with an n-bit prefix (RFC 7541 section 5.1). */
function hpackInteger(value: number, prefixBits: number, firstByteFlags: number): Buffer {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Buffer.from([firstByteFlags | value]);
  const bytes = [firstByteFlags | max];
  let rest = value - max;
  while (rest >= 128) {
    bytes.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

function hpackString(text: string): Buffer {
  const bytes = Buffer.from(text, 'latin1');
  return Buffer.concat([hpackInteger(bytes.length, 7, 0), bytes]);
}

/** A header block of literals without indexing and without Huffman coding: no table state to get right. */
export function headerBlock(headers: readonly (readonly [string, string])[]): Buffer {
  return Buffer.concat(headers.flatMap(([name, value]) => [Buffer.from([0x00]), hpackString(name), hpackString(value)]));
}

export function grpcRequestHeaders(path: string): [string, string][] {
  return [
    [':method', 'POST'],
    [':scheme', 'http'],
    [':path', path],
    [':authority', 'flowlens'],
    ['content-type', 'application/grpc'],
    ['te', 'trailers'],
  ];
}

/** A gRPC length-prefixed message; `declaredLength` may lie about the payload. */
export function grpcMessage(payload: Buffer, options: { compressed?: boolean; declaredLength?: number } = {}): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt8(options.compressed ? 1 : 0, 0);
  prefix.writeUInt32BE(options.declaredLength ?? payload.length, 1);
  return Buffer.concat([prefix, payload]);
}

/** Preface, SETTINGS, then one request per stream id from 1: HEADERS and a DATA frame ending the stream. */
export function grpcRequests(path: string, messages: readonly Buffer[]): Buffer {
  const frames = [PREFACE, EMPTY_SETTINGS];
  messages.forEach((message, i) => {
    const stream = 2 * i + 1;
    frames.push(frame(FRAME.HEADERS, FLAG.END_HEADERS, stream, headerBlock(grpcRequestHeaders(path))));
    frames.push(frame(FRAME.DATA, FLAG.END_STREAM, stream, message));
  });
  return Buffer.concat(frames);
}

export interface ParsedFrame {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}

/** The whole frames in what a server sent (after its SETTINGS; a server sends no preface). */
export function parseFrames(bytes: Buffer): ParsedFrame[] {
  const frames: ParsedFrame[] = [];
  let offset = 0;
  while (offset + 9 <= bytes.length) {
    const length = bytes.readUIntBE(offset, 3);
    if (offset + 9 + length > bytes.length) break;
    frames.push({
      type: bytes.readUInt8(offset + 3),
      flags: bytes.readUInt8(offset + 4),
      streamId: bytes.readUInt32BE(offset + 5) & 0x7fffffff,
      payload: bytes.subarray(offset + 9, offset + 9 + length),
    });
    offset += 9 + length;
  }
  return frames;
}

/** A deterministic pseudo-random byte source, so a failing case can be replayed. */
export function randomBytesFrom(seed: number, length: number): Buffer {
  let state = seed >>> 0 || 1;
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = state & 0xff;
  }
  return out;
}

// --- gRPC over a node:http2 session, with message bytes made by hand ---

export interface GrpcAnswer {
  /** grpc-status from the trailers (or a trailers-only response); undefined when none came. */
  status?: number;
  message?: string;
  /** The RST_STREAM code when the server reset the stream. */
  rstCode?: number;
}

/** Sends one request with the given body bytes on an open session and waits (bounded) for its status. */
export function grpcExchange(session: import('node:http2').ClientHttp2Session, path: string, body: Buffer, timeoutMs = 10_000): Promise<GrpcAnswer> {
  return new Promise((resolve) => {
    const answer: GrpcAnswer = {};
    const read = (headers: Record<string, unknown>): void => {
      if (headers['grpc-status'] !== undefined) answer.status = Number(headers['grpc-status']);
      if (headers['grpc-message'] !== undefined) answer.message = decodeURIComponent(String(headers['grpc-message']));
    };
    let request: import('node:http2').ClientHttp2Stream;
    try {
      request = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers' });
    } catch {
      resolve(answer);
      return;
    }
    const timer = setTimeout(() => request.close(), timeoutMs);
    request.on('response', read);
    request.on('trailers', read);
    request.on('data', () => {});
    request.on('error', () => {});
    request.on('close', () => {
      clearTimeout(timer);
      if (request.rstCode !== undefined && request.rstCode !== 0) answer.rstCode = request.rstCode;
      resolve(answer);
    });
    request.end(body);
  });
}
