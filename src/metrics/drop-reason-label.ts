import type { Flow } from '../proto/flow.js';

// The parser ends a kernel drop's Summary with the kernel's skb_drop_reason name
// ("NO_SOCKET", "UDP drop: NO_SOCKET", "dropped (NO_SOCKET)"): Hubble's DropReason enum
// cannot say everything the kernel says (PROTOCOL.md, "Drops").
const TRAILING_KERNEL_REASON = /(?:^|[\s:(])([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)\)?\s*$/;
const MAX_REASON_LENGTH = 64;

/** The `reason` label of hubble_drop_total: the kernel's reason name when the flow carries one, else the DropReason name. */
export function dropReasonLabel(flow: Flow): string {
  const match = TRAILING_KERNEL_REASON.exec(flow.Summary ?? '');
  const kernelReason = match?.[1];
  if (kernelReason !== undefined && kernelReason.length <= MAX_REASON_LENGTH) return kernelReason;
  return flow.drop_reason_desc ?? 'DROP_REASON_UNKNOWN';
}
