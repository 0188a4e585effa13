import type { FlowLogOptions } from '../export/flow-log-options.js';
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
  /** Flow logs, named as Cilium's --hubble-export-* settings: the static log (empty filePath: none) and the dynamic ones' file (empty: none). */
  readonly export: Omit<FlowLogOptions, 'name' | 'end'> & { readonly flowlogsConfigPath: string };

}

/** True when the gRPC TCP listener serves TLS (cert and key given). */
export function hubbleTlsEnabled(config: Config): boolean {
  return config.hubble.tls.certFile !== '' && config.hubble.tls.keyFile !== '';
}
