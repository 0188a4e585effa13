import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';

const dir = mkdtempSync(join(tmpdir(), 'flowlens-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('config precedence: defaults < file < env < flags', () => {
  it('uses the documented defaults', () => {
    const config = loadConfig({ argv: [], env: { NODE_NAME: 'node-1' } });
    expect(config.capture.mode).toBe('auto');
    expect(config.tls.parse).toBe(false);
    expect(config.nodeName).toBe('node-1');
    expect(config.clusterName).toBe('default');
    expect(config.hubble.listenAddress).toEqual({ host: '127.0.0.1', port: 4244 });
    expect(config.hubble.unixSocket).toBe('/var/run/flowlens/hubble.sock');
    expect(config.hubble.bufferCapacity).toBe(4095);
    expect(config.metrics.address).toEqual({ host: '', port: 9965 });
    expect(config.health.address).toEqual({ host: '127.0.0.1', port: 9879 });
    expect(config.peers.source).toBe('static');
    expect(config.log.level).toBe('info');
  });

  it('a file overrides defaults, env overrides the file, flags override env', () => {
    const path = file('layers.yaml', 'capture:\n  mode: base\n  skipPorts: [8080]\nclusterName: from-file\nnodeName: file-node\nhubble:\n  bufferCapacity: 100\n');
    const fromFile = loadConfig({ argv: ['--config', path], env: {} });
    expect(fromFile.capture.mode).toBe('base');
    expect(fromFile.clusterName).toBe('from-file');
    expect(fromFile.hubble.bufferCapacity).toBe(100);

    const env = { FLOWLENS_CAPTURE_MODE: 'tracer', FLOWLENS_CLUSTER_NAME: 'from-env' };
    const fromEnv = loadConfig({ argv: ['--config', path], env });
    expect(fromEnv.capture.mode).toBe('tracer');
    expect(fromEnv.clusterName).toBe('from-env');
    expect(fromEnv.nodeName).toBe('file-node');

    const fromFlags = loadConfig({ argv: [`--config=${path}`, '--capture-mode', 'auto', '--cluster-name=from-flag'], env });
    expect(fromFlags.capture.mode).toBe('auto');
    expect(fromFlags.clusterName).toBe('from-flag');
    expect(fromFlags.hubble.bufferCapacity).toBe(100);
  });

  it('FLOWLENS_CONFIG names the file when --config is absent; FLOWLENS_NODE_NAME beats NODE_NAME', () => {
    const path = file('env-named.yaml', 'clusterName: via-env-file\n');
    const config = loadConfig({ argv: [], env: { FLOWLENS_CONFIG: path, NODE_NAME: 'a', FLOWLENS_NODE_NAME: 'b' } });
    expect(config.clusterName).toBe('via-env-file');
    expect(config.nodeName).toBe('b');
  });

  it('boolean flags stand alone or take true/false; lists take commas', () => {
    const config = loadConfig({ argv: ['--tls-parse', '--capture-aggregate', 'false', '--interfaces', 'eth0, veth*', '--skip-ports=53,8080'], env: {} });
    expect(config.tls.parse).toBe(true);
    expect(config.capture.aggregate).toBe(false);
    expect(config.capture.interfaces).toEqual(['eth0', 'veth*']);
    expect(config.capture.skipPorts).toEqual([53, 8080]);
  });

  it('the result is frozen all the way down', () => {
    const config = loadConfig({ argv: [], env: {} });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.hubble.tls)).toBe(true);
    expect(Object.isFrozen(config.capture.excludedPorts)).toBe(true);
  });
});

describe('skip ports extend the agent\'s own ports, never replace them', () => {
  it('excludes gRPC, metrics and health ports whatever the user adds', () => {
    const config = loadConfig({ argv: ['--skip-ports', '53,4244'], env: {} });
    expect(config.capture.skipPorts).toEqual([53, 4244]);
    expect(config.capture.excludedPorts).toEqual([53, 4244, 9879, 9965]);
  });

  it('follows the ports actually configured', () => {
    const config = loadConfig({ argv: ['--hubble-listen-address', '127.0.0.1:5000', '--metrics-address', ':6000', '--health-address', '127.0.0.1:7000'], env: {} });
    expect(config.capture.excludedPorts).toEqual([5000, 6000, 7000]);
  });
});
