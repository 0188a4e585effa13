import { describe, expect, it } from 'vitest';
import { interfaceMatcher } from '../../src/capture/interface-pattern.js';

describe('capture.interfaces patterns', () => {
  it('matches names exactly and globs with * and ?', () => {
    const matches = interfaceMatcher(['eth0', 'veth*', 'lxc?']);
    expect(['eth0', 'veth', 'veth12ab', 'lxc1'].filter(matches)).toEqual(['eth0', 'veth', 'veth12ab', 'lxc1']);
    expect(['eth1', 'eth0.5', 'xveth1', 'lxc12', 'lo'].filter(matches)).toEqual([]);
  });

  it('treats other characters literally', () => {
    const matches = interfaceMatcher(['eth0.5', 'br-*']);
    expect(['eth0.5', 'br-abc'].filter(matches)).toEqual(['eth0.5', 'br-abc']);
    expect(['eth015', 'brXabc'].filter(matches)).toEqual([]);
  });

  it('with no patterns, takes every interface but loopback', () => {
    const matches = interfaceMatcher([]);
    expect(['eth0', 'veth1', 'cilium_host', 'lo'].filter(matches)).toEqual(['eth0', 'veth1', 'cilium_host']);
  });
});
