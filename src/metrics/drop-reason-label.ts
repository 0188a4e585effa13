import type { Flow } from '../proto/flow.js';

// The parser ends a kernel drop's Summary with the kernel's skb_drop_reason name
// ("UDP, kernel drop reason NO_SOCKET"; "REASON_<n>" for a value the kernel does not name):
// Hubble's DropReason enum has no value for most of the kernel's reasons (README, "What a
// flow holds", Drops).
const KERNEL_REASON_IN_SUMMARY = /kernel drop reason ([A-Z][A-Z0-9_]{0,63})$/;

/** The `reason` label of hubble_drop_total: the kernel's reason name when the flow carries one, else the DropReason name. */
export function dropReasonLabel(flow: Flow): string {
  const kernelReason = KERNEL_REASON_IN_SUMMARY.exec(flow.Summary ?? '')?.[1];
  return kernelReason ?? flow.drop_reason_desc ?? 'DROP_REASON_UNKNOWN';
}
