import { describe, expect, it } from 'vitest';
import { clusterWildcardServerName, joinHostPort, peerName, peerServiceServerName, tlsServerName } from '../../src/peers/server-name.js';

describe('peer naming', () => {
  it('builds TLS server names with every dot inside node and cluster names turned into a dash', () => {
    expect(tlsServerName('moseisley', 'tatooine')).toBe('moseisley.tatooine.hubble-grpc.cilium.io');
    expect(tlsServerName('ip-10-0-0-7.ec2.internal', 'eu.west')).toBe('ip-10-0-0-7-ec2-internal.eu-west.hubble-grpc.cilium.io');
    expect(tlsServerName('n1', '')).toBe('n1.default.hubble-grpc.cilium.io');
    expect(peerServiceServerName('eu.west')).toBe('hubble-peer.eu-west.hubble-grpc.cilium.io');
    expect(clusterWildcardServerName('eu.west')).toBe('*.eu-west.hubble-grpc.cilium.io');
  });

  it('names a peer cluster/node except in the default cluster', () => {
    expect(peerName('n1', 'default')).toBe('n1');
    expect(peerName('n1', '')).toBe('n1');
    expect(peerName('n1.example', 'eu.west')).toBe('eu.west/n1.example');
  });

  it('joins host and port, bracketing IPv6', () => {
    expect(joinHostPort('198.18.0.7', 4244)).toBe('198.18.0.7:4244');
    expect(joinHostPort('fd00::7', 4244)).toBe('[fd00::7]:4244');
  });
});
