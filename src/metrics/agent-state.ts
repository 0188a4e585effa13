import { Counter, Gauge, type Registry } from 'prom-client';
import type { KubernetesEnricherStats } from '../enrich/kubernetes-enricher.js';
import type { CaptureMode } from '../capture/mode.js';
import type { TlsFileState } from '../certs/check.js';

const CAPTURE_MODES: readonly CaptureMode[] = ['tracer', 'base'];

/** Cumulative record counts since start. */
export interface RecordCounts {
  /** Records read from the native side. */
  read: number;
  /** Records decoded into flows. */
  decoded: number;
  /** Records rejected as malformed. */
  malformed: number;
}

/**
 * Read at every scrape; each is optional, and a metric is registered only when its source
 * is given, so nothing is exported that the agent does not know.
 */
export interface AgentStateSources {
  /** The active capture mode; null while none runs. */
  captureMode?: () => CaptureMode | null;
  tlsParseEnabled?: () => boolean;
  /** Capability name -> usable. */
  capabilities?: () => Readonly<Record<string, boolean>>;
  records?: () => RecordCounts;
  flowStore?: () => { events: number; capacity: number };
  attachedInterfaces?: () => number;
  /** Full gRPC method name -> open streams. */
  grpcOpenStreams?: () => Readonly<Record<string, number>>;
  peersKnown?: () => number;
  /** The served TLS files as last checked: the certificate, the key, then each client CA file in order. */
  certificates?: () => readonly TlsFileState[];
  kubernetes?: () => KubernetesEnricherStats;
  captureCounters?: () => CaptureCounters;
}

/** Cumulative counters of the capture beyond records (see CaptureStats). */
export interface CaptureCounters {
  packets: number;
  skippedPackets: number;
  errors: number;
  payloadLimited: number;
  tlsFilesProbed: number;
  tlsUnmatched: number;
  flowEvictions: number;
}

export const NO_CAPTURE_COUNTERS: CaptureCounters = { packets: 0, skippedPackets: 0, errors: 0, payloadLimited: 0, tlsFilesProbed: 0, tlsUnmatched: 0, flowEvictions: 0 };

/**
 * The `file` label of a TLS file: its role (`cert`, `key`, `client_ca_<n>` counting client CA
 * files from 0), never its path. The metrics port answers anyone who can reach it; the paths
 * and error texts are in the log and in /readyz on loopback.
 */
function tlsFileLabels(files: readonly TlsFileState[]): string[] {
  let clientCa = 0;
  return files.map((file) => {
    if (file.role === 'certificate') return 'cert';
    if (file.role === 'key') return 'key';
    return `client_ca_${clientCa++}`;
  });
}

function gauge(registry: Registry, name: string, help: string, collect: (this: Gauge) => void): void {
  new Gauge({ name, help, registers: [registry], collect });
}

function labelledGauge<L extends string>(registry: Registry, name: string, help: string, label: L, collect: (this: Gauge<L>) => void): void {
  new Gauge<L>({ name, help, labelNames: [label], registers: [registry], collect });
}

/** A counter whose value is a cumulative count kept elsewhere, read at scrape time. */
export function cumulativeCounter(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

/** The agent's own state as metrics: flowlens_capture_mode, flowlens_capability, record counts, and so on. */
export function registerAgentStateMetrics(registry: Registry, sources: AgentStateSources): void {
  const { captureMode, tlsParseEnabled, capabilities, records, flowStore, attachedInterfaces, grpcOpenStreams, peersKnown, certificates, kubernetes, captureCounters } = sources;
  if (captureMode) {
    labelledGauge(registry, 'flowlens_capture_mode', 'Capture mode in use: 1 for the active mode, 0 for the others', 'mode', function () {
      const active = captureMode();
      for (const mode of CAPTURE_MODES) this.set({ mode }, mode === active ? 1 : 0);
    });
  }
  if (tlsParseEnabled) {
    gauge(registry, 'flowlens_tls_parse_enabled', 'Whether TLS plaintext is parsed (1) or not (0)', function () {
      this.set(tlsParseEnabled() ? 1 : 0);
    });
  }
  if (capabilities) {
    labelledGauge(registry, 'flowlens_capability', 'Kernel capability probe results: 1 usable, 0 not', 'name', function () {
      for (const [name, usable] of Object.entries(capabilities())) this.set({ name }, usable ? 1 : 0);
    });
  }
  if (records) {
    cumulativeCounter(registry, 'flowlens_native_records_read_total', 'Records read from the native capture', () => records().read);
    cumulativeCounter(registry, 'flowlens_records_decoded_total', 'Records decoded into flows', () => records().decoded);
    cumulativeCounter(registry, 'flowlens_records_malformed_total', 'Records rejected as malformed', () => records().malformed);
  }
  if (flowStore) {
    gauge(registry, 'flowlens_flow_store_events', 'Flows held in the flow store', function () {
      this.set(flowStore().events);
    });
    gauge(registry, 'flowlens_flow_store_capacity', 'Flows the flow store can hold', function () {
      this.set(flowStore().capacity);
    });
  }
  if (attachedInterfaces) {
    gauge(registry, 'flowlens_attached_interfaces', 'Network interfaces capture is attached to', function () {
      this.set(attachedInterfaces());
    });
  }
  if (grpcOpenStreams) {
    // A method whose streams all closed stays at 0 rather than vanishing from the exposition.
    const seenMethods = new Set<string>();
    labelledGauge(registry, 'flowlens_grpc_open_streams', 'Open gRPC server streams by method', 'method', function () {
      const open = grpcOpenStreams();
      for (const method of Object.keys(open)) seenMethods.add(method);
      for (const method of seenMethods) this.set({ method }, open[method] ?? 0);
    });
  }
  if (peersKnown) {
    gauge(registry, 'flowlens_peers_known', 'Peers known to the peer service', function () {
      this.set(peersKnown());
    });
  }
  if (certificates) {
    labelledGauge(registry, 'flowlens_tls_certificate_not_after_seconds', 'End of validity of a TLS certificate file (cert, client_ca_<n>), in Unix seconds', 'file', function () {
      this.reset();
      const files = certificates();
      const labels = tlsFileLabels(files);
      files.forEach((file, i) => {
        if (file.notAfter !== undefined) this.set({ file: labels[i]! }, file.notAfter.getTime() / 1000);
      });
    });
    labelledGauge(registry, 'flowlens_tls_certificate_valid', 'Whether a TLS file (cert, key, client_ca_<n>) is readable and valid now (1) or not (0)', 'file', function () {
      this.reset();
      const files = certificates();
      const labels = tlsFileLabels(files);
      files.forEach((file, i) => this.set({ file: labels[i]! }, file.valid ? 1 : 0));
    });
  }
  if (kubernetes) {
    gauge(registry, 'flowlens_kubernetes_pods_known', 'Pods with addresses known from the Kubernetes API', function () {
      this.set(kubernetes().podsKnown);
    });
    gauge(registry, 'flowlens_kubernetes_namespaces_known', 'Namespaces known from the Kubernetes API', function () {
      this.set(kubernetes().namespacesKnown);
    });
    gauge(registry, 'flowlens_kubernetes_identities', 'Pod identities in use (distinct label sets of known pods)', function () {
      this.set(kubernetes().identities);
    });
    gauge(registry, 'flowlens_kubernetes_identities_displaced', 'Pod identities moved off their label set\'s home number by a collision', function () {
      this.set(kubernetes().identitiesDisplaced);
    });
    gauge(registry, 'flowlens_kubernetes_api_server_addresses', 'Addresses of the API server (backends of default/kubernetes)', function () {
      this.set(kubernetes().apiServerAddresses);
    });
    gauge(registry, 'flowlens_kubernetes_synced', 'Whether the Kubernetes watches have completed their first list (1) or not (0)', function () {
      this.set(kubernetes().synced ? 1 : 0);
    });
    cumulativeCounter(registry, 'flowlens_kubernetes_watch_restarts_total', 'Kubernetes watches re-established after they ended', () => kubernetes().watchRestarts);
    cumulativeCounter(registry, 'flowlens_kubernetes_relists_total', 'Complete Kubernetes lists (the first one and one after each 410 Gone)', () => kubernetes().relists);
    cumulativeCounter(registry, 'flowlens_kubernetes_failures_total', 'Failed Kubernetes list or watch attempts', () => kubernetes().failures);
  }
  if (captureCounters) {
    cumulativeCounter(registry, 'flowlens_capture_packets_total', 'Packets the capture saw', () => captureCounters().packets);
    cumulativeCounter(registry, 'flowlens_capture_skipped_packets_total', "Packets on excluded ports (the agent's own and capture.skipPorts), never turned into flows", () => captureCounters().skippedPackets);
    cumulativeCounter(registry, 'flowlens_capture_errors_total', 'Failed polls, attaches and record handlers of the capture', () => captureCounters().errors);
    cumulativeCounter(registry, 'flowlens_payload_records_limited_total', 'Packets on payload ports past the payload rate limit, aggregated without their payload', () => captureCounters().payloadLimited);
    cumulativeCounter(registry, 'flowlens_tls_plaintext_unmatched_total', 'TLS plaintext that could not be tied to a connection', () => captureCounters().tlsUnmatched);
    cumulativeCounter(registry, 'flowlens_flow_table_evictions_total', 'Flow-table entries (kernel or base mode) taken from one connection for another because the table was full', () => captureCounters().flowEvictions);
    gauge(registry, 'flowlens_tls_probed_files', 'Files carrying OpenSSL with TLS plaintext uprobes attached', function () {
      this.set(captureCounters().tlsFilesProbed);
    });
  }
}
