import type { Timestamp } from './flow.js';

const NS_PER_MS = 1_000_000n;
const NS_PER_SECOND = 1_000_000_000n;

export function timestampToNs(ts: Timestamp): bigint {
  return BigInt(Math.trunc(ts.seconds ?? 0)) * NS_PER_SECOND + BigInt(Math.trunc(ts.nanos ?? 0));
}

export function timestampFromNs(ns: bigint): Timestamp {
  return { seconds: Number(ns / NS_PER_SECOND), nanos: Number(ns % NS_PER_SECOND) };
}

export function timestampFromMs(ms: number): Timestamp {
  return timestampFromNs(BigInt(Math.trunc(ms)) * NS_PER_MS);
}

/** Negative when a is earlier than b, 0 when equal, positive when later. */
export function compareTimestamps(a: Timestamp, b: Timestamp): number {
  const diff = timestampToNs(a) - timestampToNs(b);
  return diff < 0n ? -1 : diff > 0n ? 1 : 0;
}
