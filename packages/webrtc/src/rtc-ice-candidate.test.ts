import { describe, expect, it } from 'vitest';
import { RTCIceCandidate } from './rtc-ice-candidate.js';

describe('RTCIceCandidate', () => {
  it('parses the fields of a candidate attribute', () => {
    const c = new RTCIceCandidate({
      candidate:
        'candidate:842163049 1 udp 1677729535 203.0.113.7 46154 typ srflx raddr 10.0.0.2 rport 46154 generation 0 ufrag EsAw network-cost 999',
      sdpMid: '0',
    });
    expect({
      foundation: c.foundation,
      component: c.component,
      priority: c.priority,
      address: c.address,
      protocol: c.protocol,
      port: c.port,
      type: c.type,
      tcpType: c.tcpType,
      relatedAddress: c.relatedAddress,
      relatedPort: c.relatedPort,
      usernameFragment: c.usernameFragment,
      sdpMLineIndex: c.sdpMLineIndex,
    }).toEqual({
      foundation: '842163049',
      component: 'rtp',
      priority: 1677729535,
      address: '203.0.113.7',
      protocol: 'udp',
      port: 46154,
      type: 'srflx',
      tcpType: null,
      relatedAddress: '10.0.0.2',
      relatedPort: 46154,
      // webrtc-pc: usernameFragment comes from the dictionary, not the line's ufrag extension.
      usernameFragment: null,
      sdpMLineIndex: null,
    });
    expect(JSON.parse(JSON.stringify(c))).toEqual({
      candidate: c.candidate,
      sdpMid: '0',
      sdpMLineIndex: null,
      usernameFragment: null,
    });
  });

  it('parses tcp candidates and mDNS names', () => {
    const c = new RTCIceCandidate({
      candidate:
        'candidate:1 1 tcp 1518280447 3d2b2f3c-0e31-4d3b-9d3b-1f0d8c7e6a55.local 9 typ host tcptype active',
      sdpMLineIndex: 0,
    });
    expect([c.protocol, c.tcpType, c.address, c.port]).toEqual([
      'tcp',
      'active',
      '3d2b2f3c-0e31-4d3b-9d3b-1f0d8c7e6a55.local',
      9,
    ]);
  });

  it('takes an empty candidate as end-of-candidates, and throws TypeError only without a section', () => {
    const end = new RTCIceCandidate({ candidate: '', sdpMid: '0' });
    expect([end.candidate, end.type, end.address]).toEqual(['', null, null]);
    expect(() => new RTCIceCandidate({ candidate: 'candidate:1 1 udp' })).toThrow(TypeError);
    // webrtc-pc: a malformed candidate is kept as given, its parsed fields null.
    const bad = new RTCIceCandidate({ candidate: 'candidate:1 1 udp', sdpMid: '0' });
    expect([bad.candidate, bad.foundation, bad.port]).toEqual(['candidate:1 1 udp', null, null]);
  });
});
