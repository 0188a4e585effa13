import type { FlowFilter } from '../proto/flow.js';
import type { HostPort, LOG_LEVELS } from './values.js';

export type RequestedMode = 'auto' | 'tracer' | 'base';
export type PeersSource = 'static' | 'kubernetes';
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The one validated, frozen configuration of a flowlens process. */
export interface Config {
  readonly capture: {
    readonly mode: RequestedMode;
    /** Interface names or glob patterns; empty means every non-loopback interface. */
    readonly interfaces: readonly string[];
    /** The user's extra ports, as given. */
    readonly skipPorts: readonly number[];
    /** The agent's own ports (gRPC, metrics, health) plus skipPorts: never captured. */
    readonly excludedPorts: readonly number[];
    readonly aggregate: boolean;
    readonly reportIntervalMs: number;
  };
  readonly tls: { readonly parse: boolean };
  readonly nodeName: string;
  readonly clusterName: string;
  readonly advertiseAddress: string;
  readonly hubble: {
    readonly listenAddress: HostPort;
    readonly unixSocket: string;
    readonly insecure: boolean;
    readonly bufferCapacity: number;
    readonly tls: {
      readonly certFile: string;
      readonly keyFile: string;
      readonly clientCaFiles: readonly string[];
    };
  };
  readonly peers: { readonly source: PeersSource; readonly file: string };
  readonly metrics: {
    readonly address: HostPort;
    /** Hubble metric entries in Cilium's syntax, checked. */
    readonly enabled: readonly string[];
    readonly maxSeriesPerMetric: number;
  };
  readonly health: { readonly address: HostPort };
  readonly log: { readonly level: LogLevel };
  readonly kubernetes: { readonly enrich: boolean; readonly kubeconfig: string };
  /** Flow logs, named as Cilium's --hubble-export-* settings. */
  readonly export: {
    /** Empty: no static flow log. */
    readonly filePath: string;
    readonly fileMaxSizeMb: number;
    readonly fileMaxBackups: number;
    readonly fileCompress: boolean;
    readonly allowList: readonly FlowFilter[];
    readonly denyList: readonly FlowFilter[];
    readonly fieldMask: readonly string[];
    /** Empty: no dynamic flow logs. */
    readonly flowlogsConfigPath: string;
  };
}

/** True when the gRPC TCP listener serves TLS (cert and key given). */
export function hubbleTlsEnabled(config: Config): boolean {
  return config.hubble.tls.certFile !== '' && config.hubble.tls.keyFile !== '';
}
