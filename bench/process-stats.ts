import { readFileSync } from 'node:fs';

// CPU and memory of processes and of the whole machine, read from /proc.

const CLOCK_TICKS_PER_S = 100;
// Fields of /proc/<pid>/stat after the command name: utime is the 14th field, stime the 15th.
const STAT_UTIME_AFTER_COMM = 11;
const STAT_STIME_AFTER_COMM = 12;
const KIB_BYTES = 1024;

/** User plus system CPU seconds a process has used so far. */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[STAT_UTIME_AFTER_COMM]) + Number(fields[STAT_STIME_AFTER_COMM])) / CLOCK_TICKS_PER_S;
}

/** User plus system CPU nanoseconds this process has used so far. */
export function cpuNanos(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) * 1000;
}

/** Resident set size in bytes (VmRSS). */
export function processRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (match === null) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * KIB_BYTES;
}

/** Machine-wide CPU time from /proc/stat, in seconds. */
export interface MachineCpu {
  busy: number;
  softirq: number;
  total: number;
}

export function machineCpu(): MachineCpu {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  // cpu user nice system idle iowait irq softirq steal guest guest_nice
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number) as number[];
  const busy = user! + nice! + system! + irq! + softirq! + steal!;
  return { busy: busy / CLOCK_TICKS_PER_S, softirq: softirq! / CLOCK_TICKS_PER_S, total: (busy + idle! + iowait!) / CLOCK_TICKS_PER_S };
}

/** Share of each process's CPU (1.0 = one core busy) and of the machine (cores busy) over a window. */
export class CpuWindow {
  private readonly startedMs = performance.now();
  private readonly machineStart = machineCpu();
  private readonly processStart = new Map<string, { pid: number; cpu: number }>();
  private readonly selfStart = process.cpuUsage();

  constructor(processes: Readonly<Record<string, number | undefined>>) {
    for (const [name, pid] of Object.entries(processes)) {
      if (pid !== undefined) this.processStart.set(name, { pid, cpu: processCpuSeconds(pid) });
    }
  }

  /** Cores used per process (and `bench` for this process, `machine` and `softirq` for all). */
  finish(): Record<string, number> {
    const seconds = (performance.now() - this.startedMs) / 1000;
    const machine = machineCpu();
    const self = process.cpuUsage(this.selfStart);
    const cores: Record<string, number> = {
      machine: round((machine.busy - this.machineStart.busy) / seconds),
      softirq: round((machine.softirq - this.machineStart.softirq) / seconds),
      bench: round((self.user + self.system) / 1e6 / seconds),
    };
    for (const [name, { pid, cpu }] of this.processStart) {
      try {
        cores[name] = round((processCpuSeconds(pid) - cpu) / seconds);
      } catch {
        // the process exited inside the window: nothing to attribute
      }
    }
    return cores;
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
