import { describe, expect, it } from 'vitest';
import { RecordFlows } from '../helpers/record-flows.js';
import { DnsNameCache } from '../../src/parser/l7/dns-name-cache.js';
import { interfaces, record, TEST_TIME_NS } from '../helpers/records.js';

describe('DNS names on L3/L4 flows', () => {
  it('fills source_names and destination_names from names learned from DNS answers', () => {
    const names = new DnsNameCache();
    names.record('198.18.0.2', 'api.example.com.', 30, TEST_TIME_NS - 1_000_000_000n);
    const parser = new RecordFlows({
      nodeName: 'node-a',
      interfaces: interfaces(),
      dropReasonNames: new Map(),
      netnsInode: 1,
      names,
    });
    const flow = parser.parse(record());
    expect(flow?.destination_names).toStrictEqual(['api.example.com']);
    expect('source_names' in (flow ?? {})).toBe(false);
  });
});
