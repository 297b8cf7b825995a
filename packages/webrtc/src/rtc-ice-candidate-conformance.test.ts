/**
 * webrtc-pc conformance of `RTCIceCandidate`, `RTCPeerConnectionIceEvent` and
 * `RTCPeerConnection.addIceCandidate()`, after the cases of web-platform-tests
 * `webrtc/RTCIceCandidate-constructor.html`, `RTCPeerConnectionIceEvent-constructor.html`,
 * `RTCPeerConnection-addIceCandidate.html` and `RTCPeerConnection-iceGatheringState.html`,
 * checked against the current webrtc-pc text (where the two differ, webrtc-pc wins: see the
 * notes at each case). WPT's audio/video offer becomes a data-channel offer: one
 * `m=application` section of mid '0'; the cases that need a second section use an offer whose
 * first section is audio (this stack answers it rejected).
 */
import { VirtualClock, VirtualNetwork } from '@x/transport/testing';
import { describe, expect, it } from 'vitest';
import { RTCIceCandidate, type RTCIceCandidateInit } from './rtc-ice-candidate.js';
import { RTCPeerConnection } from './rtc-peer-connection.js';
import type { RTCConfiguration } from './rtc-types.js';
import { RTCPeerConnectionIceEvent } from './rtc-types.js';
import { virtualPeers } from './testing-peers.js';

// ------------------------------------------------------------------------------------------
// Fixtures

/** A host candidate with the extensions browsers add (generation, ufrag, network-cost). */
const HOST_WITH_EXTENSIONS =
  'candidate:3300148290 1 udp 2122260223 10.20.30.40 51234 typ host generation 0 ufrag zQ9x network-cost 10';
const NOT_A_CANDIDATE = '#%not: a [candidate] line;';

const FINGERPRINT = Array.from({ length: 32 }, (_, i) => ((i * 37 + 11) % 256).toString(16))
  .map((h) => h.padStart(2, '0').toUpperCase())
  .join(':');

/** A remote data-channel offer: one m=application section, mid '0', ufrag 'Rm0t'. */
const DATA_OFFER = [
  'v=0',
  'o=- 7300148290 1 IN IP4 0.0.0.0',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0',
  'a=ice-options:trickle',
  'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
  'c=IN IP4 0.0.0.0',
  'a=mid:0',
  'a=ice-ufrag:Rm0t',
  'a=ice-pwd:q8Zm2yV7cKpL4wXn9bT3hJ6d',
  `a=fingerprint:sha-256 ${FINGERPRINT}`,
  'a=setup:actpass',
  'a=sctp-port:5000',
  'a=max-message-size:262144',
  '',
].join('\r\n');
const MID = '0';
const UFRAG = 'Rm0t';

/**
 * An offer of two sections with their own ufrags: audio (mid 'au', ufrag 'AuD1', index 0),
 * then data (mid 'dc', ufrag 'DcH2', index 1).
 */
const TWO_SECTION_OFFER = [
  'v=0',
  'o=- 7300148291 1 IN IP4 0.0.0.0',
  's=-',
  't=0 0',
  'a=ice-options:trickle',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'c=IN IP4 0.0.0.0',
  'a=mid:au',
  'a=sendrecv',
  'a=rtpmap:111 opus/48000/2',
  'a=rtcp-mux',
  'a=ice-ufrag:AuD1',
  'a=ice-pwd:Lw3sP9qX2mZ7vN4bK8cR1tYh',
  `a=fingerprint:sha-256 ${FINGERPRINT}`,
  'a=setup:actpass',
  'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
  'c=IN IP4 0.0.0.0',
  'a=mid:dc',
  'a=ice-ufrag:DcH2',
  'a=ice-pwd:Hq5tW1xZ8kM3nB6vC9rL2pYs',
  `a=fingerprint:sha-256 ${FINGERPRINT}`,
  'a=setup:actpass',
  'a=sctp-port:5000',
  '',
].join('\r\n');

const CANDIDATE_1 = 'candidate:1 1 udp 2113929471 198.51.100.10 40100 typ host';
const CANDIDATE_2 = 'candidate:2 1 udp 2113929470 198.51.100.11 40102 typ host';
const MALFORMED = '(Invalid) candidate \r\n string';

/**
 * A peer connection on a virtual host that has applied `sdp` as a remote offer; `body` runs,
 * then the connection is closed (whatever happened).
 */
async function withRemoteOffer(
  body: (pc: RTCPeerConnection, clock: VirtualClock) => Promise<void>,
  options: { sdp?: string; configuration?: RTCConfiguration } = {},
): Promise<void> {
  const clock = new VirtualClock();
  const net = new VirtualNetwork({ clock, seed: 7 });
  const wan = net.addRouter({ name: 'wan', cidr: '192.0.2.0/24' });
  const host = net.addHost({ name: 'h', router: wan, link: { delayMs: 5 } });
  const pc = new RTCPeerConnection({ net: host, clock, mdns: 'off', ...options.configuration });
  try {
    await pc.setRemoteDescription({ type: 'offer', sdp: options.sdp ?? DATA_OFFER });
    await body(pc, clock);
  } finally {
    pc.close();
    await pc.released;
  }
}

/** The lines of media section `index` of `sdp`. */
function section(sdp: string, index: number): string[] {
  const lines = sdp.split('\r\n').filter((l) => l !== '');
  const starts = lines.flatMap((l, i) => (l.startsWith('m=') ? [i] : []));
  const start = starts[index];
  if (start === undefined) return [];
  return lines.slice(start, starts[index + 1] ?? lines.length);
}

/** `address:port` of each remote candidate the ICE agent holds (from getStats()). */
async function agentRemotes(pc: RTCPeerConnection): Promise<string[]> {
  const stats = await pc.getStats();
  return [...stats.values()]
    .filter((s) => s.type === 'remote-candidate')
    .map((s) => `${String(s.address)}:${String(s.port)}`);
}

/** Whether `promise` settled after the virtual clock ran idle and a few real turns. */
async function settles(promise: Promise<unknown>, clock: VirtualClock): Promise<boolean> {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  await clock.runUntilIdle();
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  return settled;
}

function ufragOf(sdp: string): string {
  return /a=ice-ufrag:(\S+)/.exec(sdp)?.[1] ?? '';
}

// ------------------------------------------------------------------------------------------
// RTCIceCandidate-constructor.html

describe('RTCIceCandidate constructor (WPT RTCIceCandidate-constructor)', () => {
  // webrtc-pc: "If both the sdpMid and sdpMLineIndex members of candidateInitDict are null,
  // throw a TypeError" — whatever the candidate string.
  const throwing: [string, unknown][] = [
    ['no argument', undefined],
    ['an empty dictionary', {}],
    [
      'the defaults written out',
      { candidate: '', sdpMid: null, sdpMLineIndex: null, usernameFragment: undefined },
    ],
    ['sdpMid and sdpMLineIndex null', { sdpMid: null, sdpMLineIndex: null }],
    ['only an empty candidate', { candidate: '' }],
    ['only a valid candidate', { candidate: HOST_WITH_EXTENSIONS }],
    ['a string instead of a dictionary (WebIDL)', 'candidate:1'],
  ];
  it.each(throwing)('throws TypeError for %s', (_name, init) => {
    expect(() => new RTCIceCandidate(init as RTCIceCandidateInit)).toThrow(TypeError);
  });

  const accepted: [string, RTCIceCandidateInit, RTCIceCandidateInit][] = [
    [
      'sdpMid only',
      { sdpMid: 'audio' },
      { candidate: '', sdpMid: 'audio', sdpMLineIndex: null, usernameFragment: null },
    ],
    [
      'sdpMLineIndex 0 only',
      { sdpMLineIndex: 0 },
      { candidate: '', sdpMid: null, sdpMLineIndex: 0, usernameFragment: null },
    ],
    [
      'sdpMid and sdpMLineIndex',
      { sdpMid: 'audio', sdpMLineIndex: 0 },
      { candidate: '', sdpMid: 'audio', sdpMLineIndex: 0, usernameFragment: null },
    ],
    [
      "candidate '' and sdpMid",
      { candidate: '', sdpMid: 'audio' },
      { candidate: '', sdpMid: 'audio', sdpMLineIndex: null, usernameFragment: null },
    ],
    [
      "candidate '' and sdpMLineIndex",
      { candidate: '', sdpMLineIndex: 0 },
      { candidate: '', sdpMid: null, sdpMLineIndex: 0, usernameFragment: null },
    ],
    [
      // The ufrag extension of the line does not become usernameFragment: webrtc-pc
      // initializes usernameFragment from the dictionary only.
      'a valid candidate and sdpMid',
      { candidate: HOST_WITH_EXTENSIONS, sdpMid: 'audio' },
      {
        candidate: HOST_WITH_EXTENSIONS,
        sdpMid: 'audio',
        sdpMLineIndex: null,
        usernameFragment: null,
      },
    ],
    [
      'an unparsable candidate and sdpMid (not validated here)',
      { candidate: NOT_A_CANDIDATE, sdpMid: 'audio' },
      { candidate: NOT_A_CANDIDATE, sdpMid: 'audio', sdpMLineIndex: null, usernameFragment: null },
    ],
    [
      'every member set',
      {
        candidate: HOST_WITH_EXTENSIONS,
        sdpMid: 'video',
        sdpMLineIndex: 1,
        usernameFragment: 'test',
      },
      {
        candidate: HOST_WITH_EXTENSIONS,
        sdpMid: 'video',
        sdpMLineIndex: 1,
        usernameFragment: 'test',
      },
    ],
    [
      'an arbitrary sdpMid (not validated here)',
      { sdpMid: NOT_A_CANDIDATE },
      { candidate: '', sdpMid: NOT_A_CANDIDATE, sdpMLineIndex: null, usernameFragment: null },
    ],
    [
      'a large sdpMLineIndex (not validated here)',
      { sdpMLineIndex: 65535 },
      { candidate: '', sdpMid: null, sdpMLineIndex: 65535, usernameFragment: null },
    ],
    [
      'an sdpMLineIndex past unsigned short (WebIDL wraps it)',
      { sdpMLineIndex: 65537 },
      { candidate: '', sdpMid: null, sdpMLineIndex: 1, usernameFragment: null },
    ],
  ];
  it.each(accepted)('takes %s', (_name, init, expected) => {
    const c = new RTCIceCandidate(init);
    expect({
      candidate: c.candidate,
      sdpMid: c.sdpMid,
      sdpMLineIndex: c.sdpMLineIndex,
      usernameFragment: c.usernameFragment,
    }).toEqual(expected);
    // toJSON() gives back exactly these four members.
    expect(c.toJSON()).toEqual(expected);
  });

  const NULL_FIELDS = {
    foundation: null,
    component: null,
    priority: null,
    address: null,
    protocol: null,
    port: null,
    type: null,
    tcpType: null,
    relatedAddress: null,
    relatedPort: null,
  };
  const fieldsOf = (c: RTCIceCandidate) => ({
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
  });
  const parsed: [string, string, Record<string, unknown>][] = [
    [
      'a UDP host candidate with extensions',
      HOST_WITH_EXTENSIONS,
      {
        ...NULL_FIELDS,
        foundation: '3300148290',
        component: 'rtp',
        priority: 2122260223,
        address: '10.20.30.40',
        protocol: 'udp',
        port: 51234,
        type: 'host',
      },
    ],
    [
      'a server reflexive candidate (raddr/rport)',
      'candidate:77 1 udp 1686052607 203.0.113.9 61000 typ srflx raddr 10.0.0.4 rport 50000',
      {
        foundation: '77',
        component: 'rtp',
        priority: 1686052607,
        address: '203.0.113.9',
        protocol: 'udp',
        port: 61000,
        type: 'srflx',
        tcpType: null,
        relatedAddress: '10.0.0.4',
        relatedPort: 50000,
      },
    ],
    [
      'a passive TCP candidate (RFC 6544 tcptype)',
      'candidate:5 1 tcp 1518280447 192.0.2.44 9443 typ host tcptype passive',
      {
        ...NULL_FIELDS,
        foundation: '5',
        component: 'rtp',
        priority: 1518280447,
        address: '192.0.2.44',
        protocol: 'tcp',
        port: 9443,
        type: 'host',
        tcpType: 'passive',
      },
    ],
    [
      'an RTCP component, upper-case transport, relay',
      'candidate:9 2 UDP 41885694 198.51.100.3 3478 typ relay raddr 203.0.113.9 rport 61000',
      {
        foundation: '9',
        component: 'rtcp',
        priority: 41885694,
        address: '198.51.100.3',
        protocol: 'udp',
        port: 3478,
        type: 'relay',
        tcpType: null,
        relatedAddress: '203.0.113.9',
        relatedPort: 61000,
      },
    ],
    ['an empty candidate', '', NULL_FIELDS],
    ['an arbitrary string', NOT_A_CANDIDATE, NULL_FIELDS],
    ['a truncated candidate', 'candidate:1 1 udp 2122260223', NULL_FIELDS],
    ['an unknown candidate type', 'candidate:1 1 udp 1 192.0.2.1 5000 typ bogus', NULL_FIELDS],
    // component-id 3 has no RTCIceComponent value: webrtc-pc aborts, every field stays null.
    ['a component with no W3C value', 'candidate:1 3 udp 1 192.0.2.1 5000 typ host', NULL_FIELDS],
  ];
  it.each(parsed)('parses the fields of %s, or leaves them all null', (_name, line, fields) => {
    const c = new RTCIceCandidate({ candidate: line, sdpMid: '0' });
    expect(c.candidate).toBe(line);
    expect(fieldsOf(c)).toEqual(fields);
  });

  it('keeps relayProtocol and url for local examination, out of toJSON()', () => {
    const c = new RTCIceCandidate({
      candidate: 'candidate:9 1 udp 41885695 198.51.100.3 3478 typ relay raddr 0.0.0.0 rport 0',
      sdpMid: '0',
      sdpMLineIndex: 0,
      usernameFragment: 'abcd',
      relayProtocol: 'tls',
      url: 'turns:turn.example.org:5349',
    });
    expect([c.relayProtocol, c.url]).toEqual(['tls', 'turns:turn.example.org:5349']);
    expect(Object.keys(c.toJSON()).sort()).toEqual([
      'candidate',
      'sdpMLineIndex',
      'sdpMid',
      'usernameFragment',
    ]);
    const plain = new RTCIceCandidate({ sdpMid: '0' });
    expect([plain.relayProtocol, plain.url]).toEqual([null, null]);
    expect(() => new RTCIceCandidate({ sdpMid: '0', relayProtocol: 'sctp' as never })).toThrow(
      TypeError,
    );
  });

  it('survives a JSON round trip', () => {
    const c = new RTCIceCandidate({
      candidate: HOST_WITH_EXTENSIONS,
      sdpMid: '0',
      sdpMLineIndex: 0,
      usernameFragment: 'zQ9x',
    });
    const back = new RTCIceCandidate(JSON.parse(JSON.stringify(c)) as RTCIceCandidateInit);
    expect(back.toJSON()).toEqual(c.toJSON());
    expect(back.port).toBe(51234);
  });
});

// ------------------------------------------------------------------------------------------
// RTCPeerConnectionIceEvent-constructor.html

describe('RTCPeerConnectionIceEvent constructor (WPT RTCPeerConnectionIceEvent-constructor)', () => {
  it('needs a type (TypeError without one)', () => {
    const Ctor = RTCPeerConnectionIceEvent as unknown as new () => Event;
    expect(() => new Ctor()).toThrow(TypeError);
  });

  it.each([
    ['no init dictionary', undefined],
    ['an empty init dictionary', {}],
    ['candidate null', { candidate: null }],
    ['candidate undefined', { candidate: undefined }],
  ])('has a null candidate and url, no bubbling, not cancelable, with %s', (_name, init) => {
    const event = new RTCPeerConnectionIceEvent('icecandidate', init);
    expect(event.candidate).toBeNull();
    expect(event.url).toBeNull();
    expect(event.bubbles).toBe(false);
    expect(event.cancelable).toBe(false);
  });

  it('carries the RTCIceCandidate and url it is given', () => {
    const candidate = new RTCIceCandidate({
      candidate: '',
      sdpMid: 'sdpMid',
      sdpMLineIndex: 1,
      usernameFragment: '',
    });
    const event = new RTCPeerConnectionIceEvent('icecandidate', {
      candidate,
      url: 'stun:stun.example.org',
    });
    expect(event.candidate).toBe(candidate);
    expect(event.url).toBe('stun:stun.example.org');
    expect(event.bubbles).toBe(false);
    expect(event.cancelable).toBe(false);
  });

  it('throws TypeError for a candidate that is a plain dictionary', () => {
    const plain = { candidate: '', sdpMid: 'x', sdpMLineIndex: 1, usernameFragment: '' };
    expect(
      () => new RTCPeerConnectionIceEvent('icecandidate', { candidate: plain as never }),
    ).toThrow(TypeError);
  });

  it('takes bubbles and cancelable from EventInit', () => {
    const event = new RTCPeerConnectionIceEvent('icecandidate', {
      candidate: null,
      bubbles: true,
      cancelable: true,
    });
    expect([event.bubbles, event.cancelable]).toEqual([true, true]);
  });
});

// ------------------------------------------------------------------------------------------
// RTCPeerConnection-addIceCandidate.html

describe('addIceCandidate() preconditions (WPT RTCPeerConnection-addIceCandidate)', () => {
  it('rejects with InvalidStateError before a remote description is set', async () => {
    const clock = new VirtualClock();
    const net = new VirtualNetwork({ clock, seed: 3 });
    const wan = net.addRouter({ name: 'wan', cidr: '192.0.2.0/24' });
    const pc = new RTCPeerConnection({
      net: net.addHost({ name: 'h', router: wan }),
      clock,
      mdns: 'off',
    });
    await expect(
      pc.addIceCandidate({ candidate: CANDIDATE_1, sdpMid: MID, sdpMLineIndex: 0 }),
    ).rejects.toMatchObject({ name: 'InvalidStateError' });
    // end-of-candidates too: the remote description is checked first.
    await expect(pc.addIceCandidate({ candidate: '', sdpMid: MID })).rejects.toMatchObject({
      name: 'InvalidStateError',
    });
    pc.close();
    await pc.released;
  });

  it('rejects with InvalidStateError once closed, and TypeError first for a bad candidate', async () => {
    await withRemoteOffer(async (pc) => {
      pc.close();
      await pc.released;
      await expect(
        pc.addIceCandidate({ candidate: CANDIDATE_1, sdpMid: MID }),
      ).rejects.toMatchObject({ name: 'InvalidStateError' });
      // webrtc-pc checks "both sdpMid and sdpMLineIndex null" before the operations chain.
      await expect(pc.addIceCandidate({ candidate: CANDIDATE_1 })).rejects.toThrow(TypeError);
    });
  });
});

describe('addIceCandidate() on a data-channel offer (WPT RTCPeerConnection-addIceCandidate)', () => {
  // webrtc-pc: step 3 rejects a non-empty candidate with neither sdpMid nor sdpMLineIndex.
  const typeErrors: [string, unknown][] = [
    [
      'sdpMid and sdpMLineIndex set to null',
      { candidate: CANDIDATE_1, sdpMid: null, sdpMLineIndex: null },
    ],
    ['only a candidate string', { candidate: CANDIDATE_1 }],
    [
      'a malformed candidate and no section',
      { candidate: MALFORMED, sdpMid: null, sdpMLineIndex: null },
    ],
    ['a string instead of a dictionary (WebIDL)', CANDIDATE_1],
  ];
  it.each(typeErrors)('rejects with TypeError: %s', async (_name, init) => {
    await withRemoteOffer(async (pc) => {
      await expect(pc.addIceCandidate(init as RTCIceCandidateInit)).rejects.toThrow(TypeError);
      expect(pc.remoteDescription?.sdp).toBe(DATA_OFFER);
    });
  });

  const operationErrors: [string, RTCIceCandidateInit][] = [
    // webrtc-pc step 4.2: sdpMid names no media section (sdpMLineIndex is not looked at).
    [
      'an unknown sdpMid',
      { candidate: CANDIDATE_1, sdpMid: 'nope', sdpMLineIndex: 0, usernameFragment: UFRAG },
    ],
    ['an unknown sdpMid on end-of-candidates', { candidate: '', sdpMid: 'nope' }],
    // step 4.3: sdpMLineIndex at or past the number of media sections.
    [
      'sdpMLineIndex past the last section',
      { candidate: CANDIDATE_1, sdpMLineIndex: 1, usernameFragment: UFRAG },
    ],
    // step 4.5: a usernameFragment that no applied remote description has.
    [
      'an unknown usernameFragment',
      { candidate: CANDIDATE_1, sdpMid: MID, sdpMLineIndex: 0, usernameFragment: 'nope' },
    ],
    ['an unknown ufrag extension', { candidate: `${CANDIDATE_1} ufrag nope`, sdpMid: MID }],
    // step 4.6.1: a candidate the ICE agent cannot take.
    [
      'a malformed candidate',
      { candidate: MALFORMED, sdpMid: MID, sdpMLineIndex: 0, usernameFragment: UFRAG },
    ],
    ['an arbitrary string', { candidate: NOT_A_CANDIDATE, sdpMid: MID }],
    // RFC 8839 connection-address: neither an IPv4 address (octets 0-255) nor a name (RFC 3696
    // §2: a top-level label is not all digits), as a WHATWG URL host parser also says.
    [
      'an IPv4-like address with an octet above 255',
      { candidate: 'candidate:1 1 udp 2130706431 999.1.1.1 40100 typ host', sdpMid: MID },
    ],
    [
      'a related address that is no address',
      {
        candidate:
          'candidate:2 1 udp 1694498815 198.51.100.10 40100 typ srflx raddr 10.0.0.300 rport 9',
        sdpMid: MID,
      },
    ],
  ];
  it.each(operationErrors)('rejects with OperationError: %s', async (_name, init) => {
    await withRemoteOffer(async (pc) => {
      await expect(pc.addIceCandidate(init)).rejects.toMatchObject({ name: 'OperationError' });
      expect(pc.remoteDescription?.sdp).toBe(DATA_OFFER);
      // The failure does not break the chain: a good candidate is still taken.
      await pc.addIceCandidate({ candidate: CANDIDATE_2, sdpMid: MID });
    });
  });

  const added: [string, RTCIceCandidateInit | RTCIceCandidate][] = [
    [
      'a dictionary with every member',
      { candidate: CANDIDATE_1, sdpMid: MID, sdpMLineIndex: 0, usernameFragment: UFRAG },
    ],
    [
      'an RTCIceCandidate',
      new RTCIceCandidate({
        candidate: CANDIDATE_1,
        sdpMid: MID,
        sdpMLineIndex: 0,
        usernameFragment: UFRAG,
      }),
    ],
    [
      'a null usernameFragment (most recent generation)',
      { candidate: CANDIDATE_1, sdpMid: MID, sdpMLineIndex: 0, usernameFragment: null },
    ],
    ['sdpMid only', { candidate: CANDIDATE_1, sdpMid: MID }],
    ['sdpMLineIndex only', { candidate: CANDIDATE_1, sdpMLineIndex: 0 }],
    // step 4.2 comes before 4.3: a valid sdpMid wins over a bad sdpMLineIndex.
    [
      'a valid sdpMid with an out-of-range sdpMLineIndex',
      { candidate: CANDIDATE_1, sdpMid: MID, sdpMLineIndex: 2, usernameFragment: UFRAG },
    ],
    ["the line's a= prefix", { candidate: `a=${CANDIDATE_1}`, sdpMid: MID }],
  ];
  it.each(added)(
    'adds the candidate to the remote description and to the ICE agent: %s',
    async (_name, init) => {
      await withRemoteOffer(async (pc) => {
        await pc.addIceCandidate(init);
        // webrtc-pc 4.6.2: the candidate goes into the remote description of its generation.
        expect(section(pc.remoteDescription!.sdp, 0)).toContain(`a=${CANDIDATE_1}`);
        expect(pc.pendingRemoteDescription?.sdp).toBe(pc.remoteDescription?.sdp);
        expect(await agentRemotes(pc)).toContain('198.51.100.10:40100');
        // Once only, however often it is added.
        await pc.addIceCandidate(init);
        const lines = pc.remoteDescription!.sdp.split('\r\n');
        expect(lines.filter((l) => l === `a=${CANDIDATE_1}`)).toHaveLength(1);
      });
    },
  );

  it('adds several candidates in order, then end-of-candidates after them', async () => {
    await withRemoteOffer(async (pc) => {
      await pc.addIceCandidate({
        candidate: CANDIDATE_1,
        sdpMid: MID,
        sdpMLineIndex: 0,
        usernameFragment: UFRAG,
      });
      await pc.addIceCandidate({ candidate: CANDIDATE_2, sdpMid: MID, usernameFragment: UFRAG });
      await pc.addIceCandidate({
        candidate: '',
        sdpMid: MID,
        sdpMLineIndex: 0,
        usernameFragment: UFRAG,
      });
      const lines = section(pc.remoteDescription!.sdp, 0);
      const at = (l: string) => lines.indexOf(l);
      expect(at(`a=${CANDIDATE_1}`)).toBeGreaterThan(0);
      expect(at(`a=${CANDIDATE_2}`)).toBeGreaterThan(at(`a=${CANDIDATE_1}`));
      expect(at('a=end-of-candidates')).toBe(lines.length - 1);
      expect(await agentRemotes(pc)).toEqual(
        expect.arrayContaining(['198.51.100.10:40100', '198.51.100.11:40102']),
      );
    });
  });

  // webrtc-pc: an empty candidate is end-of-candidates for its section, or for every section
  // when both sdpMid and sdpMLineIndex are null; addIceCandidate(null) and () read as {}
  // (WebIDL), which WPT's older text rejected with TypeError.
  const endOfCandidates: [string, RTCIceCandidateInit | null | undefined][] = [
    ['sdpMid only', { sdpMid: MID }],
    ['sdpMLineIndex only', { sdpMLineIndex: 0 }],
    [
      "candidate '' with every member",
      { candidate: '', sdpMid: MID, sdpMLineIndex: 0, usernameFragment: UFRAG },
    ],
    ['an empty dictionary', {}],
    [
      'the defaults written out',
      { candidate: '', sdpMid: null, sdpMLineIndex: null, usernameFragment: undefined },
    ],
    ["candidate '' only", { candidate: '' }],
    ['null', null],
    ['no argument', undefined],
  ];
  it.each(endOfCandidates)('takes end-of-candidates: %s', async (_name, init) => {
    await withRemoteOffer(async (pc) => {
      await (init === undefined ? pc.addIceCandidate() : pc.addIceCandidate(init));
      expect(section(pc.remoteDescription!.sdp, 0).at(-1)).toBe('a=end-of-candidates');
      // A candidate after it still goes before it (RFC 8840 §4.1).
      await pc.addIceCandidate({ candidate: CANDIDATE_1, sdpMid: MID });
      expect(section(pc.remoteDescription!.sdp, 0).slice(-2)).toEqual([
        `a=${CANDIDATE_1}`,
        'a=end-of-candidates',
      ]);
    });
  });
});

describe('addIceCandidate() and the section it names (WPT, second media section)', () => {
  const options = { sdp: TWO_SECTION_OFFER };

  it('resolves sdpMid and sdpMLineIndex to their own section', async () => {
    await withRemoteOffer(async (pc) => {
      await pc.addIceCandidate({ candidate: CANDIDATE_1, sdpMid: 'au', usernameFragment: 'AuD1' });
      await pc.addIceCandidate({
        candidate: CANDIDATE_2,
        sdpMLineIndex: 1,
        usernameFragment: 'DcH2',
      });
      const sdp = pc.remoteDescription!.sdp;
      expect(section(sdp, 0)).toContain(`a=${CANDIDATE_1}`);
      expect(section(sdp, 0)).not.toContain(`a=${CANDIDATE_2}`);
      expect(section(sdp, 1)).toContain(`a=${CANDIDATE_2}`);
      expect(section(sdp, 1)).not.toContain(`a=${CANDIDATE_1}`);
      // Only the data section's candidates reach this stack's one ICE agent.
      const remotes = await agentRemotes(pc);
      expect(remotes).toContain('198.51.100.11:40102');
      expect(remotes).not.toContain('198.51.100.10:40100');
    }, options);
  });

  it('takes a null usernameFragment for the section it names', async () => {
    await withRemoteOffer(async (pc) => {
      await pc.addIceCandidate({ candidate: CANDIDATE_2, sdpMid: 'dc', usernameFragment: null });
      expect(section(pc.remoteDescription!.sdp, 1)).toContain(`a=${CANDIDATE_2}`);
    }, options);
  });

  it('rejects with OperationError a usernameFragment of another section, or an index past the end', async () => {
    await withRemoteOffer(async (pc) => {
      await expect(
        pc.addIceCandidate({ candidate: CANDIDATE_2, sdpMid: 'dc', usernameFragment: 'AuD1' }),
      ).rejects.toMatchObject({ name: 'OperationError' });
      await expect(
        pc.addIceCandidate({ candidate: CANDIDATE_2, sdpMLineIndex: 2 }),
      ).rejects.toMatchObject({ name: 'OperationError' });
      expect(pc.remoteDescription?.sdp).toBe(TWO_SECTION_OFFER);
    }, options);
  });

  it('names the data section of our answer in each local candidate: its mid and its index', async () => {
    await withRemoteOffer(async (pc, clock) => {
      const local: RTCIceCandidate[] = [];
      pc.addEventListener('icecandidate', (e) => {
        const { candidate } = e as RTCPeerConnectionIceEvent;
        if (candidate) local.push(candidate);
      });
      await pc.setLocalDescription();
      await clock.runUntil(() => pc.iceGatheringState === 'complete', { timeoutMs: 10_000 });
      // Our answer keeps the offer's order: the data section is the second one.
      expect(section(pc.localDescription!.sdp, 1)[0]).toMatch(/^m=application /);
      expect(local.length).toBeGreaterThan(1);
      for (const c of local) expect([c.sdpMid, c.sdpMLineIndex]).toEqual(['dc', 1]);
      expect(
        pc.sctp!.transport.iceTransport.getLocalCandidates().map((c) => c.sdpMLineIndex),
      ).not.toContain(0);
      // The candidates are in that section of the local description, not in the rejected one.
      expect(section(pc.localDescription!.sdp, 1).some((l) => l.startsWith('a=candidate:'))).toBe(
        true,
      );
      expect(section(pc.localDescription!.sdp, 0).some((l) => l.startsWith('a=candidate:'))).toBe(
        false,
      );
    }, options);
  });

  it('ends the candidates of every section of the generation when no section is named', async () => {
    await withRemoteOffer(async (pc) => {
      await pc.addIceCandidate({ candidate: '', usernameFragment: 'DcH2' });
      const sdp = pc.remoteDescription!.sdp;
      expect(section(sdp, 1).at(-1)).toBe('a=end-of-candidates');
      // The audio section has another ufrag: another generation, left alone.
      expect(section(sdp, 0)).not.toContain('a=end-of-candidates');
    }, options);
  });
});

describe('addIceCandidate() and a rejected media section (webrtc-pc: stopped transceiver)', () => {
  it('resolves for a section the offer rejected, before the ufrag check, and changes nothing', async () => {
    const rejected = TWO_SECTION_OFFER.replace('m=audio 9 ', 'm=audio 0 ');
    await withRemoteOffer(
      async (pc) => {
        await pc.addIceCandidate({
          candidate: CANDIDATE_1,
          sdpMid: 'au',
          usernameFragment: 'nope',
        });
        await pc.addIceCandidate({ candidate: MALFORMED, sdpMLineIndex: 0 });
        expect(pc.remoteDescription?.sdp).toBe(rejected);
        expect(await agentRemotes(pc)).not.toContain('198.51.100.10:40100');
        // End-of-candidates for every section leaves the rejected one alone.
        await pc.addIceCandidate({});
        expect(section(pc.remoteDescription!.sdp, 0)).not.toContain('a=end-of-candidates');
        expect(section(pc.remoteDescription!.sdp, 1).at(-1)).toBe('a=end-of-candidates');
      },
      { sdp: rejected },
    );
  });
});

describe('addIceCandidate() and close() (webrtc-pc "chain an operation")', () => {
  // webrtc-pc: once [[IsClosed]] is true, the chained operation's promise settles neither
  // way (WPT test_never_resolve cases).
  const pending: [string, RTCIceCandidateInit][] = [
    ['a valid candidate', { candidate: CANDIDATE_1, sdpMid: MID }],
    [
      'a malformed candidate',
      { candidate: MALFORMED, sdpMid: MID, sdpMLineIndex: 0, usernameFragment: UFRAG },
    ],
    ['an unknown sdpMid', { candidate: CANDIDATE_1, sdpMid: 'nope', sdpMLineIndex: 0 }],
    ['an out-of-range sdpMLineIndex', { candidate: CANDIDATE_1, sdpMLineIndex: 2 }],
  ];
  it.each(pending)('never settles when close() follows the call: %s', async (_name, init) => {
    await withRemoteOffer(async (pc, clock) => {
      const promise = pc.addIceCandidate(init);
      pc.close();
      expect(await settles(promise, clock)).toBe(false);
    });
  });
});

describe('addIceCandidate(): administratively prohibited candidates (webrtc-pc)', () => {
  it('resolves for a candidate on a Fetch bad port but keeps it from the ICE agent', async () => {
    await withRemoteOffer(async (pc) => {
      const smtp = 'candidate:4 1 udp 2113929471 198.51.100.12 25 typ host';
      await pc.addIceCandidate({ candidate: smtp, sdpMid: MID });
      await pc.addIceCandidate({ candidate: CANDIDATE_1, sdpMid: MID });
      expect(section(pc.remoteDescription!.sdp, 0)).toContain(`a=${smtp}`);
      const remotes = await agentRemotes(pc);
      expect(remotes).toContain('198.51.100.10:40100');
      expect(remotes).not.toContain('198.51.100.12:25');
    });
  });

  it('keeps such a candidate written in the remote description from the agent too', async () => {
    const smtp = 'candidate:4 1 udp 2113929471 198.51.100.12 25 typ host';
    const sdp = DATA_OFFER.replace(/(a=mid:[^\r\n]*\r\n)/, `$1a=${CANDIDATE_1}\r\na=${smtp}\r\n`);
    expect(sdp).toContain(`a=${smtp}`);
    await withRemoteOffer(
      async (pc) => {
        await pc.setLocalDescription();
        await Promise.resolve();
        const remotes = await agentRemotes(pc);
        expect(remotes).toContain('198.51.100.10:40100');
        expect(remotes).not.toContain('198.51.100.12:25');
      },
      { sdp },
    );
  });

  it("keeps an mDNS candidate from the agent when iceTransportPolicy is 'relay'", async () => {
    const resolved: string[] = [];
    await withRemoteOffer(
      async (pc) => {
        const mdns =
          'candidate:6 1 udp 2113929471 5b7c9e2a-1f1e-4c43-9c2d-0e6b4a8f3d11.local 40300 typ host';
        await pc.addIceCandidate({ candidate: mdns, sdpMid: MID });
        expect(section(pc.remoteDescription!.sdp, 0)).toContain(`a=${mdns}`);
        resolved.push(...(await agentRemotes(pc)));
      },
      { configuration: { iceTransportPolicy: 'relay' } },
    );
    expect(resolved.filter((r) => r.includes('.local'))).toEqual([]);
  });
});

describe('addIceCandidate() across ICE generations (webrtc-pc usernameFragment)', () => {
  it('adds an old-generation candidate to the current description only, and not to the agent', async () => {
    const w = virtualPeers({ seed: 21 });
    try {
      const channel = w.a.createDataChannel('gen');
      await w.a.setLocalDescription();
      await w.b.setRemoteDescription(w.a.localDescription!);
      await w.b.setLocalDescription();
      await w.a.setRemoteDescription(w.b.localDescription!);
      await w.clock.runUntil(() => channel.readyState === 'open', { timeoutMs: 10_000 });
      const oldUfrag = ufragOf(w.a.localDescription!.sdp);
      // a restarts ICE; b applies the offer: its pending remote description is the new
      // generation, its current one the old.
      w.a.restartIce();
      await w.a.setLocalDescription();
      await w.b.setRemoteDescription(w.a.localDescription!);
      const newUfrag = ufragOf(w.b.pendingRemoteDescription!.sdp);
      expect(newUfrag).not.toBe(oldUfrag);

      const stale = 'candidate:11 1 udp 2122260223 203.0.113.200 40000 typ host';
      await w.b.addIceCandidate({ candidate: stale, sdpMid: '0', usernameFragment: oldUfrag });
      expect(w.b.currentRemoteDescription!.sdp).toContain(`a=${stale}`);
      expect(w.b.pendingRemoteDescription!.sdp).not.toContain(`a=${stale}`);
      expect(await agentRemotes(w.b)).not.toContain('203.0.113.200:40000');

      const fresh = 'candidate:12 1 udp 2122260223 203.0.113.201 40001 typ host';
      await w.b.addIceCandidate({ candidate: fresh, sdpMid: '0', usernameFragment: newUfrag });
      const latest = 'candidate:13 1 udp 2122260223 203.0.113.202 40002 typ host';
      // No usernameFragment: the most recent generation.
      await w.b.addIceCandidate({ candidate: latest, sdpMid: '0' });
      for (const line of [fresh, latest]) {
        expect(w.b.pendingRemoteDescription!.sdp).toContain(`a=${line}`);
        expect(w.b.currentRemoteDescription!.sdp).not.toContain(`a=${line}`);
      }
      expect(await agentRemotes(w.b)).toEqual(
        expect.arrayContaining(['203.0.113.201:40001', '203.0.113.202:40002']),
      );
    } finally {
      w.a.close();
      await w.a.released;
      w.b.close();
      await w.b.released;
    }
  });
});

// ------------------------------------------------------------------------------------------
// RTCPeerConnection-iceGatheringState.html (the icecandidate side)

describe('icecandidate events of a gathering (WPT RTCPeerConnection-iceGatheringState)', () => {
  it('fires candidates with sdpMid and sdpMLineIndex, then end-of-candidates, then null', async () => {
    const w = virtualPeers({ seed: 4 });
    try {
      expect(w.a.iceGatheringState).toBe('new');
      const seen: string[] = [];
      w.a.addEventListener('icegatheringstatechange', () =>
        seen.push(`state ${w.a.iceGatheringState}`),
      );
      w.a.addEventListener('icecandidate', (e) => {
        expect(e).toBeInstanceOf(RTCPeerConnectionIceEvent);
        const event = e as RTCPeerConnectionIceEvent;
        expect([event.bubbles, event.cancelable]).toEqual([false, false]);
        const c = event.candidate;
        if (c === null) {
          seen.push('null');
          return;
        }
        // webrtc-pc: an icecandidate event's candidate has both sdpMid and sdpMLineIndex.
        expect(c.sdpMid).toBe('0');
        expect(c.sdpMLineIndex).toBe(0);
        expect(c.usernameFragment).toBe(ufragOf(w.a.localDescription!.sdp));
        if (c.candidate === '') {
          expect(c.type).toBeNull();
          seen.push('end');
        } else {
          expect(c.type).not.toBeNull();
          expect(c.port).not.toBeNull();
          if (seen.at(-1) !== 'candidate') seen.push('candidate');
        }
      });
      w.a.createDataChannel('x');
      await w.a.setLocalDescription();
      await w.clock.runUntil(() => seen.includes('null'), { timeoutMs: 10_000 });
      expect(seen).toEqual(['state gathering', 'candidate', 'end', 'state complete', 'null']);
    } finally {
      w.a.close();
      await w.a.released;
      w.b.close();
      await w.b.released;
    }
  });
});
