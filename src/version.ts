import { readFileSync } from 'node:fs';

// package.json sits two levels above src/ and three above dist/src/.
function readVersion(): string {
  for (const relative of ['../package.json', '../../package.json']) {
    try {
      return (JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { version: string }).version;
    } catch {
      // try the next layout
    }
  }
  return '0.0.0';
}

export const VERSION: string = readVersion();
