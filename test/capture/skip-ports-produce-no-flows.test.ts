import { describe, expect, it } from 'vitest';
import type { CaptureMode } from '../../src/capture/mode.js';
import type { Flow } from '../../src/proto/flow.js';
import { createPodPair } from '../helpers/netns.js';
import { captureSession, sessionConfig, until } from './capture-session.js';
import { tcpExchange, udpExchange } from './pod-traffic.js';

// Traffic on an excluded port (the agent's own gRPC port, a user's skip port) never
// becomes a flow, in either direction; traffic on other ports still does.

const MODES: CaptureMode[] = ['tracer', 'base'];
const SKIPPED_PORT = 4244;
const CONTROL_PORT = 5300;

function ports(flow: Flow): number[] {
  const l4 = flow.l4?.TCP ?? flow.l4?.UDP;
  return l4 === undefined ? [] : [l4.source_port ?? 0, l4.destination_port ?? 0];
}

describe.each(MODES)('%s mode skip ports', (mode) => {
  it('a TCP connection to a skipped port yields no flow, while other traffic does', async () => {
    const pair = createPodPair();
    const session = captureSession(sessionConfig(mode, { skipPorts: [SKIPPED_PORT] }), [pair.hostIfA, pair.hostIfB]);
    try {
      await session.source.start();
      await tcpExchange(pair, pair.ipB, SKIPPED_PORT, 45000);
      await udpExchange(pair, pair.ipB, CONTROL_PORT, 45001);
      await until('the control flows', () => session.flows.filter((f) => ports(f).includes(CONTROL_PORT)).length >= 4);
      expect(session.flows.filter((f) => ports(f).includes(SKIPPED_PORT))).toEqual([]);
      expect(session.source.stats().skippedPackets).toBeGreaterThan(0);
    } finally {
      await session.source.stop();
      pair.cleanup();
    }
  });
});
