import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { envName, SETTINGS } from '../src/config/settings.js';
import { ERROR_CATALOGUE } from '../src/errors.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

function tableRows(heading: string): string[] {
  const section = readme.split(/^## /m).find((part) => part.startsWith(`${heading}\n`));
  if (!section) throw new Error(`README has no "## ${heading}" section`);
  return section.split('\n').filter((line) => line.startsWith('| `'));
}

describe('the README stays in step with the code', () => {
  it('documents every setting with its file key, flag and environment variable, and nothing else', () => {
    const rows = tableRows('Settings');
    expect(rows).toHaveLength(SETTINGS.length);
    for (const setting of SETTINGS) {
      const row = rows.find((line) => line.startsWith(`| \`${setting.path}\` |`));
      expect(row, setting.path).toBeDefined();
      expect(row).toContain(`\`--${setting.flag}\``);
      expect(row).toContain(`\`${envName(setting)}\``);
    }
  });

  it('documents every error code of the catalogue, and nothing else', () => {
    const codes = tableRows('Errors').map((line) => /^\| `([A-Z_]+)`/.exec(line)?.[1]);
    expect(codes.sort()).toEqual(Object.keys(ERROR_CATALOGUE).sort());
  });
});
