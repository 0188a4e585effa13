import { MONITOR_EVENT_TYPE } from '../proto/flow.js';
import type { MeteredFlow } from './metered-flow.js';

/** The protocol label Hubble puts on flow metrics: the L7 protocol for L7 events, else the L4 one. */
export function flowProtocol(view: MeteredFlow, eventType = view.eventType): string {
  switch (eventType) {
    case MONITOR_EVENT_TYPE.L7: {
      const l7 = view.l7();
      if (l7?.dns) return 'DNS';
      if (l7?.http) return 'HTTP';
      return 'Unknown L7';
    }
    case MONITOR_EVENT_TYPE.DROP:
    case MONITOR_EVENT_TYPE.TRACE:
    case MONITOR_EVENT_TYPE.POLICY_VERDICT:
    case MONITOR_EVENT_TYPE.CAPTURE:
      return view.l4Protocol ?? 'Unknown L4';
    default:
      return 'Unknown flow';
  }
}
