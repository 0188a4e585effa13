import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { FlowlensError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'flowlens-config-bad-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function problemsOf(argv: string[], env: Record<string, string> = {}): string {
  try {
    loadConfig({ argv, env });
  } catch (err) {
    expect(err).toBeInstanceOf(FlowlensError);
    expect((err as FlowlensError).code).toBe('FL_CONFIG_INVALID');
    return (err as Error).message;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('a bad value names the setting, the value and what was expected', () => {
  it.each([
    [['--capture-mode', 'fast'], 'capture.mode (--capture-mode): got "fast", expected one of auto, tracer, base'],
    [['--tls-parse=maybe'], 'tls.parse (--tls-parse): got "maybe", expected true or false'],
    [['--hubble-buffer-capacity', '0'], 'hubble.bufferCapacity (--hubble-buffer-capacity): got "0", expected an integer from 1 to 16777216'],
    [['--hubble-buffer-capacity', '12abc'], 'expected an integer from 1 to 16777216'],
    [['--skip-ports', '53,70000'], 'capture.skipPorts (--skip-ports): got "53,70000", expected a list of ports from 1 to 65535'],
    [['--metrics-address', '9965'], 'metrics.address (--metrics-address): got "9965", expected host:port, :port or [ipv6]:port'],
    [['--health-address', '127.0.0.1:99999'], 'health.address (--health-address): got "127.0.0.1:99999"'],
    [['--log-level', 'loud'], 'log.level (--log-level): got "loud", expected one of trace, debug, info, warn, error, fatal, silent'],
    [['--peers-source', 'dns'], 'peers.source (--peers-source): got "dns", expected one of static, kubernetes'],
    [['--node-name', ''], 'nodeName (--node-name): got "", expected a non-empty string'],
    [['--capture-report-interval-ms', '5'], 'capture.reportIntervalMs (--capture-report-interval-ms): got "5", expected an integer from 100 to 3600000'],
    [['--advertise-address', 'node-1.example'], 'advertiseAddress: got "node-1.example", expected an IPv4 or IPv6 address'],
  ])('%j', (argv, message) => {
    expect(problemsOf(argv)).toContain(message);
  });

  it('names the environment variable when the value came from the environment', () => {
    expect(problemsOf([], { FLOWLENS_CAPTURE_MODE: 'x' })).toContain('capture.mode (FLOWLENS_CAPTURE_MODE): got "x"');
  });

  it('names the file key and the file when the value came from the file', () => {
    const path = file('bad.yaml', 'capture:\n  mode: 3\n');
    expect(problemsOf(['--config', path])).toContain(`capture.mode (capture.mode in ${path}): got 3, expected one of auto, tracer, base`);
  });

  it('reports every problem at once', () => {
    const message = problemsOf(['--capture-mode', 'x', '--log-level', 'y', '--hubble-buffer-capacity', '-1']);
    expect(message.match(/^ {2}- /gm)).toHaveLength(3);
  });

  it('rejects unknown flags, unknown file keys, stray arguments and flags without values', () => {
    const path = file('typo.yaml', 'capture:\n  mdoe: base\nextra: 1\n');
    const message = problemsOf(['--config', path, '--no-such-flag', 'stray', '--node-name']);
    expect(message).toContain('unknown flag --no-such-flag');
    expect(message).toContain('unexpected argument "stray"');
    expect(message).toContain('flag --node-name needs a value');
    expect(message).toContain(`unknown key capture.mdoe in config file ${path}`);
    expect(message).toContain(`unknown key extra in config file ${path}`);
  });

  it('rejects an unreadable or non-mapping config file with FL_CONFIG_FILE', () => {
    for (const path of [join(dir, 'missing.yaml'), file('list.yaml', '- a\n- b\n'), file('broken.yaml', 'a: [\n')]) {
      expect(() => loadConfig({ argv: ['--config', path], env: {} })).toThrow(
        expect.objectContaining({ code: 'FL_CONFIG_FILE', message: expect.stringContaining(path) }),
      );
    }
  });
});

describe('TLS and listening checks', () => {
  it('refuses a non-loopback gRPC address without TLS unless --hubble-insecure', () => {
    expect(problemsOf(['--hubble-listen-address', ':4244'])).toContain('hubble.listenAddress: got ":4244", which is not a loopback address, without TLS');
    expect(problemsOf(['--hubble-listen-address', '0.0.0.0:4244'])).toContain('--hubble-insecure');
    const config = loadConfig({ argv: ['--hubble-listen-address', ':4244', '--hubble-insecure'], env: {} });
    expect(config.hubble.insecure).toBe(true);
  });

  it('accepts loopback addresses in every form without TLS', () => {
    const parsed = {
      '127.0.0.1:4244': { host: '127.0.0.1', port: 4244 },
      'localhost:4244': { host: 'localhost', port: 4244 },
      '[::1]:4244': { host: '::1', port: 4244 },
      '127.0.0.2:0': { host: '127.0.0.2', port: 0 },
    };
    for (const [address, listenAddress] of Object.entries(parsed)) {
      const { hubble } = loadConfig({ argv: ['--hubble-listen-address', address], env: {} });
      expect(hubble.listenAddress, address).toEqual(listenAddress);
      expect(hubble.insecure, address).toBe(false);
      expect(hubble.tls.certFile, address).toBe('');
    }
  });

  it('needs cert and key together, a client CA with them, and files that exist', () => {
    const cert = file('server.crt', 'x');
    const key = file('server.key', 'x');
    expect(problemsOf(['--hubble-tls-cert-file', cert])).toContain('hubble.tls.certFile and hubble.tls.keyFile: expected both or neither');
    expect(problemsOf(['--hubble-tls-cert-file', cert, '--hubble-tls-key-file', key])).toContain(
      'hubble.tls.clientCaFiles: expected at least one client CA file when TLS is on (mutual TLS is required)',
    );
    const missing = join(dir, 'nope.crt');
    expect(problemsOf(['--hubble-tls-cert-file', cert, '--hubble-tls-key-file', key, '--hubble-tls-client-ca-files', missing])).toContain(
      `hubble.tls.clientCaFiles: got ${JSON.stringify(missing)}, expected an existing file`,
    );
    const ca = file('ca.crt', 'x');
    const config = loadConfig({ argv: ['--hubble-listen-address', ':4244', '--hubble-tls-cert-file', cert, '--hubble-tls-key-file', key, '--hubble-tls-client-ca-files', ca], env: {} });
    expect(config.hubble.tls.clientCaFiles).toEqual([ca]);
  });

  it('refuses two listeners on one port', () => {
    expect(problemsOf(['--metrics-address', ':4244'])).toContain('hubble.listenAddress and metrics.address: both use port 4244, expected different ports');
  });
});
