import type { Flow } from '../proto/flow.js';

/**
 * One stage of metadata added to a parsed flow, in place. An enricher never throws into the
 * pipeline: what it does not know, it leaves unset. Endpoint arrays it adds may be shared
 * between flows: treat them as read-only.
 */
export interface FlowEnricher {
  enrich(flow: Flow): void;
}
