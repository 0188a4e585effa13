// TLS ClientHello metadata (RFC 8446 4.1.2) from the first bytes of a TCP segment: the
// server name, the offered versions and ALPN protocols. A capture cut short yields what
// was complete before the cut, flagged incomplete; lengths that contradict each other
// are rejected.

const RECORD_HEADER_BYTES = 5;
const HANDSHAKE_HEADER_BYTES = 4;
const CONTENT_TYPE_HANDSHAKE = 22;
const HANDSHAKE_CLIENT_HELLO = 1;
const RANDOM_BYTES = 32;
const MAX_SESSION_ID_BYTES = 32;
// A record body is at most 2^14 bytes (plus 2048 of expansion for protected records).
const MAX_RECORD_BYTES = 16384 + 2048;

const EXTENSION_SERVER_NAME = 0;
const EXTENSION_ALPN = 16;
const EXTENSION_SUPPORTED_VERSIONS = 43;
const SERVER_NAME_TYPE_HOST = 0;

export const TLS_REJECT_REASONS = ['not_tls', 'too_short', 'not_client_hello', 'bad_length'] as const;
export type TlsRejectReason = (typeof TLS_REJECT_REASONS)[number];

export interface TlsClientHello {
  recordVersion: number;
  /** The ClientHello's legacy_version (0x0303 for TLS 1.2 and 1.3 clients). */
  legacyVersion?: number;
  /** From the supported_versions extension, GREASE values removed. */
  supportedVersions: number[];
  serverName?: string;
  alpn: string[];
  /** False when the capture ended before the end of the ClientHello. */
  complete: boolean;
}

export type TlsParseResult = { ok: true; hello: TlsClientHello } | { ok: false; reason: TlsRejectReason };

const VERSION_NAMES: ReadonlyMap<number, string> = new Map([
  [0x0300, 'SSLv3'],
  [0x0301, 'TLSv1.0'],
  [0x0302, 'TLSv1.1'],
  [0x0303, 'TLSv1.2'],
  [0x0304, 'TLSv1.3'],
]);

export function tlsVersionName(version: number): string {
  return VERSION_NAMES.get(version) ?? `0x${version.toString(16).padStart(4, '0')}`;
}

/**
 * The version a server will most likely pick: the highest offered. Unknown when the capture
 * ended before supported_versions could be read: legacy_version alone would understate it.
 */
export function highestTlsVersion(hello: TlsClientHello): number | undefined {
  if (hello.supportedVersions.length === 0 && !hello.complete) return undefined;
  const offered = hello.supportedVersions.length > 0 ? hello.supportedVersions : hello.legacyVersion !== undefined ? [hello.legacyVersion] : [];
  return offered.length === 0 ? undefined : Math.max(...offered);
}

function reject(reason: TlsRejectReason): { ok: false; reason: TlsRejectReason } {
  return { ok: false, reason };
}

function u16(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 8) | bytes[at + 1]!;
}

function isGrease(value: number): boolean {
  return (value & 0x0f0f) === 0x0a0a && value >> 8 === (value & 0xff);
}

function asciiText(bytes: Uint8Array, start: number, end: number): string {
  let text = '';
  for (let i = start; i < end; i++) {
    const c = bytes[i]!;
    text += c > 0x20 && c < 0x7f && c !== 0x5c ? String.fromCharCode(c) : '\\x' + c.toString(16).padStart(2, '0');
  }
  return text;
}

/** Reads the extensions that matter into `hello`; false when a length overruns its container. */
function readExtension(bytes: Uint8Array, type: number, start: number, end: number, hello: TlsClientHello): boolean {
  if (type === EXTENSION_SERVER_NAME) {
    if (end - start < 2 || start + 2 + u16(bytes, start) !== end) return false;
    for (let pos = start + 2; pos < end; ) {
      if (pos + 3 > end) return false;
      const nameType = bytes[pos]!;
      const length = u16(bytes, pos + 1);
      if (pos + 3 + length > end) return false;
      if (nameType === SERVER_NAME_TYPE_HOST && hello.serverName === undefined) {
        hello.serverName = asciiText(bytes, pos + 3, pos + 3 + length);
      }
      pos += 3 + length;
    }
  } else if (type === EXTENSION_ALPN) {
    if (end - start < 2 || start + 2 + u16(bytes, start) !== end) return false;
    for (let pos = start + 2; pos < end; ) {
      const length = bytes[pos]!;
      if (length === 0 || pos + 1 + length > end) return false;
      hello.alpn.push(asciiText(bytes, pos + 1, pos + 1 + length));
      pos += 1 + length;
    }
  } else if (type === EXTENSION_SUPPORTED_VERSIONS) {
    if (end - start < 1) return false;
    const length = bytes[start]!;
    if (start + 1 + length !== end || length % 2 !== 0) return false;
    for (let pos = start + 1; pos < end; pos += 2) {
      const version = u16(bytes, pos);
      if (!isGrease(version)) hello.supportedVersions.push(version);
    }
  }
  return true;
}

/** Parses a ClientHello at the start of a TLS record; never throws. */
export function parseTlsClientHello(bytes: Uint8Array): TlsParseResult {
  if (bytes.length < 3 || bytes[0] !== CONTENT_TYPE_HANDSHAKE || bytes[1] !== 3 || bytes[2]! > 4) return reject('not_tls');
  if (bytes.length < RECORD_HEADER_BYTES + 1) return reject('too_short');
  const recordLength = u16(bytes, 3);
  if (recordLength < HANDSHAKE_HEADER_BYTES || recordLength > MAX_RECORD_BYTES) return reject('bad_length');
  if (bytes[RECORD_HEADER_BYTES] !== HANDSHAKE_CLIENT_HELLO) return reject('not_client_hello');

  const hello: TlsClientHello = { recordVersion: u16(bytes, 1), supportedVersions: [], alpn: [], complete: false };
  if (bytes.length < RECORD_HEADER_BYTES + HANDSHAKE_HEADER_BYTES) return { ok: true, hello };

  const helloLength = (bytes[6]! << 16) | (bytes[7]! << 8) | bytes[8]!;
  const bodyStart = RECORD_HEADER_BYTES + HANDSHAKE_HEADER_BYTES;
  // The declared end of the ClientHello; a long one may continue in the next record,
  // whose header we cannot see, so only the first record's share is read.
  const declaredEnd = bodyStart + Math.min(helloLength, recordLength - HANDSHAKE_HEADER_BYTES);
  const end = Math.min(bytes.length, declaredEnd);
  const fullyCaptured = end === declaredEnd && helloLength <= recordLength - HANDSHAKE_HEADER_BYTES;
  const partial = (): TlsParseResult => ({ ok: true, hello });

  let pos = bodyStart;
  if (pos + 2 > end) return partial();
  hello.legacyVersion = u16(bytes, pos);
  pos += 2 + RANDOM_BYTES;

  if (pos + 1 > end) return partial();
  const sessionIdLength = bytes[pos]!;
  if (sessionIdLength > MAX_SESSION_ID_BYTES) return reject('bad_length');
  pos += 1 + sessionIdLength;

  if (pos + 2 > end) return partial();
  const cipherSuitesLength = u16(bytes, pos);
  if (cipherSuitesLength < 2 || cipherSuitesLength % 2 !== 0) return reject('bad_length');
  pos += 2 + cipherSuitesLength;

  if (pos + 1 > end) return partial();
  const compressionLength = bytes[pos]!;
  if (compressionLength < 1) return reject('bad_length');
  pos += 1 + compressionLength;

  if (pos > declaredEnd) return reject('bad_length');
  // A ClientHello without extensions (TLS 1.2 and older) ends here.
  if (pos === declaredEnd) {
    hello.complete = fullyCaptured;
    return { ok: true, hello };
  }
  if (pos + 2 > end) return partial();
  const extensionsEnd = pos + 2 + u16(bytes, pos);
  if (extensionsEnd > declaredEnd) return reject('bad_length');
  pos += 2;

  while (pos < extensionsEnd) {
    if (pos + 4 > extensionsEnd) return reject('bad_length');
    if (pos + 4 > end) return partial();
    const type = u16(bytes, pos);
    const dataEnd = pos + 4 + u16(bytes, pos + 2);
    if (dataEnd > extensionsEnd) return reject('bad_length');
    if (dataEnd > end) return partial();
    if (!readExtension(bytes, type, pos + 4, dataEnd, hello)) return reject('bad_length');
    pos = dataEnd;
  }
  hello.complete = fullyCaptured;
  return { ok: true, hello };
}
