#!/usr/bin/env node
import { loadConfig } from './config/load.js';
import { isFlowlensError } from './errors.js';
import { rootLogger, setLogLevel } from './log.js';
import { VERSION } from './version.js';

const USAGE = `usage: flowlens <command> [flags]

commands:
  agent                 capture flows and serve them over the Hubble API
  probe [--json]        print the detected capabilities and the mode the agent would choose
  certs generate        write a CA, an agent certificate and a client certificate for mTLS
  version               print the version

Every setting is a flag, a FLOWLENS_* environment variable or a key of the --config
YAML file; see the README for the list.`;

const CERTS_USAGE = `usage: flowlens certs generate --out DIR [--node-name NAME] [--cluster-name NAME]
                              [--ip IP]... [--valid-days N]`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'agent': {
      const config = loadConfig({ argv: rest, env: process.env });
      setLogLevel(config.log.level);
      const { runAgent } = await import('./main.js');
      await runAgent(config);
      return 0;
    }
    case 'probe': {
      const json = rest.includes('--json');
      const config = loadConfig({ argv: rest.filter((arg) => arg !== '--json'), env: process.env });
      const { probeCapabilities } = await import('./native/binding.js');
      const { buildProbeReport, formatProbeReport } = await import('./capture/capabilities.js');
      const report = buildProbeReport(config, probeCapabilities());
      process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : `${formatProbeReport(report)}\n`);
      return report.mode ? 0 : 1;
    }
    case 'certs':
      return certs(rest);
    case 'version':
    case '--version':
      process.stdout.write(`flowlens ${VERSION}\n`);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`flowlens: unknown command ${JSON.stringify(command)}\n${USAGE}\n`);
      return 2;
  }
}

async function certs(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'generate') {
    process.stderr.write(`${CERTS_USAGE}\n`);
    return 2;
  }
  const { parseArgs } = await import('node:util');
  const { hostname } = await import('node:os');
  let values;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        out: { type: 'string' },
        'node-name': { type: 'string', default: process.env.NODE_NAME || hostname() },
        'cluster-name': { type: 'string', default: 'default' },
        ip: { type: 'string', multiple: true, default: [] },
        'valid-days': { type: 'string', default: '365' },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`flowlens certs generate: ${(err as Error).message}\n${CERTS_USAGE}\n`);
    return 2;
  }
  if (!values.out) {
    process.stderr.write(`flowlens certs generate: --out is required\n${CERTS_USAGE}\n`);
    return 2;
  }
  const validDays = Number(values['valid-days']);
  if (!Number.isInteger(validDays) || validDays < 1) {
    process.stderr.write(`flowlens certs generate: --valid-days: got ${JSON.stringify(values['valid-days'])}, expected a positive integer\n`);
    return 2;
  }
  const { generateCertificates } = await import('./certs/generate.js');
  const written = await generateCertificates({
    outDir: values.out,
    nodeName: values['node-name'],
    clusterName: values['cluster-name'],
    ips: values.ip,
    validDays,
  });
  process.stdout.write(`${JSON.stringify(written, null, 2)}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (isFlowlensError(err)) {
      rootLogger.fatal({ code: err.code }, err.message);
      process.stderr.write(`flowlens: ${err.code}: ${err.message}\n`);
    } else {
      rootLogger.fatal({ err }, 'unexpected failure');
      process.stderr.write(`flowlens: ${(err as Error)?.stack ?? String(err)}\n`);
    }
    process.exitCode = 1;
  },
);
