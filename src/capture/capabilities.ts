import type { Config } from '../config/config.js';
import { isFlowlensError } from '../errors.js';
import { CAPABILITY_NAMES, errnoName, type CapabilityResults } from '../native/binding.js';
import { resolveTlsParse, selectCaptureMode, type CaptureMode, type TlsParseDecision } from './mode.js';

/** What `flowlens probe` reports and what the agent logs once at start-up. */
export interface ProbeReport {
  capabilities: Record<string, { ok: boolean; errno: number; error?: string }>;
  requestedMode: string;
  /** Absent when no mode can run here; `error` says why. */
  mode?: CaptureMode;
  reason: string;
  error?: { code: string; message: string };
  tlsParse: TlsParseDecision & { requested: boolean };
}

export function buildProbeReport(config: Config, caps: CapabilityResults): ProbeReport {
  const capabilities: ProbeReport['capabilities'] = {};
  for (const name of CAPABILITY_NAMES) {
    const errno = caps[name];
    capabilities[name] = errno === 0 ? { ok: true, errno: 0 } : { ok: false, errno: -errno, error: errnoName(errno) };
  }
  const base = { capabilities, requestedMode: config.capture.mode };
  try {
    const decision = selectCaptureMode(config.capture.mode, caps);
    const tlsParse = resolveTlsParse(config.tls.parse, decision.mode, caps);
    return { ...base, mode: decision.mode, reason: decision.reason, tlsParse: { requested: config.tls.parse, ...tlsParse } };
  } catch (err) {
    if (!isFlowlensError(err)) throw err;
    return {
      ...base,
      reason: err.message,
      error: { code: err.code, message: err.message },
      tlsParse: { requested: config.tls.parse, enabled: false, reason: 'no capture mode can run' },
    };
  }
}

export function formatProbeReport(report: ProbeReport): string {
  const width = Math.max(...Object.keys(report.capabilities).map((name) => name.length));
  const lines = ['capability'.padEnd(width) + '  result'];
  for (const [name, result] of Object.entries(report.capabilities)) {
    lines.push(`${name.padEnd(width)}  ${result.ok ? 'ok' : `failed (${result.error})`}`);
  }
  lines.push('');
  lines.push(`requested mode: ${report.requestedMode}`);
  lines.push(`chosen mode:    ${report.mode ?? 'none'}`);
  lines.push(`reason:         ${report.reason}`);
  lines.push(`tls parsing:    ${report.tlsParse.enabled ? 'on' : 'off'} (${report.tlsParse.reason})`);
  return lines.join('\n');
}
