import * as grpc from '@grpc/grpc-js';
import { StreamRegistry } from './stream-registry.js';

// grpc.health.v1.Health over a small registry of service statuses. `hubble status` checks
// `hubble.server.Observer` before anything else.

export const OBSERVER_HEALTH_SERVICE = 'hubble.server.Observer';
const OVERALL_HEALTH_SERVICE = '';

export type ServingStatus = 'SERVING' | 'NOT_SERVING';
type WatchedStatus = ServingStatus | 'SERVICE_UNKNOWN';

interface HealthCheckRequest { service?: string }
interface HealthCheckResponse { status: WatchedStatus }
type WatchCall = grpc.ServerWritableStream<HealthCheckRequest, HealthCheckResponse>;

export class HealthStatusRegistry {
  private readonly statuses = new Map<string, ServingStatus>([
    [OVERALL_HEALTH_SERVICE, 'NOT_SERVING'],
    [OBSERVER_HEALTH_SERVICE, 'NOT_SERVING'],
  ]);
  private readonly listeners = new Set<{ listener: (service: string) => void }>();

  /** The composition root calls this when capture starts (true) or stops (false). */
  setCaptureRunning(running: boolean): void {
    const status: ServingStatus = running ? 'SERVING' : 'NOT_SERVING';
    this.set(OVERALL_HEALTH_SERVICE, status);
    this.set(OBSERVER_HEALTH_SERVICE, status);
  }

  set(service: string, status: ServingStatus): void {
    if (this.statuses.get(service) === status) return;
    this.statuses.set(service, status);
    for (const { listener } of [...this.listeners]) listener(service);
  }

  get(service: string): ServingStatus | undefined {
    return this.statuses.get(service);
  }

  all(): ReadonlyMap<string, ServingStatus> {
    return this.statuses;
  }

  /** Called with the service name on every status change; returns the unsubscribe function. */
  subscribe(listener: (service: string) => void): () => void {
    const registration = { listener };
    this.listeners.add(registration);
    return () => {
      this.listeners.delete(registration);
    };
  }
}

export class HealthService {
  private readonly watches = new StreamRegistry<WatchCall>();

  constructor(private readonly registry: HealthStatusRegistry) {}

  implementation(): grpc.UntypedServiceImplementation {
    return {
      Check: (call: grpc.ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>, callback: grpc.sendUnaryData<HealthCheckResponse>) => {
        const service = call.request.service ?? '';
        const status = this.registry.get(service);
        if (status === undefined) callback({ code: grpc.status.NOT_FOUND, details: `unknown service "${service}"` });
        else callback(null, { status });
      },
      List: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<{ statuses: Record<string, HealthCheckResponse> }>) => {
        const statuses: Record<string, HealthCheckResponse> = {};
        for (const [service, status] of this.registry.all()) statuses[service] = { status };
        callback(null, { statuses });
      },
      Watch: (call: WatchCall) => this.watch(call),
    };
  }

  /** Open Watch streams. */
  watcherCount(): number {
    return this.watches.size();
  }

  private watch(call: WatchCall): void {
    if (call.cancelled) return;
    const service = call.request.service ?? '';
    let last: WatchedStatus | undefined;
    const send = (): void => {
      const status = this.registry.get(service) ?? 'SERVICE_UNKNOWN';
      if (status === last) return;
      last = status;
      call.write({ status });
    };
    this.watches.add(call, this.registry.subscribe((changed) => {
      if (changed === service) send();
    }));
    send();
  }
}
