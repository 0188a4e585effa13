import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateCertificates } from '../../src/certs/generate.js';
import { hubbleTlsEnabled, type Config } from '../../src/config/config.js';
import { loadConfig } from '../../src/config/load.js';
import { onlyOfKind, type KubeDocument } from './manifest.js';

const FAKE_NODE_NAME = 'node-a';
const FAKE_NODE_IP = '10.0.0.7';
// What the downward API hands the container for each fieldRef the manifest uses.
const DOWNWARD_API: Record<string, string> = { 'spec.nodeName': FAKE_NODE_NAME, 'status.hostIP': FAKE_NODE_IP };
// The secret keys of a kubernetes.io/tls secret (cert-manager, Cilium tooling) and the files
// `flowlens certs generate` writes for them.
const SECRET_KEY_SOURCES = { 'tls.crt': 'serverCert', 'tls.key': 'serverKey', 'ca.crt': 'clientCaCert' } as const;

const daemonSet = onlyOfKind('DaemonSet');
const pod = daemonSet.spec.template.spec;
const container = pod.containers[0];
const configMap = onlyOfKind('ConfigMap');
const service = onlyOfKind('Service');
const mountNamed = (name: string): KubeDocument => container.volumeMounts.find((m: KubeDocument) => m.name === name);
const volumeNamed = (name: string): KubeDocument => pod.volumes.find((v: KubeDocument) => v.name === name);
const portNamed = (name: string): KubeDocument => container.ports.find((p: KubeDocument) => p.name === name);

const dir = mkdtempSync(join(tmpdir(), 'fl-deploy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The container's env as the kubelet would set it, with made-up downward API values. */
function containerEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of container.env) {
    const value = entry.value ?? DOWNWARD_API[entry.valueFrom?.fieldRef?.fieldPath];
    if (value === undefined) throw new Error(`env ${entry.name}: no value and no known fieldRef`);
    env[entry.name] = value;
  }
  return env;
}

/**
 * Loads the agent's configuration exactly as the container would: its args, its env, the
 * ConfigMap mounted where --config points, and a TLS secret laid out by the projected volume
 * (real certificates); container paths are moved under a temp dir.
 */
function loadContainerConfig(): Config {
  const tlsMount = mountNamed('tls').mountPath as string;
  const hostTls = join(dir, 'tls');
  mkdirSync(hostTls, { recursive: true });
  const generated = generateCertificates({ outDir: join(dir, 'generated'), nodeName: FAKE_NODE_NAME, clusterName: 'default', ips: [FAKE_NODE_IP], validDays: 1 });
  for (const source of volumeNamed('tls').projected.sources) {
    for (const item of source.secret.items) {
      const from = SECRET_KEY_SOURCES[item.key as keyof typeof SECRET_KEY_SOURCES];
      expect(from, `secret key ${item.key}`).toBeDefined();
      copyFileSync(generated[from], join(hostTls, item.path));
    }
  }
  const configMount = mountNamed('config').mountPath as string;
  const hostConfigDir = join(dir, 'config');
  mkdirSync(hostConfigDir, { recursive: true });
  for (const [key, text] of Object.entries(configMap.data as Record<string, string>)) {
    writeFileSync(join(hostConfigDir, key), text.replaceAll(`${tlsMount}/`, `${hostTls}/`));
  }
  const [command, ...flags] = container.args as string[];
  expect(command).toBe('agent');
  const argv = flags.map((arg) => arg.replace(`=${configMount}/`, `=${hostConfigDir}/`));
  expect(argv.some((arg) => arg.startsWith(`--config=${hostConfigDir}/`)), 'the --config file is in the ConfigMap mount').toBe(true);
  return loadConfig({ argv, env: containerEnv() });
}

describe('daemonset.yaml agrees with the agent', () => {
  const config = loadContainerConfig();
  const tlsMount = mountNamed('tls').mountPath as string;

  it('every container arg and ConfigMap key is accepted by the agent\'s config loader', () => {
    expect(config.capture.mode).toBe('auto');
    expect(config.peers.source).toBe('kubernetes');
    expect(config.kubernetes).toEqual({ enrich: true, kubeconfig: '' });
    expect(config.nodeName).toBe(FAKE_NODE_NAME);
    expect(config.advertiseAddress).toBe(FAKE_NODE_IP);
  });

  it('NODE_NAME and NODE_IP come from the downward API', () => {
    const fieldOf = (name: string) => container.env.find((e: KubeDocument) => e.name === name)?.valueFrom?.fieldRef?.fieldPath;
    expect(fieldOf('NODE_NAME')).toBe('spec.nodeName');
    expect(fieldOf('NODE_IP')).toBe('status.hostIP');
  });

  it('serves gRPC with mutual TLS from the mounted secret, on every address', () => {
    expect(hubbleTlsEnabled(config)).toBe(true);
    expect(config.hubble.listenAddress.host).toBe('');
    const files = [config.hubble.tls.certFile, config.hubble.tls.keyFile, ...config.hubble.tls.clientCaFiles];
    const items = volumeNamed('tls').projected.sources.flatMap((s: KubeDocument) => s.secret.items.map((i: KubeDocument) => i.path));
    expect(files.map((f) => basename(f)).sort()).toEqual([...items].sort());
    expect(files.map((f) => basename(f)).sort()).toEqual(['client-ca.crt', 'server.crt', 'server.key']);
    expect(volumeNamed('tls').projected.sources[0].secret.name).toBe('hubble-server-certs');
    // A directory mount: a subPath mount would never see a rotated certificate.
    expect(mountNamed('tls').subPath).toBeUndefined();
    const manifestFiles = configMap.data['config.yaml'].match(new RegExp(`${tlsMount}/[\\w.-]+`, 'g'));
    expect(manifestFiles.map((f: string) => basename(f)).sort()).toEqual(['client-ca.crt', 'server.crt', 'server.key']);
  });

  it('declares the ports the agent listens on, and the metrics port in the scrape annotations', () => {
    expect(portNamed('grpc').containerPort).toBe(config.hubble.listenAddress.port);
    expect(portNamed('metrics').containerPort).toBe(config.metrics.address.port);
    expect(portNamed('health').containerPort).toBe(config.health.address.port);
    for (const port of container.ports) expect(port.hostPort).toBe(port.containerPort);
    const annotations = daemonSet.spec.template.metadata.annotations;
    expect(annotations['prometheus.io/scrape']).toBe('true');
    expect(Number(annotations['prometheus.io/port'])).toBe(config.metrics.address.port);
  });

  it('probes /healthz and /readyz on the health port, which listens where the kubelet connects (the node IP)', () => {
    const resolvePort = (port: number | string) => (typeof port === 'number' ? port : portNamed(port).containerPort);
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    for (const probe of [container.livenessProbe, container.readinessProbe]) {
      expect(resolvePort(probe.httpGet.port)).toBe(config.health.address.port);
      expect(probe.httpGet.host).toBeUndefined();
    }
    expect(pod.hostNetwork).toBe(true);
    // With hostNetwork the probe goes to the pod IP = the node IP: a loopback-only health address would fail every probe.
    expect(config.health.address.host).toBe('');
  });

  it('keeps the unix socket in the host directory the node\'s CLI uses', () => {
    expect(dirname(config.hubble.unixSocket)).toBe(mountNamed('run').mountPath);
    expect(volumeNamed('run').hostPath.path).toBe(mountNamed('run').mountPath);
  });

  it('points the hubble-peer Service at the agents\' gRPC port on the same node', () => {
    expect(service.metadata.name).toBe('hubble-peer');
    expect(service.metadata.namespace).toBe(daemonSet.metadata.namespace);
    expect(service.spec.internalTrafficPolicy).toBe('Local');
    expect(service.spec.ports).toHaveLength(1);
    expect(service.spec.ports[0].port).toBe(443);
    const target = service.spec.ports[0].targetPort;
    expect(typeof target === 'number' ? target : portNamed(target).containerPort).toBe(config.hubble.listenAddress.port);
    for (const [key, value] of Object.entries(service.spec.selector)) {
      expect(daemonSet.spec.template.metadata.labels[key]).toBe(value);
    }
  });

  it('grants read access to nodes, pods, namespaces and EndpointSlices, nothing more, to the pod\'s service account', () => {
    const role = onlyOfKind('ClusterRole');
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['nodes', 'pods', 'namespaces'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
    ]);
    const binding = onlyOfKind('ClusterRoleBinding');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: pod.serviceAccountName, namespace: daemonSet.metadata.namespace }]);
    expect(onlyOfKind('ServiceAccount').metadata.name).toBe(pod.serviceAccountName);
    expect(pod.automountServiceAccountToken).not.toBe(false);
  });

  it('runs on every node as a critical, unprivileged pod with only the capture capabilities', () => {
    expect(pod.priorityClassName).toBe('system-node-critical');
    expect(pod.dnsPolicy).toBe('ClusterFirstWithHostNet');
    expect(pod.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(daemonSet.spec.updateStrategy.type).toBe('RollingUpdate');
    const security = container.securityContext;
    expect(security.privileged).toBe(false);
    expect(security.capabilities.drop).toEqual(['ALL']);
    expect([...security.capabilities.add].sort()).toEqual(['BPF', 'NET_ADMIN', 'NET_RAW', 'PERFMON', 'SYS_RESOURCE']);
    expect(config.tls.parse).toBe(false);
    for (const kind of ['requests', 'limits']) {
      expect(container.resources[kind].cpu, kind).toBeDefined();
      expect(container.resources[kind].memory, kind).toBeDefined();
    }
  });

  it('mounts the host\'s BPF filesystem and tracefs', () => {
    expect(volumeNamed('bpffs').hostPath.path).toBe('/sys/fs/bpf');
    expect(mountNamed('bpffs').mountPath).toBe('/sys/fs/bpf');
    expect(volumeNamed('tracefs').hostPath.path).toBe('/sys/kernel/tracing');
    expect(mountNamed('tracefs').mountPath).toBe('/sys/kernel/tracing');
  });
});
