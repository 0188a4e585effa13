import { describe, expect, it } from 'vitest';
import { nodeNameFilter } from '../../src/filters/node-name.js';
import { PatternCompiler } from '../../src/filters/regex.js';
import { makeFlow } from '../helpers/flows.js';

const matches = (pattern: string, nodeName: string): boolean => nodeNameFilter({ node_name: [pattern] }, new PatternCompiler())?.(makeFlow({ node_name: nodeName })) ?? true;

const CASES: [string, string, boolean][] = [
  ['node-a', 'default/node-a', true],
  ['node-a', 'prod/node-a', true],
  ['node-a', 'node-a', true],
  ['node-a', 'default/node-ab', false],
  ['node-*', 'prod/node-17', true],
  ['prod/', 'prod/node-17', true],
  ['prod/', 'default/node-17', false],
  ['default/node-a', 'node-a', true],
  ['*.example.com', 'c1/worker.example.com', true],
  ['NODE-A.', 'default/node-a', true],
  ['p*/n*', 'prod/node-1', true],
];

describe('node_name patterns: [cluster/]node with * wildcards', () => {
  for (const [pattern, nodeName, expected] of CASES) {
    it(`${pattern} vs ${nodeName} -> ${expected}`, () => {
      expect(matches(pattern, nodeName)).toBe(expected);
    });
  }

  it('a flow without a node name never matches', () => {
    expect(matches('*', '')).toBe(false);
  });
});
