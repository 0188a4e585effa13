import { FlowlensError } from '../errors.js';
import type { RequestedMode } from '../config/config.js';
import { errnoName, type CapabilityName, type CapabilityResults } from '../native/binding.js';

export type CaptureMode = 'tracer' | 'base';

export interface ModeDecision {
  mode: CaptureMode;
  reason: string;
}

export interface TlsParseDecision {
  enabled: boolean;
  reason: string;
}

function failed(caps: CapabilityResults, names: readonly CapabilityName[]): string[] {
  return names.filter((name) => caps[name] !== 0).map((name) => `${name} ${errnoName(caps[name])}`);
}

/** Why tracer mode cannot run, or null when it can: the real program must load and attach. */
export function tracerBlocker(caps: CapabilityResults): string | null {
  const missing = failed(caps, ['btf', 'bpf_prog_load', 'ringbuf']);
  if (caps.tc_attach !== 0 && caps.tcx_attach !== 0) missing.push(...failed(caps, ['tcx_attach', 'tc_attach']));
  return missing.length === 0 ? null : missing.join(', ');
}

/**
 * The capture mode is a function of the requested mode and the detected capabilities
 * only: it takes no TLS setting, so turning TLS parsing on or off can never change the mode
 * (test/capture/mode-selection-ignores-tls-and-follows-capabilities.test.ts).
 */
export function selectCaptureMode(requested: RequestedMode, caps: CapabilityResults): ModeDecision {
  const tracerProblem = tracerBlocker(caps);
  const attach = caps.tcx_attach === 0 ? 'tcx' : 'clsact';
  const baseProblem = caps.af_packet === 0 ? null : `af_packet ${errnoName(caps.af_packet)}`;
  switch (requested) {
    case 'tracer':
      if (tracerProblem !== null) {
        throw new FlowlensError('FL_TRACER_UNAVAILABLE', `capture.mode=tracer was requested, but eBPF cannot be used here (${tracerProblem}); use capture.mode=auto or base`);
      }
      return { mode: 'tracer', reason: `requested tracer; the eBPF program loads and attaches (${attach})` };
    case 'base':
      if (baseProblem !== null) {
        throw new FlowlensError('FL_NO_CAPTURE', `capture.mode=base was requested, but AF_PACKET capture is not usable (${baseProblem})`);
      }
      return { mode: 'base', reason: 'requested base (AF_PACKET)' };
    case 'auto':
      if (tracerProblem === null) return { mode: 'tracer', reason: `auto: the eBPF program loads and attaches (${attach})` };
      if (baseProblem === null) return { mode: 'base', reason: `auto: eBPF is unusable (${tracerProblem}); falling back to AF_PACKET` };
      throw new FlowlensError('FL_NO_CAPTURE', `nothing can capture here: eBPF is unusable (${tracerProblem}) and AF_PACKET is unusable (${baseProblem})`);
  }
}

/** Decided after the mode, from the mode: TLS plaintext needs uprobes, which need tracer mode. */
export function resolveTlsParse(tlsParse: boolean, mode: CaptureMode, caps: CapabilityResults): TlsParseDecision {
  if (!tlsParse) return { enabled: false, reason: 'tls.parse=false' };
  if (mode === 'base') return { enabled: false, reason: 'tls.parse=true is unavailable in base mode: OpenSSL uprobes need eBPF; capture goes on without it' };
  if (caps.uprobe !== 0) return { enabled: false, reason: `tls.parse=true is unavailable: uprobe ${errnoName(caps.uprobe)}; capture goes on without it` };
  return { enabled: true, reason: 'tls.parse=true: OpenSSL uprobes attach' };
}
