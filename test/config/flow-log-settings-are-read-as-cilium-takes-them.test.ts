import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { FlowlensError } from '../../src/errors.js';

// The --hubble-export-* settings: Cilium's flag names and value syntax, from flags, the
// environment and the YAML file; bad values stop start-up naming the setting.

const dir = mkdtempSync(join(tmpdir(), 'flowlens-config-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function problemsOf(argv: string[]): string {
  try {
    loadConfig({ argv, env: {} });
  } catch (err) {
    expect((err as FlowlensError).code).toBe('FL_CONFIG_INVALID');
    return (err as Error).message;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('the flow-log settings', () => {
  it('default to no flow log, 10 MB files and 5 backups, as Cilium', () => {
    expect(loadConfig({ argv: [], env: {} }).export).toEqual({
      filePath: '',
      fileMaxSizeMb: 10,
      fileMaxBackups: 5,
      fileCompress: false,
      allowList: [],
      denyList: [],
      fieldMask: [],
      flowlogsConfigPath: '',
    });
  });

  it('take Cilium flags, with filters as JSON objects separated by spaces and the field mask comma-separated', () => {
    const config = loadConfig({
      argv: [
        '--hubble-export-file-path', '/var/run/flowlens/events.log',
        '--hubble-export-file-max-size-mb', '20',
        '--hubble-export-file-max-backups', '3',
        '--hubble-export-file-compress',
        '--hubble-export-allowlist', '{"verdict":["DROPPED","ERROR"]} {"sourcePod":["kube-system/"]}',
        '--hubble-export-fieldmask', 'time,source.namespace,verdict',
      ],
      env: { FLOWLENS_HUBBLE_EXPORT_DENYLIST: '{"destination_port":["53"]}' },
    });
    expect(config.export).toEqual({
      filePath: '/var/run/flowlens/events.log',
      fileMaxSizeMb: 20,
      fileMaxBackups: 3,
      fileCompress: true,
      allowList: [{ verdict: ['DROPPED', 'ERROR'] }, { source_pod: ['kube-system/'] }],
      denyList: [{ destination_port: ['53'] }],
      fieldMask: ['time', 'source.namespace', 'verdict'],
      flowlogsConfigPath: '',
    });
  });

  it('take YAML lists of filter objects and paths in the file', () => {
    const path = file(
      'config.yaml',
      'export:\n  filePath: /tmp/x.log\n  allowList:\n  - verdict: [DROPPED]\n  - \'{"source_pod":["a/"]}\'\n  fieldMask: [verdict, l4.TCP.destination_port]\n',
    );
    const config = loadConfig({ argv: ['--config', path], env: {} });
    expect(config.export.allowList).toEqual([{ verdict: ['DROPPED'] }, { source_pod: ['a/'] }]);
    expect(config.export.fieldMask).toEqual(['verdict', 'l4.TCP.destination_port']);
  });

  it.each([
    [['--hubble-export-file-path', 'stdout'], 'export.filePath (--hubble-export-file-path): got "stdout", expected a file path (flow logs to stdout are not supported)'],
    [['--hubble-export-file-max-size-mb', '0'], 'export.fileMaxSizeMb (--hubble-export-file-max-size-mb): got "0", expected an integer from 1 to 100000'],
    [['--hubble-export-file-max-backups', 'many'], 'export.fileMaxBackups (--hubble-export-file-max-backups): got "many", expected an integer from 1 to 1000'],
    [['--hubble-export-allowlist', '{"verdict":["SOMETIMES"]}'], 'export.allowList (--hubble-export-allowlist): got "{\\"verdict\\":[\\"SOMETIMES\\"]}", expected JSON-encoded FlowFilters (FlowFilter.verdict[0]: "SOMETIMES" is not a Verdict'],
    [['--hubble-export-allowlist', '[{"verdict":[]}]'], 'expected JSON-encoded FlowFilters separated by whitespace; found "["'],
    [['--hubble-export-denylist', '{"source_ip":["not-an-ip"]}'], 'export.denyList (--hubble-export-denylist): got "{\\"source_ip\\":[\\"not-an-ip\\"]}", expected valid FlowFilters'],
    [['--hubble-export-denylist', '{"colour":["blue"]}'], 'FlowFilter has no field "colour"'],
    [['--hubble-export-fieldmask', 'source.nope'], 'export.fieldMask (--hubble-export-fieldmask): got "source.nope", expected Flow field paths such as source.namespace'],
    [['--hubble-flowlogs-config-path', '/nonexistent/flowlogs.yaml'], 'export.flowlogsConfigPath: got "/nonexistent/flowlogs.yaml", expected an existing file'],
  ])('reject %j', (argv, message) => {
    expect(problemsOf(argv)).toContain(message);
  });

  it('reject a flow-logs file with a problem at start-up, naming the entry', () => {
    const path = file('flowlogs.yaml', 'flowLogs:\n- name: a\n  filePath: /tmp/a.log\n  includeFilters: [{verdict: [SOMETIMES]}]\n');
    expect(problemsOf(['--hubble-flowlogs-config-path', path])).toContain(
      'export.flowlogsConfigPath: ' + path + ':\n  - flowLogs[0].includeFilters: got [{"verdict":["SOMETIMES"]}], expected JSON-encoded FlowFilters',
    );
  });
});
