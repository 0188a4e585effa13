import { describe, expect, it } from 'vitest';
import { compileFilterLists } from '../../src/filters/flow-filter.js';
import type { FlowFilter } from '../../src/proto/flow.js';
import { makeFlow } from '../helpers/flows.js';

// Each input here is sized so that a backtracking engine would need about 2^40 steps or
// more (hours); the test timeout (60 s) is what fails if one comes back. No timing is
// asserted: a linear-time engine simply returns.

const matches = (filter: FlowFilter, flow = makeFlow()): boolean => compileFilterLists([filter])(flow);

const dnsFlow = (query: string) => makeFlow({ Type: 'L7', l7: { type: 'REQUEST', dns: { query } } });
const httpFlow = (url: string) => makeFlow({ Type: 'L7', l7: { type: 'REQUEST', http: { method: 'GET', url } } });
const namedFlow = (name: string) => makeFlow({ destination_names: [name] });

describe('user patterns match in time linear in the text', () => {
  it('^(a|a)*$ against a 40-character query that almost matches', () => {
    expect(matches({ dns_query: ['^(a|a)*$'] }, dnsFlow(`${'a'.repeat(40)}!`))).toBe(false);
    expect(matches({ dns_query: ['^(a|a)*$'] }, dnsFlow('a'.repeat(40)))).toBe(true);
  });

  it('(x+x+)+y against a long path and URL without a y', () => {
    const url = `http://shop/${'x'.repeat(400)}`;
    expect(matches({ http_path: ['(x+x+)+y'] }, httpFlow(url))).toBe(false);
    expect(matches({ http_url: ['(x+x+)+y'] }, httpFlow(url))).toBe(false);
    expect(matches({ http_url: ['(x+x+)+y'] }, httpFlow(`${url}y`))).toBe(true);
  });

  it('a six-star FQDN pattern against a 250-character name that almost matches', () => {
    const pattern = '*a*a*a*a*a*a*b';
    expect(matches({ destination_fqdn: [pattern] }, namedFlow(`${'a'.repeat(250)}.c`))).toBe(false);
    expect(matches({ destination_fqdn: [pattern] }, namedFlow(`${'a'.repeat(250)}.b`))).toBe(true);
  });

  it('a six-star node name pattern against a long node name', () => {
    const flow = makeFlow({ node_name: `default/${'a'.repeat(250)}` });
    expect(matches({ node_name: ['*a*a*a*a*a*a*b'] }, flow)).toBe(false);
    expect(matches({ node_name: ['*a*a*a*a*a*a'] }, flow)).toBe(true);
  });
});

describe('match semantics stay upstream Hubble’s', () => {
  it('dns_query, http_url and http_path match anywhere unless the pattern anchors itself', () => {
    expect(matches({ dns_query: ['kube.*local'] }, dnsFlow('kube-dns.kube-system.svc.cluster.local.'))).toBe(true);
    expect(matches({ dns_query: ['^svc'] }, dnsFlow('kube-dns.svc.cluster.local.'))).toBe(false);
    expect(matches({ http_url: ['api/v1'] }, httpFlow('http://shop/api/v1/items'))).toBe(true);
    expect(matches({ http_path: ['^/api/v1/items$'] }, httpFlow('http://shop/api/v1/items?page=2'))).toBe(true);
    expect(matches({ http_path: ['^/v1'] }, httpFlow('http://shop/api/v1/items'))).toBe(false);
  });

  it('FQDN patterns match the whole name, with * running across dots', () => {
    expect(matches({ destination_fqdn: ['*.example.com'] }, namedFlow('a.b.example.com'))).toBe(true);
    expect(matches({ destination_fqdn: ['example.com'] }, namedFlow('www.example.com'))).toBe(false);
    expect(matches({ destination_fqdn: ['example.*'] }, namedFlow('example.com.evil'))).toBe(true);
    expect(matches({ destination_fqdn: ['example.co'] }, namedFlow('example.com'))).toBe(false);
  });

  it('an underscore in a name is matched by * and by itself', () => {
    expect(matches({ destination_fqdn: ['*.svc.cluster.local'] }, namedFlow('_http._tcp.my_svc.svc.cluster.local'))).toBe(true);
    expect(matches({ destination_fqdn: ['_sip._udp.*'] }, namedFlow('_sip._udp.example.com'))).toBe(true);
    expect(matches({ destination_fqdn: ['my*db'] }, namedFlow('my_main_db'))).toBe(true);
    expect(matches({ source_fqdn: ['*'] }, makeFlow({ source_names: ['_dmarc.example.com'] }))).toBe(true);
  });

  it('RE2 syntax that JavaScript lacks is accepted', () => {
    expect(matches({ dns_query: ['(?P<svc>[a-z]+)\\.svc'] }, dnsFlow('web.svc.cluster.local.'))).toBe(true);
    expect(matches({ dns_query: ['(?i)KUBE-DNS'] }, dnsFlow('kube-dns.kube-system.'))).toBe(true);
    expect(matches({ dns_query: ['local\\.\\z'] }, dnsFlow('cluster.local.'))).toBe(true);
    expect(matches({ dns_query: ['\\A\\pL+\\.'] }, dnsFlow('münchen.example.'))).toBe(true);
  });

  it('a flow without a URL matches no URL or path pattern, even one that matches the empty text', () => {
    expect(matches({ http_url: ['.*'] }, httpFlow(''))).toBe(false);
    expect(matches({ http_path: ['.*'] }, httpFlow(''))).toBe(false);
    expect(matches({ http_url: ['.*'] }, makeFlow())).toBe(false);
  });
});
