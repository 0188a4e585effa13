import { describe, expect, it } from 'vitest';
import { resolveTlsParse, selectCaptureMode } from '../../src/capture/mode.js';
import { isFlowlensError } from '../../src/errors.js';
import { CAPABILITY_NAMES, type CapabilityResults } from '../../src/native/binding.js';

const EPERM = -1;

// Every combination of working and failing capabilities (2^8), for every requested mode.
function* allCapabilitySets(): Generator<CapabilityResults> {
  for (let bits = 0; bits < 1 << CAPABILITY_NAMES.length; bits++) {
    const caps = {} as CapabilityResults;
    CAPABILITY_NAMES.forEach((name, i) => (caps[name] = bits & (1 << i) ? EPERM : 0));
    yield caps;
  }
}

// The contract, written independently of the implementation.
function expected(requested: 'auto' | 'tracer' | 'base', c: CapabilityResults): string {
  const tracerOk = c.btf === 0 && c.bpf_prog_load === 0 && c.ringbuf === 0 && (c.tc_attach === 0 || c.tcx_attach === 0);
  const baseOk = c.af_packet === 0;
  if (requested === 'tracer') return tracerOk ? 'tracer' : 'FL_TRACER_UNAVAILABLE';
  if (requested === 'base') return baseOk ? 'base' : 'FL_NO_CAPTURE';
  return tracerOk ? 'tracer' : baseOk ? 'base' : 'FL_NO_CAPTURE';
}

function outcome(requested: 'auto' | 'tracer' | 'base', caps: CapabilityResults): string {
  try {
    return selectCaptureMode(requested, caps).mode;
  } catch (err) {
    if (isFlowlensError(err)) return err.code;
    throw err;
  }
}

describe('selectCaptureMode', () => {
  it('takes no TLS setting at all: requested mode and capabilities only', () => {
    expect(selectCaptureMode.length).toBe(2);
  });

  it('matches the contract for every capability combination and requested mode', () => {
    let checked = 0;
    for (const caps of allCapabilitySets()) {
      for (const requested of ['auto', 'tracer', 'base'] as const) {
        expect(outcome(requested, caps), `${requested} ${JSON.stringify(caps)}`).toBe(expected(requested, caps));
        checked++;
      }
    }
    expect(checked).toBe(256 * 3);
  });

  it('auto falling back to base says which capability failed and with which errno', () => {
    const caps = Object.fromEntries(CAPABILITY_NAMES.map((n) => [n, 0])) as CapabilityResults;
    caps.bpf_prog_load = EPERM;
    const decision = selectCaptureMode('auto', caps);
    expect(decision.mode).toBe('base');
    expect(decision.reason).toContain('bpf_prog_load EPERM');
  });

  it('an explicit tracer without eBPF names what is missing', () => {
    const caps = Object.fromEntries(CAPABILITY_NAMES.map((n) => [n, EPERM])) as CapabilityResults;
    caps.af_packet = 0;
    expect(() => selectCaptureMode('tracer', caps)).toThrow(/capture.mode=tracer was requested, but eBPF cannot be used here \(.*bpf_prog_load EPERM/);
  });
});

describe('resolveTlsParse', () => {
  it('for every combination: on only when requested, in tracer mode, with uprobes; never changes the mode', () => {
    for (const caps of allCapabilitySets()) {
      for (const requested of ['auto', 'tracer', 'base'] as const) {
        const mode = outcome(requested, caps);
        if (mode !== 'tracer' && mode !== 'base') continue;
        for (const tlsParse of [true, false]) {
          const decision = resolveTlsParse(tlsParse, mode, caps);
          expect(decision.enabled).toBe(tlsParse && mode === 'tracer' && caps.uprobe === 0);
          expect(outcome(requested, caps)).toBe(mode);
          if (tlsParse && !decision.enabled) expect(decision.reason).toMatch(/unavailable/);
        }
      }
    }
  });

  it('in base mode reports tls parsing as unavailable with the reason, and capture goes on', () => {
    const caps = Object.fromEntries(CAPABILITY_NAMES.map((n) => [n, 0])) as CapabilityResults;
    expect(resolveTlsParse(true, 'base', caps)).toEqual({
      enabled: false,
      reason: expect.stringContaining('unavailable in base mode'),
    });
  });
});
