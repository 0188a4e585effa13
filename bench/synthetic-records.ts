import * as layout from '../src/native/records.js';
import type { Endpoint } from '../src/proto/flow.js';

// Synthetic L3/L4 records in the native layout, for the in-process benchmarks (no kernel): TCP
// between 200 client addresses and 16 servers on four ports, on four interfaces, both
// directions, SYNs and ACKs.

const PORTS = [80, 443, 53, 8080];

/** The endpoint every synthetic address resolves to, frozen and shared as the enrichment index's are. */
export const SYNTHETIC_ENDPOINT: Endpoint = Object.freeze({ namespace: 'shop', pod_name: 'web-1', labels: ['k8s:app=web'], identity: 300, workloads: [{ name: 'web', kind: 'Deployment' }] });
/** The four interfaces the records name (ifindex 1 to 4): one network device, three pod veths. */
export const SYNTHETIC_INTERFACES = [1, 2, 3, 4].map((index) => ({ index, name: `lxc${index}`, role: index === 1 ? ('network' as const) : ('endpoint' as const) }));

export function syntheticRecords(count: number): Buffer {
  const buf = Buffer.alloc(count * layout.RECORD_BYTES);
  for (let i = 0; i < count; i++) {
    const at = i * layout.RECORD_BYTES;
    buf.writeUInt16LE(layout.RECORD_BYTES, at + layout.OFFSET_SIZE);
    buf[at + layout.OFFSET_KIND] = layout.KIND_FLOW;
    buf[at + layout.OFFSET_REASON] = 2;
    buf.writeUInt32LE(1 + (i % 4), at + layout.OFFSET_IFINDEX);
    buf.writeBigUInt64LE(1_700_000_000_000_000_000n + BigInt(i), at + layout.OFFSET_TIME_NS);
    buf.set([198, 18, 1, i % 200], at + layout.OFFSET_SADDR);
    buf.set([198, 18, 0, 1 + (i % 16)], at + layout.OFFSET_DADDR);
    buf.writeUInt16LE(32768 + (i % 28000), at + layout.OFFSET_SPORT);
    buf.writeUInt16LE(PORTS[(i >> 4) % PORTS.length]!, at + layout.OFFSET_DPORT);
    buf[at + layout.OFFSET_FAMILY] = 4;
    buf[at + layout.OFFSET_PROTOCOL] = 6;
    buf[at + layout.OFFSET_DIRECTION] = i % 2 === 0 ? layout.DIRECTION_INGRESS : layout.DIRECTION_EGRESS;
    buf[at + layout.OFFSET_TCP_FLAGS] = i % 3 === 0 ? 0x02 : 0x10;
  }
  return buf;
}

