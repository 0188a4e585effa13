import { describe, expect, it } from 'vitest';
import { observationPoint, trafficDirection } from '../../src/parser/observation-point.js';

describe('observation point and traffic direction', () => {
  it('host end of a pod veth: TC ingress is the pod sending, TC egress the pod receiving', () => {
    expect(observationPoint('endpoint', 'ingress')).toBe('FROM_ENDPOINT');
    expect(observationPoint('endpoint', 'egress')).toBe('TO_ENDPOINT');
    expect(trafficDirection('endpoint', 'ingress', false)).toBe('EGRESS');
    expect(trafficDirection('endpoint', 'egress', false)).toBe('INGRESS');
  });

  it('other interfaces: TC ingress comes from the network, TC egress goes to it', () => {
    expect(observationPoint('network', 'ingress')).toBe('FROM_NETWORK');
    expect(observationPoint('network', 'egress')).toBe('TO_NETWORK');
    expect(trafficDirection('network', 'ingress', false)).toBe('INGRESS');
    expect(trafficDirection('network', 'egress', false)).toBe('EGRESS');
  });

  it('a reply takes the direction of the connection it answers', () => {
    expect(trafficDirection('endpoint', 'ingress', true)).toBe('INGRESS');
    expect(trafficDirection('endpoint', 'egress', true)).toBe('EGRESS');
    expect(trafficDirection('network', 'ingress', true)).toBe('EGRESS');
    expect(trafficDirection('network', 'egress', true)).toBe('INGRESS');
  });
});
