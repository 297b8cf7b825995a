import { afterEach, describe, expect, it } from 'vitest';
import type { RTCDataChannel } from './rtc-data-channel.js';
import type { RTCIceCandidateInit } from './rtc-ice-candidate.js';
import type { RTCPeerConnection } from './rtc-peer-connection.js';
import type { RTCStats } from './rtc-stats.js';
import { openChannelPair, trickle, type VirtualPeers, virtualPeers } from './testing-peers.js';

let opened: RTCPeerConnection[] = [];
afterEach(async () => {
  for (const pc of opened) {
    pc.close();
    await pc.released;
  }
  opened = [];
});

type Report = Map<string, RTCStats>;

function world(seed = 21): VirtualPeers {
  const w = virtualPeers({ seed, delayMs: 10 });
  opened.push(w.a, w.b);
  return w;
}

/** Two peers with a channel `label` open on both sides. */
async function connected(
  label = 'chat',
  init: { protocol?: string } = {},
): Promise<VirtualPeers & { c1: RTCDataChannel; c2: RTCDataChannel }> {
  const w = world();
  return { ...w, ...(await openChannelPair(w, label, init)) };
}

function ofType(report: Report, type: string): RTCStats[] {
  return [...report.values()].filter((s) => s.type === type);
}

function one(report: Report, type: string): RTCStats {
  const found = ofType(report, type);
  expect(found, `one ${type} entry`).toHaveLength(1);
  return found[0]!;
}

// --- Member types, as WebIDL gives them to JavaScript -------------------------------------

type Kind = 'string' | 'uint' | 'int' | 'number' | 'boolean' | 'timestamp' | readonly string[];

function checkMember(s: RTCStats, name: string, kind: Kind): void {
  const v = s[name];
  const where = `${s.type}.${name} = ${JSON.stringify(v)}`;
  if (Array.isArray(kind)) {
    expect(kind, where).toContain(v);
    return;
  }
  switch (kind) {
    case 'string':
      expect(typeof v, where).toBe('string');
      break;
    case 'uint':
      expect(Number.isInteger(v) && (v as number) >= 0, where).toBe(true);
      break;
    case 'int':
      expect(Number.isInteger(v), where).toBe(true);
      break;
    case 'number':
      expect(typeof v === 'number' && Number.isFinite(v), where).toBe(true);
      break;
    case 'timestamp':
      // A DOMHighResTimeStamp on the same timeline as `timestamp` (Performance.timeOrigin +
      // Performance.now(), webrtc-pc §8.4), of something that happened before the collection.
      expect(typeof v === 'number' && Number.isFinite(v), where).toBe(true);
      expect(v as number, where).toBeLessThanOrEqual(s.timestamp);
      break;
    case 'boolean':
      expect(typeof v, where).toBe('boolean');
      break;
  }
}

const iceCandidateTypes = ['host', 'srflx', 'prflx', 'relay'] as const;
const candidateMembers = {
  mandatory: { candidateType: iceCandidateTypes },
  optional: {
    port: 'int',
    protocol: ['udp', 'tcp'],
    priority: 'int',
    url: 'string',
    relayProtocol: ['udp', 'tcp', 'tls'],
    foundation: 'string',
    relatedAddress: 'string',
    relatedPort: 'int',
    usernameFragment: 'string',
    tcpType: ['active', 'passive', 'so'],
  },
  refs: { transportId: 'transport' },
} as const;

/**
 * Per type: the members webrtc-pc §8.6 makes mandatory to implement (with the `required` ones
 * of webrtc-stats), the optional ones with their types when present, and the stats object
 * references (`...Id`) with the type of the entry each must name.
 */
const dictionaries: Record<
  string,
  {
    mandatory: Record<string, Kind>;
    optional: Record<string, Kind>;
    refs: Record<string, string>;
    optionalRefs?: Record<string, string>;
  }
> = {
  'peer-connection': {
    mandatory: { dataChannelsOpened: 'uint', dataChannelsClosed: 'uint' },
    optional: {},
    refs: {},
  },
  'data-channel': {
    mandatory: {
      label: 'string',
      protocol: 'string',
      state: ['connecting', 'open', 'closing', 'closed'],
      messagesSent: 'uint',
      bytesSent: 'uint',
      messagesReceived: 'uint',
      bytesReceived: 'uint',
    },
    // The channel's id: null until the DTLS role is known (webrtc-pc §6.1), absent then.
    optional: { dataChannelIdentifier: 'uint' },
    refs: {},
  },
  transport: {
    mandatory: {
      bytesSent: 'uint',
      bytesReceived: 'uint',
      dtlsState: ['new', 'connecting', 'connected', 'closed', 'failed'],
    },
    optional: {
      packetsSent: 'uint',
      packetsReceived: 'uint',
      iceRole: ['unknown', 'controlling', 'controlled'],
      iceLocalUsernameFragment: 'string',
      iceState: ['new', 'checking', 'connected', 'completed', 'disconnected', 'failed', 'closed'],
      tlsVersion: 'string',
      dtlsCipher: 'string',
      srtpCipher: 'string',
      dtlsRole: ['client', 'server', 'unknown'],
      selectedCandidatePairChanges: 'uint',
    },
    refs: { localCertificateId: 'certificate' },
    optionalRefs: {
      selectedCandidatePairId: 'candidate-pair',
      remoteCertificateId: 'certificate',
    },
  },
  'candidate-pair': {
    mandatory: {
      state: ['frozen', 'waiting', 'in-progress', 'failed', 'succeeded'],
      nominated: 'boolean',
      bytesSent: 'uint',
      bytesReceived: 'uint',
      totalRoundTripTime: 'number',
      responsesReceived: 'uint',
    },
    optional: {
      // An instantaneous measure: absent until a round trip was measured (webrtc-stats §3.2).
      currentRoundTripTime: 'number',
      packetsSent: 'uint',
      packetsReceived: 'uint',
      lastPacketSentTimestamp: 'timestamp',
      lastPacketReceivedTimestamp: 'timestamp',
      requestsReceived: 'uint',
      requestsSent: 'uint',
      responsesSent: 'uint',
      consentRequestsSent: 'uint',
    },
    refs: {
      transportId: 'transport',
      localCandidateId: 'local-candidate',
      remoteCandidateId: 'remote-candidate',
    },
  },
  'local-candidate': candidateMembers,
  'remote-candidate': candidateMembers,
  certificate: {
    mandatory: {
      fingerprint: 'string',
      fingerprintAlgorithm: 'string',
      base64Certificate: 'string',
    },
    optional: {},
    refs: {},
    optionalRefs: { issuerCertificateId: 'certificate' },
  },
  'sctp-transport': {
    mandatory: {},
    optional: {
      smoothedRoundTripTime: 'number',
      congestionWindow: 'uint',
      receiverWindow: 'uint',
      mtu: 'uint',
      unackData: 'uint',
    },
    refs: { transportId: 'transport' },
  },
};

/**
 * WPT's validateStatsReport, after the current specs: every entry under its id, the RTCStats
 * members, the members of its dictionary with their types, references that resolve to an
 * entry of the right type, and no member that is `undefined` (absent, not undefined).
 */
function validate(report: Report, collectedAfter: number, collectedBefore: number): void {
  for (const [key, s] of report) {
    expect(s.id).toBe(key);
    checkMember(s, 'id', 'string');
    checkMember(s, 'type', 'string');
    checkMember(s, 'timestamp', 'number');
    // webrtc-pc §8.4: Performance.timeOrigin + Performance.now() when the stats were collected.
    expect(s.timestamp).toBeGreaterThanOrEqual(collectedAfter);
    expect(s.timestamp).toBeLessThanOrEqual(collectedBefore);
    for (const [k, v] of Object.entries(s)) expect(v, `${s.type}.${k}`).not.toBe(undefined);
    const dict = dictionaries[s.type];
    expect(dict, `a known type: ${s.type}`).toBeDefined();
    if (!dict) continue;
    for (const [name, kind] of Object.entries(dict.mandatory)) {
      expect(s, `${s.type} has ${name}`).toHaveProperty(name);
      checkMember(s, name, kind);
    }
    for (const [name, kind] of Object.entries(dict.optional))
      if (name in s) checkMember(s, name, kind);
    const refs = { ...dict.refs, ...(dict.optionalRefs ?? {}) };
    for (const [name, type] of Object.entries(refs)) {
      if (!(name in s)) {
        expect(dict.refs, `${s.type}.${name} is mandatory`).not.toHaveProperty(name);
        continue;
      }
      checkMember(s, name, 'string');
      expect(report.get(s[name] as string)?.type, `${s.type}.${name}`).toBe(type);
    }
  }
}

/** getStats() with the bounds of its collection time, validated. */
async function statsOf(pc: RTCPeerConnection): Promise<Report> {
  const after = performance.timeOrigin + performance.now();
  const report = await pc.getStats();
  const before = performance.timeOrigin + performance.now();
  validate(report, after, before);
  return report;
}

describe('getStats() arguments (webrtc-pc §8.2)', () => {
  it.each([
    ['no argument', [] as unknown[]],
    ['null', [null]],
    ['undefined (the default, null)', [undefined]],
  ])('%s resolves with a report of the whole connection', async (_name, args) => {
    const pc = world().a;
    const report = await (pc.getStats as (...a: unknown[]) => Promise<Report>)(...args);
    expect(report).toBeInstanceOf(Map);
    one(report, 'peer-connection');
    one(report, 'transport');
  });

  it.each([
    ['an object', {}],
    ['a string', 'track'],
  ])('rejects %s as selector with a TypeError (WebIDL MediaStreamTrack?)', async (_n, selector) => {
    const pc = world().a;
    await expect((pc.getStats as (s: unknown) => Promise<Report>)(selector)).rejects.toThrow(
      TypeError,
    );
  });
});

describe('getStats() before negotiation', () => {
  it('reports the peer connection, the transport in state new and our certificate', async () => {
    const w = world();
    const report = await statsOf(w.a);
    expect(one(report, 'peer-connection')).toMatchObject({
      dataChannelsOpened: 0,
      dataChannelsClosed: 0,
    });
    const transport = one(report, 'transport');
    expect(transport).toMatchObject({ dtlsState: 'new', bytesSent: 0, bytesReceived: 0 });
    // Only after DTLS negotiation: tlsVersion; without a pair or a peer: no references.
    for (const absent of ['tlsVersion', 'dtlsCipher', 'srtpCipher', 'selectedCandidatePairId'])
      expect(transport).not.toHaveProperty(absent);
    expect(transport).not.toHaveProperty('remoteCertificateId');
    expect(ofType(report, 'certificate')).toHaveLength(1);
    expect(ofType(report, 'candidate-pair')).toEqual([]);
  });

  it('reports a channel that is still connecting, with its label and protocol', async () => {
    const w = world();
    const channel = w.a.createDataChannel('early', { protocol: 'p1' });
    const report = await statsOf(w.a);
    expect(one(report, 'data-channel')).toMatchObject({
      label: 'early',
      protocol: 'p1',
      state: 'connecting',
      messagesSent: 0,
      bytesSent: 0,
      messagesReceived: 0,
      bytesReceived: 0,
    });
    expect(channel.readyState).toBe('connecting');
  });
});

describe('getStats() of a connected data-channel connection', () => {
  it('has every mandatory-to-implement type that applies, on both sides (webrtc-pc §8.6)', async () => {
    const w = await connected('test-channel');
    for (const [pc, channel] of [
      [w.a, w.c1],
      [w.b, w.c2],
    ] as const) {
      const report = await statsOf(pc);
      for (const type of [
        'peer-connection',
        'data-channel',
        'transport',
        'candidate-pair',
        'local-candidate',
        'remote-candidate',
        'certificate',
      ])
        expect(ofType(report, type).length, type).toBeGreaterThan(0);
      const dc = ofType(report, 'data-channel').find((s) => s.dataChannelIdentifier === channel.id);
      expect(dc).toMatchObject({ label: 'test-channel', state: 'open' });
      const transport = one(report, 'transport');
      // Negotiated DTLS: both certificates and the selected pair are referenced.
      for (const ref of ['selectedCandidatePairId', 'localCertificateId', 'remoteCertificateId'])
        expect(transport).toHaveProperty(ref);
      expect(transport.localCertificateId).not.toBe(transport.remoteCertificateId);
      const pair = report.get(transport.selectedCandidatePairId as string)!;
      expect(pair).toMatchObject({ state: 'succeeded', nominated: true });
      expect(pair).toHaveProperty('currentRoundTripTime');
      expect(one(report, 'sctp-transport').transportId).toBe(transport.id);
    }
  });

  it('reports label, protocol, dataChannelIdentifier and state as the channel has them', async () => {
    const w = await connected('named', { protocol: 'proto/1' });
    const negotiated = w.a.createDataChannel('out-of-band', { negotiated: true, id: 40 });
    await w.clock.runUntil(() => negotiated.readyState === 'open', { timeoutMs: 5000 });
    expect(negotiated.readyState).toBe('open');
    const report = await statsOf(w.a);
    const channels = ofType(report, 'data-channel');
    expect(channels).toHaveLength(2);
    for (const [channel, stats] of [
      [w.c1, channels.find((s) => s.label === 'named')],
      [negotiated, channels.find((s) => s.label === 'out-of-band')],
    ] as const) {
      expect(stats).toMatchObject({
        label: channel.label,
        protocol: channel.protocol,
        dataChannelIdentifier: channel.id,
        state: channel.readyState,
      });
    }
    // The answerer's channel, announced by DCEP, carries the same label, protocol and id.
    const other = ofType(await statsOf(w.b), 'data-channel');
    expect(other).toEqual([
      expect.objectContaining({
        label: 'named',
        protocol: 'proto/1',
        dataChannelIdentifier: w.c1.id,
        state: 'open',
      }),
    ]);
  });

  it('keeps the id of each object across calls, and timestamps never go back', async () => {
    const w = await connected();
    const first = await statsOf(w.a);
    await w.clock.advance(1000);
    const second = await statsOf(w.a);
    // webrtc-pc §8.4: the same underlying object gives the same id in two reports.
    for (const type of ['peer-connection', 'data-channel', 'transport', 'sctp-transport'])
      expect(one(second, type).id, type).toBe(one(first, type).id);
    const t1 = one(first, 'transport');
    const t2 = one(second, 'transport');
    expect(t2.selectedCandidatePairId).toBe(t1.selectedCandidatePairId);
    expect(t2.localCertificateId).toBe(t1.localCertificateId);
    expect(t2.remoteCertificateId).toBe(t1.remoteCertificateId);
    for (const [id, s] of second) {
      const before = first.get(id);
      if (before) expect(s.timestamp).toBeGreaterThanOrEqual(before.timestamp);
    }
  });

  it('gives ids an application cannot predict: two connections never share one', async () => {
    // webrtc-pc §8.4: "Stats ids MUST NOT be predictable by an application".
    const w = await connected();
    const ra = await statsOf(w.a);
    const rb = await statsOf(w.b);
    for (const type of ['peer-connection', 'data-channel', 'transport', 'sctp-transport'])
      expect(one(ra, type).id, type).not.toBe(one(rb, type).id);
    // The same certificate seen from both sides is still two monitored objects.
    const [aMine, bTheirs] = [one(ra, 'transport'), one(rb, 'transport')];
    expect(ra.get(aMine.localCertificateId as string)!.fingerprint).toBe(
      rb.get(bTheirs.remoteCertificateId as string)!.fingerprint,
    );
    expect(aMine.localCertificateId).not.toBe(bTheirs.remoteCertificateId);
    // And no id spells out what it stands for (an address, a port, a fingerprint).
    const pair = ra.get(aMine.selectedCandidatePairId as string)!;
    const local = ra.get(pair.localCandidateId as string)!;
    const cert = ra.get(aMine.localCertificateId as string)!;
    for (const id of ra.keys()) {
      expect(id).not.toContain(local.address as string);
      expect(id).not.toContain(String(local.port));
      expect(id).not.toContain((cert.fingerprint as string).replaceAll(':', '').slice(0, 8));
    }
  });

  it('counts messages and payload bytes of the channels, the transport and the pair', async () => {
    const w = await connected();
    let received = 0;
    w.c2.onmessage = () => received++;
    const beforeA = await statsOf(w.a);
    const beforeB = await statsOf(w.b);
    w.c1.send('hello'); // 5 bytes
    w.c1.send(new Uint8Array(700));
    w.c1.send('añb'); // 4 bytes of UTF-8
    expect(await w.clock.runUntil(() => received === 3, { timeoutMs: 5000 })).toBe(true);
    const afterA = await statsOf(w.a);
    const afterB = await statsOf(w.b);

    const delta = (r0: Report, r1: Report, type: string, member: string): number =>
      (one(r1, type)[member] as number) - (one(r0, type)[member] as number);
    // RTCDataChannelStats: API messages and their payload bytes, exactly.
    expect(delta(beforeA, afterA, 'data-channel', 'messagesSent')).toBe(3);
    expect(delta(beforeA, afterA, 'data-channel', 'bytesSent')).toBe(5 + 700 + 4);
    expect(delta(beforeB, afterB, 'data-channel', 'messagesReceived')).toBe(3);
    expect(delta(beforeB, afterB, 'data-channel', 'bytesReceived')).toBe(5 + 700 + 4);
    expect(delta(beforeA, afterA, 'data-channel', 'messagesReceived')).toBe(0);
    // RTCTransportStats: DTLS records carry at least the messages' bytes.
    expect(delta(beforeA, afterA, 'transport', 'bytesSent')).toBeGreaterThan(709);
    expect(delta(beforeA, afterA, 'transport', 'packetsSent')).toBeGreaterThanOrEqual(1);
    expect(delta(beforeB, afterB, 'transport', 'bytesReceived')).toBeGreaterThan(709);
    expect(delta(beforeB, afterB, 'transport', 'packetsReceived')).toBeGreaterThanOrEqual(1);
    // RTCIceCandidatePairStats of the selected pair: the same traffic (a single pair in use).
    const pairOf = (r: Report): RTCStats =>
      r.get(one(r, 'transport').selectedCandidatePairId as string)!;
    for (const [r0, r1, member] of [
      [beforeA, afterA, 'bytesSent'],
      [beforeA, afterA, 'packetsSent'],
      [beforeB, afterB, 'bytesReceived'],
      [beforeB, afterB, 'packetsReceived'],
    ] as const)
      expect(pairOf(r1)[member] as number, member).toBeGreaterThan(pairOf(r0)[member] as number);
    expect(pairOf(afterA).bytesSent).toBe(one(afterA, 'transport').bytesSent);
    expect(pairOf(afterB).bytesReceived).toBe(one(afterB, 'transport').bytesReceived);
    expect(one(afterB, 'transport').bytesReceived).toBe(one(afterA, 'transport').bytesSent);
    // Data went out after the first report, and arrived before the second.
    expect(pairOf(afterA).lastPacketSentTimestamp as number).toBeLessThanOrEqual(
      pairOf(afterA).timestamp,
    );
    expect(pairOf(afterB).lastPacketReceivedTimestamp as number).toBeLessThanOrEqual(
      pairOf(afterB).timestamp,
    );
  });

  it.each([
    // [case, channels opened, closed by a before open, closed by a once open, expected]
    ['a channel that opened', 1, 0, 0, { dataChannelsOpened: 1, dataChannelsClosed: 0 }],
    ['two open, one closed', 2, 0, 1, { dataChannelsOpened: 2, dataChannelsClosed: 1 }],
    // webrtc-stats: a channel closed without ever being open is counted in neither.
    ['one closed while connecting', 1, 1, 0, { dataChannelsOpened: 1, dataChannelsClosed: 0 }],
  ])('dataChannelsOpened / dataChannelsClosed: %s', async (_name, open, early, late, expected) => {
    const w = await connected('first');
    const more: RTCDataChannel[] = [];
    for (let i = 1; i < open; i++) more.push(w.a.createDataChannel(`more${i}`));
    const stillborn: RTCDataChannel[] = [];
    for (let i = 0; i < early; i++) {
      const c = w.a.createDataChannel(`stillborn${i}`);
      c.close();
      stillborn.push(c);
    }
    const all = [w.c1, ...more];
    await w.clock.runUntil(
      () =>
        all.every((c) => c.readyState === 'open') &&
        stillborn.every((c) => c.readyState === 'closed'),
      { timeoutMs: 5000 },
    );
    for (const c of all.slice(0, late)) c.close();
    // The peer's counterpart of the first channel closes too (RFC 8831 §6.7 stream reset).
    await w.clock.runUntil(
      () =>
        all.slice(0, late).every((c) => c.readyState === 'closed') &&
        (late === 0 || w.c2.readyState === 'closed'),
      { timeoutMs: 5000 },
    );
    const report = await statsOf(w.a);
    expect(one(report, 'peer-connection')).toMatchObject(expected);
    expect(ofType(report, 'data-channel').map((s) => s.state)).toEqual(
      [...all, ...stillborn]
        .sort((x, y) => (x === w.c1 ? -1 : y === w.c1 ? 1 : 0))
        .map((c) => c.readyState),
    );
    // The peer counts the channels it saw open, and those the remote close closed.
    const peer = one(await statsOf(w.b), 'peer-connection');
    expect(peer.dataChannelsOpened as number).toBeGreaterThanOrEqual(open);
    expect(peer.dataChannelsClosed).toBe(late);
  });

  it('hides the address of a remote candidate that only checks revealed (peer reflexive)', async () => {
    // webrtc-stats RTCIceCandidateStats.address: null for a remote candidate until the
    // application signals that address (addIceCandidate()); here b's candidates never reach a.
    const { a, b, clock } = virtualPeers({ seed: 5, trickle: false });
    opened.push(a, b);
    trickle(a, b);
    const withheld: RTCIceCandidateInit[] = [];
    b.addEventListener('icecandidate', (e) => {
      const { candidate } = e as Event & { candidate: { toJSON(): RTCIceCandidateInit } | null };
      if (candidate) withheld.push(candidate.toJSON());
    });
    const channel = a.createDataChannel('x');
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription!);
    await b.setLocalDescription();
    // b's answer without the candidates it may have gathered meanwhile.
    const answer = b.localDescription!.sdp.replace(/a=(candidate|end-of-candidates).*\r\n/g, '');
    expect(answer).not.toContain('a=candidate');
    await a.setRemoteDescription({ type: 'answer', sdp: answer });
    expect(await clock.runUntil(() => channel.readyState === 'open', { timeoutMs: 10_000 })).toBe(
      true,
    );
    const report = await statsOf(a);
    const pair = report.get(one(report, 'transport').selectedCandidatePairId as string)!;
    const remote = report.get(pair.remoteCandidateId as string)!;
    expect(remote.candidateType).toBe('prflx');
    expect(remote).toHaveProperty('address', null);
    expect(remote.port).toBeGreaterThan(0);
    expect(remote).not.toHaveProperty('url');
    expect(remote).not.toHaveProperty('relayProtocol');
    // b learnt a's candidates by signaling: it may show their addresses.
    const other = await statsOf(b);
    const bPair = other.get(one(other, 'transport').selectedCandidatePairId as string)!;
    const bRemote = other.get(bPair.remoteCandidateId as string)!;
    expect(bRemote.candidateType).toBe('host');
    expect(typeof bRemote.address).toBe('string');

    // Once the application gives a b's candidates, the address may be shown.
    expect(withheld.length).toBeGreaterThan(0);
    for (const candidate of withheld) await a.addIceCandidate(candidate);
    const later = await statsOf(a);
    const learnt = ofType(later, 'remote-candidate').filter((c) => c.port === remote.port);
    expect(learnt.length).toBeGreaterThan(0);
    for (const c of learnt) expect(typeof c.address).toBe('string');
  });
});

describe('getStats() after close() (webrtc-pc §8.1: monitored objects outlive close())', () => {
  it('resolves with the same objects, now closed, and counts the channels close() closed', async () => {
    const w = await connected();
    const open = await statsOf(w.a);
    w.a.close();
    await w.a.released;
    const closed = await statsOf(w.a);
    for (const type of ['peer-connection', 'data-channel', 'transport', 'certificate'])
      expect(
        ofType(closed, type).map((s) => s.id),
        type,
      ).toEqual(ofType(open, type).map((s) => s.id));
    expect(one(closed, 'data-channel')).toMatchObject({ state: 'closed', label: 'chat' });
    expect(w.c1.readyState).toBe('closed');
    expect(one(closed, 'transport')).toMatchObject({ dtlsState: 'closed', iceState: 'closed' });
    // What the DTLS negotiation agreed, and what ICE found, stays in the report.
    for (const member of [
      'tlsVersion',
      'dtlsCipher',
      'srtpCipher',
      'localCertificateId',
      'remoteCertificateId',
      'selectedCandidatePairId',
    ])
      expect(one(closed, 'transport')[member], member).toBe(one(open, 'transport')[member]);
    expect(one(closed, 'transport')).toHaveProperty('tlsVersion', 'FEFD');
    // use_srtp is negotiated on every connection, as browsers do (RFC 5764), AEAD first.
    expect(one(closed, 'transport')).toHaveProperty('srtpCipher', 'SRTP_AEAD_AES_128_GCM');
    for (const type of ['candidate-pair', 'local-candidate', 'remote-candidate'])
      expect(ofType(closed, type).length, type).toBe(ofType(open, type).length);
    // webrtc-stats dataChannelsClosed: channels that left "open" because the transport
    // closed count too, so none is left open.
    expect(one(closed, 'peer-connection')).toMatchObject({
      dataChannelsOpened: 1,
      dataChannelsClosed: 1,
    });
    // Counters keep what they counted.
    expect(one(closed, 'transport').bytesSent as number).toBeGreaterThanOrEqual(
      one(open, 'transport').bytesSent as number,
    );
  });

  it('resolves on a connection closed before any negotiation', async () => {
    const w = world();
    w.a.close();
    await w.a.released;
    const report = await statsOf(w.a);
    expect(one(report, 'transport')).toMatchObject({ dtlsState: 'closed' });
    one(report, 'peer-connection');
  });
});
