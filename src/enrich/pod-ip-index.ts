import type { PodRecord } from './pod-record.js';

// IP -> pod. While a pod is being replaced, two pods can briefly hold the same address:
// the one seen last wins, and deleting it gives the address back to the other.

export class PodIpIndex {
  private readonly byIp = new Map<string, PodRecord[]>();

  add(pod: PodRecord): void {
    for (const ip of pod.ips) {
      const holders = (this.byIp.get(ip) ?? []).filter((p) => !samePod(p, pod));
      holders.push(pod);
      this.byIp.set(ip, holders);
    }
  }

  remove(pod: PodRecord): void {
    for (const ip of pod.ips) {
      const holders = (this.byIp.get(ip) ?? []).filter((p) => !samePod(p, pod));
      if (holders.length === 0) this.byIp.delete(ip);
      else this.byIp.set(ip, holders);
    }
  }

  lookup(ip: string): PodRecord | undefined {
    const holders = this.byIp.get(ip);
    return holders?.[holders.length - 1];
  }

  get size(): number {
    return this.byIp.size;
  }
}

function samePod(a: PodRecord, b: PodRecord): boolean {
  return a.name === b.name && a.namespace === b.namespace;
}
