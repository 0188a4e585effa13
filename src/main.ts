import { buildProbeReport } from './capture/capabilities.js';
import { resolveTlsParse, selectCaptureMode, type ModeDecision, type TlsParseDecision } from './capture/mode.js';
import { NativeSource } from './capture/native-source.js';
import { hubbleTlsEnabled, type Config } from './config/config.js';
import { formatHostPort } from './config/load.js';
import { EndpointResolver } from './enrich/endpoint-resolver.js';
import { hostAddresses } from './enrich/host-addresses.js';
import { RemoteNodeAddresses } from './enrich/remote-node-addresses.js';
import { startFlowLogs } from './export/flow-logs.js';
import { createFlowPipeline } from './flow-pipeline.js';
import { HealthChecks } from './health/health-checks.js';
import { startHealthServer, type HealthServer } from './health/server.js';
import { moduleLogger } from './log.js';
import type { HttpEndpoint } from './metrics/http-listener.js';
import { registerConnectionTableMetrics } from './metrics/connection-table.js';
import { registerIngestMalformedMetric } from './metrics/ingest-malformed.js';
import { registerL7RejectionsMetric } from './metrics/l7-rejections.js';
import { registerL7TableMetrics } from './metrics/l7-tables.js';
import { NO_CAPTURE_COUNTERS } from './metrics/agent-state.js';
import { AgentMetrics } from './metrics/registry.js';
import { startMetricsServer } from './metrics/server.js';
import { CAPABILITY_NAMES, dropReasonNames, probeCapabilities, type CapabilityResults } from './native/binding.js';
import { DnsNameCache } from './parser/l7/dns-name-cache.js';
import { L7_PAYLOAD_PORTS, L7FlowParser } from './parser/l7/l7-flow-parser.js';
import { peerName } from './peers/server-name.js';
import type { PeerSource } from './peers/source.js';
import { StaticPeerSource } from './peers/static-source.js';
import { healthService, observerService, peerService } from './proto/load.js';
import { HealthService, HealthStatusRegistry } from './server/health-service.js';
import { startListeners, type RunningListeners } from './server/listeners.js';
import { createObserverService } from './server/observer.js';
import { PeerService } from './server/peer.js';
import { SeenNamespaces } from './server/seen-namespaces.js';
import { ReloadingTlsCredentials } from './server/tls-credentials.js';
import { FlowStore } from './store/flow-store.js';
import { VERSION } from './version.js';

const log = moduleLogger('agent');

const SHUTDOWN_GRACE_MS = 5_000;

export interface RunningAgent {
  readonly mode: ModeDecision;
  readonly tlsParse: TlsParseDecision;
  readonly grpcPort: number | undefined;
  readonly metricsPort: number;
  readonly healthPort: number;
  stop(): Promise<void>;
}

/** Runs the agent until SIGTERM or SIGINT, then drains and releases everything. */
export async function runAgent(config: Config): Promise<void> {
  const agent = await startAgent(config);
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      log.info({ signal }, 'stopping');
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      resolve();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  await agent.stop();
  log.info('stopped');
}

/** The composition root: probe, decide, then build and start every stage of the pipeline. */
export async function startAgent(config: Config): Promise<RunningAgent> {
  const startedAtMs = Date.now();
  const caps = probeCapabilities();
  const mode = selectCaptureMode(config.capture.mode, caps);
  const tlsParse = resolveTlsParse(config.tls.parse, mode.mode, caps);
  log.info({ mode: mode.mode, reason: mode.reason, tlsParse, capabilities: buildProbeReport(config, caps).capabilities }, 'capture mode chosen');
  if (config.tls.parse && !tlsParse.enabled) log.warn({ reason: tlsParse.reason }, 'TLS plaintext parsing is unavailable; capture goes on without it');

  const stack: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stack.splice(0).reverse()) {
      try {
        await stop();
      } catch (err) {
        log.warn({ err }, 'a stage did not stop cleanly');
      }
    }
  };

  try {
    const store = new FlowStore({ capacity: config.hubble.bufferCapacity });
    // Flows carry the node's name as peer notifications do, so the relay and UI can match them.
    const flowNodeName = peerName(config.nodeName, config.clusterName);
    // The Kubernetes client is large (tens of MiB): loaded only when a setting needs it.
    const kubernetes = config.kubernetes.enrich
      ? new (await import('./enrich/kubernetes-enricher.js')).KubernetesEnricher({ kubeconfig: config.kubernetes.kubeconfig, clusterName: config.clusterName })
      : undefined;
    const peers = await createPeerSource(config);
    const endpoints = new EndpointResolver({
      hostAddresses: hostAddresses(),
      remoteNodes: new RemoteNodeAddresses(peers, config.nodeName),
      ...(kubernetes ? { pods: kubernetes } : {}),
    });
    // Both wait (bounded) for a first list from the API server: let them wait together.
    await Promise.all([kubernetes?.start(), peers.start()]);
    if (kubernetes) stack.push(() => kubernetes.stop());
    stack.push(() => peers.stop());

    const tls = hubbleTlsEnabled(config)
      ? new ReloadingTlsCredentials({
          certFile: config.hubble.tls.certFile,
          keyFile: config.hubble.tls.keyFile,
          clientCaFiles: config.hubble.tls.clientCaFiles,
        })
      : undefined;

    let source: NativeSource | undefined;
    const seenNamespaces = new SeenNamespaces({ clusterName: config.clusterName });
    const kernelDropReasons: ReadonlyMap<number, string> = mode.mode === 'tracer' ? dropReasonNames() : new Map();
    const observer = createObserverService({
      store,
      nodeName: flowNodeName,
      dropReasonNames: kernelDropReasons,
      version: VERSION,
      statusNote: `capture mode ${mode.mode}: ${mode.reason}; tls parsing ${tlsParse.enabled ? 'on' : 'off'}`,
      startedAtMs,
      ...(kubernetes ? { namespaces: () => [...kubernetes.namespaces(), ...seenNamespaces.namespaces()] } : {}),
    });
    const healthStatus = new HealthStatusRegistry();
    const healthGrpc = new HealthService(healthStatus);
    const peerGrpc = new PeerService({ source: peers, defaultPort: config.hubble.listenAddress.port, tls: tls !== undefined });
    const metrics = new AgentMetrics({
      version: VERSION,
      flowMetrics: config.metrics.enabled,
      maxSeriesPerMetric: config.metrics.maxSeriesPerMetric,
      agentState: {
        captureMode: () => mode.mode,
        tlsParseEnabled: () => tlsParse.enabled,
        capabilities: () => capabilityFlags(caps),
        records: () => {
          const stats = source?.stats();
          return { read: stats?.recordsRead ?? 0, decoded: stats?.recordsDecoded ?? 0, malformed: stats?.malformedPackets ?? 0 };
        },
        flowStore: () => ({ events: store.size, capacity: store.capacity }),
        attachedInterfaces: () => source?.attachedInterfaces().length ?? 0,
        grpcOpenStreams: () => ({
          'observer.Observer': observer.openStreams(),
          'peer.Peer/Notify': peerGrpc.subscriberCount(),
          'grpc.health.v1.Health/Watch': healthGrpc.watcherCount(),
        }),
        peersKnown: () => peers.nodes().length,
        ...(tls ? { certificates: () => tls.state().files } : {}),
        ...(kubernetes ? { kubernetes: () => kubernetes.stats() } : {}),
        captureCounters: () => source?.stats() ?? NO_CAPTURE_COUNTERS,
      },
    });

    const flowLogs = await startFlowLogs(config, { store, nodeName: flowNodeName, registry: metrics.registry });
    stack.push(() => flowLogs.stop());

    const names = new DnsNameCache();
    const l7Parser = new L7FlowParser({ nodeName: flowNodeName, names });
    registerL7RejectionsMetric(metrics.registry, () => l7Parser.rejections());
    registerL7TableMetrics(metrics.registry, () => l7Parser.tableStats());
    const pipeline = createFlowPipeline({
      nodeName: flowNodeName,
      dropReasonNames: kernelDropReasons,
      interfaces: { lookupInterface: (ifindex) => source?.lookupInterface(ifindex) },
      store,
      metrics,
      endpoints,
      names,
      l7Parser,
      seeNamespace: (namespace, nowMs) => seenNamespaces.see(namespace, nowMs),
    });
    registerConnectionTableMetrics(metrics.registry, () => pipeline.ingest.connectionTable());
    registerIngestMalformedMetric(metrics.registry, () => pipeline.ingest.stats().malformedBytes);
    source = new NativeSource({
      session: {
        mode: mode.mode,
        aggregate: config.capture.aggregate,
        reportIntervalMs: config.capture.reportIntervalMs,
        flowTableSize: 65_536,
        ringBytes: 4 << 20,
        queueBytes: 8 << 20,
        skipPorts: config.capture.excludedPorts,
        payloadPorts: L7_PAYLOAD_PORTS,
        captureDrops: true,
        tlsPlaintext: tlsParse.enabled,
      },
      interfaces: config.capture.interfaces,
      handlers: pipeline.handlers,
    });
    const capture = source;
    await capture.start();
    stack.push(() => capture.stop());

    const listeners: RunningListeners = await startListeners({
      services: [
        { definition: observerService, implementation: observer.handlers },
        { definition: peerService, implementation: peerGrpc.implementation() },
        { definition: healthService, implementation: healthGrpc.implementation() },
      ],
      ...(config.hubble.unixSocket !== '' ? { unixSocketPath: config.hubble.unixSocket } : {}),
      tcpAddress: formatHostPort(config.hubble.listenAddress),
      ...(tls ? { tcpCredentials: tls } : {}),
    });
    stack.push(() => listeners.stop(SHUTDOWN_GRACE_MS));
    healthStatus.setCaptureRunning(true);

    const metricsServer: HttpEndpoint = await startMetricsServer({ address: config.metrics.address, registry: metrics.registry });
    stack.push(() => metricsServer.close());

    const readiness = new HealthChecks();
    readiness.register('capture', () => (capture.attachedInterfaces().length > 0 ? null : 'no interface is attached'));
    readiness.register('grpc', () => (healthStatus.get('hubble.server.Observer') === 'SERVING' ? null : 'the Hubble server is not serving'));
    if (tls) readiness.register('certificate', () => certificateProblem(tls));
    const healthServer: HealthServer = await startHealthServer({ address: config.health.address, readiness });
    stack.push(() => healthServer.close());

    log.info(
      { grpc: listeners.tcpPort, unixSocket: listeners.unixSocketPath, metrics: metricsServer.port, health: healthServer.port, tls: tls !== undefined },
      'flowlens agent running',
    );
    return {
      mode,
      tlsParse,
      grpcPort: listeners.tcpPort,
      metricsPort: metricsServer.port,
      healthPort: healthServer.port,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

async function createPeerSource(config: Config): Promise<PeerSource> {
  const grpcPort = config.hubble.listenAddress.port;
  if (config.peers.source === 'kubernetes') {
    const { KubernetesPeerSource } = await import('./peers/kubernetes-source.js');
    return new KubernetesPeerSource({ kubeconfig: config.kubernetes.kubeconfig, clusterName: config.clusterName, grpcPort });
  }
  return new StaticPeerSource({
    ...(config.peers.file !== '' ? { file: config.peers.file } : {}),
    nodeName: config.nodeName,
    clusterName: config.clusterName,
    advertiseAddress: config.advertiseAddress,
    grpcPort,
  });
}

function capabilityFlags(caps: CapabilityResults): Record<string, boolean> {
  return Object.fromEntries(CAPABILITY_NAMES.map((name) => [name, caps[name] === 0]));
}

function certificateProblem(tls: ReloadingTlsCredentials): string | null {
  const state = tls.state();
  if (state.valid) return null;
  const broken = state.files.filter((file) => file.error !== undefined).map((file) => `${file.path}: ${file.error}`);
  return broken.length > 0 ? broken.join('; ') : 'the certificate files on disk are not being served';
}
