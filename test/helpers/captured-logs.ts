import { pino } from 'pino';
import { vi } from 'vitest';
import { rootLogger } from '../../src/log.js';

export type LogLine = Record<string, unknown>;

/**
 * Every line the process logs from now on, parsed (pino writes to one stream for all module
 * loggers). The lines still reach the stream; call vi.restoreAllMocks() to stop capturing.
 */
export function captureLogs(): LogLine[] {
  const stream = (rootLogger as unknown as Record<symbol, { write(line: string): boolean }>)[pino.symbols.streamSym]!;
  const lines: LogLine[] = [];
  const write = stream.write.bind(stream);
  vi.spyOn(stream, 'write').mockImplementation((line: string) => {
    lines.push(JSON.parse(line) as LogLine);
    return write(line);
  });
  return lines;
}
