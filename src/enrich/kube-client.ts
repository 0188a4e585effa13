import { CoreV1Api, DiscoveryV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { FlowlensError } from '../errors.js';

export interface KubeClient {
  core: CoreV1Api;
  discovery: DiscoveryV1Api;
  watch: Watch;
  server: string;
}

export interface KubeClientOptions {
  /** kubeconfig file; empty: the pod's service account (in-cluster). */
  kubeconfig: string;
}

/** A client for the API server from a kubeconfig file or, without one, from inside the cluster. */
export function createKubeClient(options: KubeClientOptions): KubeClient {
  const config = new KubeConfig();
  try {
    if (options.kubeconfig !== '') {
      config.loadFromFile(options.kubeconfig);
    } else {
      if (!process.env.KUBERNETES_SERVICE_HOST || !process.env.KUBERNETES_SERVICE_PORT) {
        throw new Error('KUBERNETES_SERVICE_HOST/PORT are not set: not running in a pod; give --kubeconfig');
      }
      config.loadFromCluster();
    }
  } catch (err) {
    const source = options.kubeconfig === '' ? 'in-cluster configuration' : options.kubeconfig;
    throw new FlowlensError('FL_CONFIG_INVALID', `kubernetes.kubeconfig: ${source}: ${(err as Error).message}`, { cause: err });
  }
  const cluster = config.getCurrentCluster();
  if (!cluster) {
    throw new FlowlensError('FL_CONFIG_INVALID', `kubernetes.kubeconfig: ${options.kubeconfig}: no current cluster`);
  }
  return {
    core: config.makeApiClient(CoreV1Api),
    discovery: config.makeApiClient(DiscoveryV1Api),
    watch: new Watch(config),
    server: cluster.server,
  };
}
