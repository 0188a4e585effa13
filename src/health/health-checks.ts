/** A check answers null when all is well, else a short reason for a human. */
export type HealthCheck = () => string | null;

export interface HealthVerdict {
  ok: boolean;
  /** Reason per failing check, by check name. */
  failing: Record<string, string>;
}

/** Named checks evaluated together; a check that throws fails with what it threw. */
export class HealthChecks {
  private readonly checks = new Map<string, HealthCheck>();

  /** Registers a check; registering a name again replaces the earlier check. */
  register(name: string, check: HealthCheck): void {
    this.checks.set(name, check);
  }

  evaluate(): HealthVerdict {
    const failing: Record<string, string> = {};
    for (const [name, check] of this.checks) {
      let reason: string | null;
      try {
        reason = check();
      } catch (err) {
        reason = `check failed: ${err instanceof Error ? err.message : String(err)}`;
      }
      if (reason !== null) failing[name] = reason;
    }
    return { ok: Object.keys(failing).length === 0, failing };
  }
}
