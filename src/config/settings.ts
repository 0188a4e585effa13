import { hostname } from 'node:os';
import {
  DEFAULT_FILE_MAX_BACKUPS,
  DEFAULT_FILE_MAX_SIZE_MB,
  fieldMaskPaths,
  flowFilterList,
  flowLogPath,
  MAX_FILE_BACKUPS,
  MAX_FILE_SIZE_MB,
} from '../export/flow-log-options.js';
import {
  bool,
  hostPort,
  integer,
  LOG_LEVELS,
  nonEmptyString,
  oneOf,
  optionalString,
  portList,
  stringList,
  type ValueParser,
} from './values.js';
import { hubbleMetricList } from './hubble-metrics.js';
import { DEFAULT_METRICS } from '../metrics/metric-spec.js';

/** The process environment as the loader sees it (tests pass their own). */
export type Env = Readonly<Record<string, string | undefined>>;

export interface Setting {
  /** Dotted key in the YAML file, and the path in Config. */
  path: string;
  /** Command-line flag without the leading dashes; env is FLOWLENS_ + the flag upper-cased. */
  flag: string;
  description: string;
  parse: ValueParser<unknown>;
  /** Raw default, parsed like any other value; a function reads the environment. */
  default: unknown | ((env: Env) => unknown);
  /** A flag that may stand alone, meaning true. */
  boolean?: boolean;
}

export const SETTINGS: readonly Setting[] = [
  { path: 'capture.mode', flag: 'capture-mode', description: 'auto (tracer, else base), tracer (eBPF) or base (AF_PACKET)', parse: oneOf(['auto', 'tracer', 'base']), default: 'auto' },
  { path: 'capture.interfaces', flag: 'interfaces', description: 'interface names or glob patterns to capture on; empty: every non-loopback interface', parse: stringList, default: [] },
  { path: 'capture.skipPorts', flag: 'skip-ports', description: "TCP/UDP ports never captured, added to the agent's own ports", parse: portList, default: [] },
  { path: 'capture.aggregate', flag: 'capture-aggregate', description: 'aggregate packets into flow events (open, TCP flag changes, periodic report); false: one flow per packet', parse: bool, default: true, boolean: true },
  { path: 'capture.reportIntervalMs', flag: 'capture-report-interval-ms', description: 'how often an aggregated flow reports its packet and byte counts', parse: integer(100, 3_600_000), default: 5000 },
  { path: 'tls.parse', flag: 'tls-parse', description: 'decrypt TLS plaintext with OpenSSL uprobes (tracer mode only)', parse: bool, default: false, boolean: true },
  { path: 'nodeName', flag: 'node-name', description: 'this node\'s name (default $NODE_NAME, else the host name)', parse: nonEmptyString, default: (env: Env) => env.NODE_NAME || hostname() },
  { path: 'clusterName', flag: 'cluster-name', description: 'the cluster name used in peer names and TLS server names', parse: nonEmptyString, default: 'default' },
  { path: 'advertiseAddress', flag: 'advertise-address', description: 'the IP peers dial this agent at (default $NODE_IP, else 127.0.0.1)', parse: nonEmptyString, default: (env: Env) => env.NODE_IP || '127.0.0.1' },
  { path: 'hubble.listenAddress', flag: 'hubble-listen-address', description: 'Hubble gRPC TCP address; non-loopback needs TLS files or --hubble-insecure', parse: hostPort, default: '127.0.0.1:4244' },
  { path: 'hubble.unixSocket', flag: 'hubble-unix-socket', description: 'Hubble gRPC unix socket (no TLS); empty: none', parse: optionalString, default: '/var/run/flowlens/hubble.sock' },
  { path: 'hubble.insecure', flag: 'hubble-insecure', description: 'allow a non-loopback gRPC address without TLS', parse: bool, default: false, boolean: true },
  { path: 'hubble.bufferCapacity', flag: 'hubble-buffer-capacity', description: 'flows kept in memory', parse: integer(1, 1 << 24), default: 4095 },
  { path: 'hubble.tls.certFile', flag: 'hubble-tls-cert-file', description: "the agent's TLS certificate (reloaded when it changes)", parse: optionalString, default: '' },
  { path: 'hubble.tls.keyFile', flag: 'hubble-tls-key-file', description: "the agent's TLS key (reloaded when it changes)", parse: optionalString, default: '' },
  { path: 'hubble.tls.clientCaFiles', flag: 'hubble-tls-client-ca-files', description: 'CAs that sign client certificates (mTLS is required with TLS)', parse: stringList, default: [] },
  { path: 'peers.source', flag: 'peers-source', description: 'where peer nodes come from: static or kubernetes', parse: oneOf(['static', 'kubernetes']), default: 'static' },
  { path: 'peers.file', flag: 'peers-file', description: 'static peers YAML file (nodes: [{name, address}]); empty: this node alone', parse: optionalString, default: '' },
  { path: 'metrics.address', flag: 'metrics-address', description: 'Prometheus metrics address (/metrics)', parse: hostPort, default: ':9965' },
  { path: 'metrics.enabled', flag: 'hubble-metrics', description: "Hubble flow metrics and their options, in Cilium's syntax (space-separated or a YAML list; empty: none); see Metrics", parse: hubbleMetricList, default: DEFAULT_METRICS },
  { path: 'metrics.maxSeriesPerMetric', flag: 'metrics-max-series-per-metric', description: 'series a flow metric may hold; increments for new series beyond it are counted in flowlens_metric_series_limited_total', parse: integer(1, 1_000_000), default: 10_000 },
  { path: 'health.address', flag: 'health-address', description: 'health address (/healthz, /readyz)', parse: hostPort, default: '127.0.0.1:9879' },
  { path: 'log.level', flag: 'log-level', description: 'log level', parse: oneOf(LOG_LEVELS), default: 'info' },
  { path: 'kubernetes.enrich', flag: 'kubernetes-enrich', description: 'add pod and namespace metadata from the Kubernetes API', parse: bool, default: false, boolean: true },
  { path: 'kubernetes.kubeconfig', flag: 'kubeconfig', description: 'kubeconfig file; empty: in-cluster configuration', parse: optionalString, default: '' },
  { path: 'export.filePath', flag: 'hubble-export-file-path', description: 'flow log file: one GetFlowsResponse as protobuf JSON per line, as Cilium writes it; empty: none', parse: flowLogPath, default: '' },
  { path: 'export.fileMaxSizeMb', flag: 'hubble-export-file-max-size-mb', description: 'size in MB at which the flow log file is rotated', parse: integer(1, MAX_FILE_SIZE_MB), default: DEFAULT_FILE_MAX_SIZE_MB },
  { path: 'export.fileMaxBackups', flag: 'hubble-export-file-max-backups', description: 'rotated flow log files kept', parse: integer(1, MAX_FILE_BACKUPS), default: DEFAULT_FILE_MAX_BACKUPS },
  { path: 'export.fileCompress', flag: 'hubble-export-file-compress', description: 'gzip rotated flow log files', parse: bool, default: false, boolean: true },
  { path: 'export.allowList', flag: 'hubble-export-allowlist', description: 'FlowFilters (JSON objects separated by spaces): only matching flows are logged; empty: all', parse: flowFilterList, default: [] },
  { path: 'export.denyList', flag: 'hubble-export-denylist', description: 'FlowFilters (JSON objects separated by spaces): matching flows are not logged', parse: flowFilterList, default: [] },
  { path: 'export.fieldMask', flag: 'hubble-export-fieldmask', description: 'Flow fields logged (source.namespace, verdict, ...); empty: all', parse: fieldMaskPaths, default: [] },
  { path: 'export.flowlogsConfigPath', flag: 'hubble-flowlogs-config-path', description: 'YAML file of named flow logs (flowLogs: [...]), reloaded when it changes; empty: none', parse: optionalString, default: '' },
];

export const CONFIG_FLAG = 'config';

export function envName(setting: Setting): string {
  return `FLOWLENS_${setting.flag.toUpperCase().replace(/-/g, '_')}`;
}
