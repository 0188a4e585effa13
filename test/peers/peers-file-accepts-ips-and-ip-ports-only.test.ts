import { describe, expect, it } from 'vitest';
import { isFlowlensError } from '../../src/errors.js';
import { parsePeersFile } from '../../src/peers/peers-file.js';

function problemsOf(text: string): string {
  try {
    parsePeersFile(text, 'c1', 'peers.yaml');
  } catch (err) {
    expect(isFlowlensError(err, 'FL_PEERS_FILE')).toBe(true);
    return (err as Error).message;
  }
  throw new Error('expected the file to be rejected');
}

describe('parsePeersFile', () => {
  it('reads IPv4, IPv6, with and without port, into nodes of the agent cluster', () => {
    const text = `nodes:
  - {name: n1, address: 198.18.0.7}
  - {name: n2, address: "[fd00::7]:4245"}
  - {name: n3, address: 198.18.0.9:4300}
  - {name: n4, address: "fd00::9"}
`;
    expect(parsePeersFile(text, 'c1', 'peers.yaml')).toEqual([
      { name: 'n1', cluster: 'c1', ip: '198.18.0.7' },
      { name: 'n2', cluster: 'c1', ip: 'fd00::7', port: 4245 },
      { name: 'n3', cluster: 'c1', ip: '198.18.0.9', port: 4300 },
      { name: 'n4', cluster: 'c1', ip: 'fd00::9' },
    ]);
  });

  it('accepts an empty list', () => {
    expect(parsePeersFile('nodes: []\n', 'c1', 'peers.yaml')).toEqual([]);
  });

  it('rejects host names, bad ports and malformed entries, naming every entry at fault', () => {
    const message = problemsOf(`nodes:
  - {name: good, address: 198.18.0.1}
  - {name: byname, address: node2.example}
  - {name: noport, address: "198.18.0.2:"}
  - {name: bigport, address: 198.18.0.3:70000}
  - {name: v6noport, address: "[fd00::1]"}
  - {name: v6bare, address: "fd00::1:99999"}
  - {address: 198.18.0.4}
  - {name: typo, adress: 198.18.0.5}
  - {name: good, address: 198.18.0.6}
  - just-a-string
`);
    for (const fragment of [
      'nodes[1] (byname): address', '"node2.example"', 'nodes[2] (noport)', 'nodes[3] (bigport)', 'nodes[4] (v6noport)',
      'nodes[5] (v6bare)', 'nodes[6]: name must be', 'nodes[7] (typo): unknown key "adress"', 'nodes[8] (good): name "good" appears more than once',
      'nodes[9]: expected {name, address}',
    ]) {
      expect(message).toContain(fragment);
    }
    expect(message).not.toContain('nodes[0]');
  });

  it('rejects a document that is not a nodes list, and invalid YAML', () => {
    expect(problemsOf('- {name: n1, address: 198.18.0.7}\n')).toMatch(/expected a mapping with a "nodes" list/);
    expect(problemsOf('')).toMatch(/expected a mapping with a "nodes" list/);
    expect(problemsOf('nodes: [ {name: n1\n')).toMatch(/not valid YAML/);
  });
});
