import { randomBytes } from 'node:crypto';

// Flow uuids in the RFC 4122 version 4 text form: 74 random bits chosen once per process
// (and again whenever the counter runs out) followed by a 48-bit counter. Unique across
// flows, processes and nodes like random ones, at a fraction of the cost of
// crypto.randomUUID() per flow.

const COUNTER_HEX_DIGITS = 12;
const COUNTER_LIMIT = 2 ** 48;

let prefix = randomPrefix();
let counter = 0;

/** "xxxxxxxx-xxxx-4xxx-Yxxx-": the random part, version 4, RFC 4122 variant. */
function randomPrefix(): string {
  const bytes = randomBytes(10);
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-`;
}

export function flowUuid(): string {
  if (counter === COUNTER_LIMIT) {
    prefix = randomPrefix();
    counter = 0;
  }
  return prefix + (counter++).toString(16).padStart(COUNTER_HEX_DIGITS, '0');
}

// Flows held in the store as records get theirs from their sequence number, so every reader
// of a slot sees the same uuid; a prefix of their own keeps them apart from flowUuid()'s.
const slotPrefix = randomPrefix();

export function slotUuid(sequence: number): string {
  return slotPrefix + sequence.toString(16).padStart(COUNTER_HEX_DIGITS, '0');
}
