import { execFileSync } from 'node:child_process';
import * as grpc from '@grpc/grpc-js';
import { setTimeout as delay } from 'node:timers/promises';
import type { Flow, FlowFilter } from '../../src/proto/flow.js';
import type { GetFlowsResponse } from '../../src/proto/observer.js';
import { hubbleProtos } from '../../src/proto/load.js';
import type { PodPair } from '../helpers/netns.js';
import { sendJunkDatagram } from './l7-traffic.js';

// Flows of a running agent, read the way the hubble CLI reads them: a real GetFlows call
// with FlowFilters, over plaintext gRPC on loopback.

const FLOWS_PER_CALL = 4000;
const CALL_DEADLINE_MS = 10_000;
const WAIT_STEP_MS = 200;
const WAIT_TIMEOUT_MS = 30_000;

export async function getFlows(grpcPort: number, whitelist: FlowFilter[], blacklist: FlowFilter[] = []): Promise<Flow[]> {
  const client = new hubbleProtos.observer.Observer(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
    GetFlows(request: unknown, options: grpc.CallOptions): grpc.ClientReadableStream<GetFlowsResponse>;
  };
  try {
    return await new Promise<Flow[]>((resolve, reject) => {
      const flows: Flow[] = [];
      const call = client.GetFlows({ number: FLOWS_PER_CALL, first: true, whitelist, blacklist }, { deadline: Date.now() + CALL_DEADLINE_MS });
      call.on('data', (response: GetFlowsResponse) => {
        if (response.flow) flows.push(response.flow);
      });
      call.on('error', reject);
      call.on('end', () => resolve(flows));
    });
  } finally {
    client.close();
  }
}

/** Polls GetFlows until `done` holds for the filtered flows; returns them. */
export async function waitForFlows(grpcPort: number, whitelist: FlowFilter[], done: (flows: Flow[]) => boolean, what: string): Promise<Flow[]> {
  const deadline = Date.now() + WAIT_TIMEOUT_MS;
  for (;;) {
    const flows = await getFlows(grpcPort, whitelist);
    if (done(flows)) return flows;
    if (Date.now() > deadline) throw new Error(`${what}: not seen within ${WAIT_TIMEOUT_MS} ms; got ${JSON.stringify(flows.map((f) => f.Summary))}`);
    await delay(WAIT_STEP_MS);
  }
}

/**
 * Sends a UDP datagram from pod A to pod B on `port` (one no other traffic of the test uses)
 * and waits until the agent shows it at both host-side veths. Each veth's packets and the
 * records made from them reach the agent in order, so everything the test sent before the
 * marker has then been through the agent: a flow that has not appeared by now never will.
 */
export async function waitForMarker(grpcPort: number, pair: PodPair, port: number): Promise<void> {
  await sendJunkDatagram(pair.nsA, pair.ipB, port);
  const atBothVeths = (flows: Flow[]): boolean => [pair.hostIfA, pair.hostIfB].every((name) => flows.some((f) => f.interface?.name === name));
  await waitForFlows(grpcPort, [{ source_ip: [pair.ipA], destination_port: [String(port)] }], atBothVeths, `the marker datagram to port ${port}`);
}

export interface PerfAttachment {
  pid: number;
  fd_type: string;
  filename?: string;
}

/** BPF programs attached through perf events (uprobes, tracepoints), as `bpftool perf` lists them. */
export function perfAttachments(pid: number): PerfAttachment[] {
  const all = JSON.parse(execFileSync('bpftool', ['perf', '-j'], { encoding: 'utf8' }) || '[]') as PerfAttachment[];
  return all.filter((a) => a.pid === pid);
}

export function uprobesOf(pid: number): PerfAttachment[] {
  return perfAttachments(pid).filter((a) => a.fd_type === 'uprobe' || a.fd_type === 'uretprobe');
}
