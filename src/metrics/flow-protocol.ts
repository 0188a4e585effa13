import { MONITOR_EVENT_TYPE, type Flow } from '../proto/flow.js';

/** The protocol label Hubble puts on flow metrics: the L7 protocol for L7 events, else the L4 one. */
export function flowProtocol(flow: Flow): string {
  switch (flow.event_type?.type) {
    case MONITOR_EVENT_TYPE.L7:
      if (flow.l7?.dns) return 'DNS';
      if (flow.l7?.http) return 'HTTP';
      return 'Unknown L7';
    case MONITOR_EVENT_TYPE.DROP:
    case MONITOR_EVENT_TYPE.TRACE:
    case MONITOR_EVENT_TYPE.POLICY_VERDICT:
    case MONITOR_EVENT_TYPE.CAPTURE: {
      const l4 = flow.l4;
      if (l4?.TCP) return 'TCP';
      if (l4?.UDP) return 'UDP';
      if (l4?.ICMPv4) return 'ICMPv4';
      if (l4?.ICMPv6) return 'ICMPv6';
      if (l4?.SCTP) return 'SCTP';
      return 'Unknown L4';
    }
    default:
      return 'Unknown flow';
  }
}
