import { pino, type Logger } from 'pino';

// One root logger for the process; every module takes a child with its own `module` field.
export const rootLogger: Logger = pino({
  level: process.env.FLOWLENS_LOG_LEVEL ?? 'info',
  base: { name: 'flowlens' },
  timestamp: pino.stdTimeFunctions.isoTime,
});

export function moduleLogger(module: string): Logger {
  return rootLogger.child({ module });
}

export function setLogLevel(level: string): void {
  rootLogger.level = level;
}
