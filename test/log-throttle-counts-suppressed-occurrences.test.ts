import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ThrottledLogger } from '../src/log-throttle.js';

const INTERVAL_MS = 200;

interface Line {
  level: number;
  msg: string;
  suppressed: number;
  [field: string]: unknown;
}

function capturingLogger(): { lines: Line[]; log: pino.Logger } {
  const lines: Line[] = [];
  const log = pino({ level: 'debug' }, { write: (text: string) => void lines.push(JSON.parse(text) as Line) });
  return { lines, log };
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('ThrottledLogger', () => {
  it('logs the first occurrence at once and the rest as one line per interval with a count', async () => {
    const { lines, log } = capturingLogger();
    const throttled = new ThrottledLogger(log, INTERVAL_MS);
    try {
      for (let attempt = 0; attempt < 1000; attempt += 1) throttled.warn({ attempt }, 'attach failed');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: 40, msg: 'attach failed', attempt: 0, suppressed: 0 });

      // Another message is not held back by the first one.
      throttled.error({ file: 'server.crt' }, 'certificate expired');
      expect(lines).toHaveLength(2);
      expect(lines[1]).toMatchObject({ level: 50, msg: 'certificate expired', suppressed: 0 });

      // The suppressed occurrences are reported when the interval ends, with the latest fields.
      await waitFor(() => lines.length === 3);
      expect(lines[2]).toMatchObject({ msg: 'attach failed', attempt: 999, suppressed: 999 });

      // Nothing pending: nothing more is logged. The marker is a message throttled from now on:
      // its count comes at the end of its interval, after anything still due for the first.
      throttled.info({}, 'marker');
      throttled.info({}, 'marker');
      await waitFor(() => lines.some((line) => line.msg === 'marker' && line.suppressed === 1));
      expect(lines.slice(3)).toMatchObject([
        { msg: 'marker', suppressed: 0 },
        { msg: 'marker', suppressed: 1 },
      ]);
      // A whole interval has passed since the first message's last line: logged at once.
      throttled.warn({ attempt: 1000 }, 'attach failed');
      expect(lines).toHaveLength(6);
      expect(lines[5]).toMatchObject({ msg: 'attach failed', attempt: 1000, suppressed: 0 });
    } finally {
      throttled.stop();
    }
  });

  it('reports pending suppressed counts on stop', () => {
    const { lines, log } = capturingLogger();
    const throttled = new ThrottledLogger(log, 60_000);
    for (let i = 0; i < 5; i += 1) throttled.info({}, 'peer unreachable');
    expect(lines).toHaveLength(1);
    throttled.stop();
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ level: 30, msg: 'peer unreachable', suppressed: 4 });
  });
});
