import { describe, expect, it } from 'vitest';
import { isFlowlensError } from '../../src/errors.js';
import { parseLabelSelector } from '../../src/filters/label-selector.js';

const LABELS = ['k8s:app=web', 'k8s:tier=frontend', 'reserved:host', 'team=blue'];

const CASES: [string, boolean][] = [
  ['app=web', true],
  ['app==web', true],
  ['app=db', false],
  ['app', true],
  ['!app', false],
  ['!missing', true],
  ['k8s:app=web', true],
  ['other:app=web', false],
  ['reserved:host', true],
  ['app!=db', true],
  ['app!=web', false],
  ['missing!=x', true],
  ['tier in (frontend, backend)', true],
  ['tier notin (frontend)', false],
  ['app=web,tier=frontend', true],
  ['app=web,tier=backend', false],
  ['team=blue', true],
];

describe('label selectors over endpoint labels', () => {
  for (const [selector, expected] of CASES) {
    it(`${selector} -> ${expected}`, () => {
      expect(parseLabelSelector('source_label', selector)(LABELS)).toBe(expected);
    });
  }

  for (const bad of ['', 'app in (a', '=web', 'app=we b', 'app in a,b']) {
    it(`rejects ${JSON.stringify(bad)} as a bad request`, () => {
      let thrown: unknown;
      try {
        parseLabelSelector('source_label', bad);
      } catch (err) {
        thrown = err;
      }
      expect(isFlowlensError(thrown, 'FL_BAD_REQUEST')).toBe(true);
    });
  }
});
