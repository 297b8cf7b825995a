// The Manager's media path over the virtual network and clock: SRTP keyed from DTLS on both
// sides, the generator called once per incoming stream with its MID, RTP and RTCP both ways,
// loss on the link, and nothing after close.
import {
  midExtension,
  parseRtp,
  type RtcpPacket,
  type RtpPacket,
  serializeRtcp,
  serializeRtp,
} from '@x/rtp';
import { afterEach, describe, expect, it } from 'vitest';
import { certificateFingerprints, generateCertificate } from '../manager.js';
import { DtlsTransportState, SctpTransportState } from '../transport-state.js';
import { managerPair, type Pair } from '../testing-managers.js';
import type { IncomingStream, MediaGenerator } from './media-types.js';

let pair: Pair | undefined;
afterEach(async () => {
  await pair?.close();
  await pair?.clock.runUntilIdle({ maxTimers: 10_000 }).catch(() => {});
  pair = undefined;
});

interface Received {
  readonly streams: IncomingStream[];
  readonly packets: RtpPacket[];
  readonly rtcp: RtcpPacket[];
  readonly generator: MediaGenerator;
}

function receiver(): Received {
  const r: Received = {
    streams: [],
    packets: [],
    rtcp: [],
    generator: (stream) => {
      r.streams.push(stream);
      return { onRtp: (p) => r.packets.push(p), onRtcp: (p) => r.rtcp.push(p) };
    },
  };
  return r;
}

const MID_ID = 9;
const audio = (seq: number): Buffer =>
  serializeRtp({
    payloadType: 111,
    sequenceNumber: seq & 0xffff,
    timestamp: seq * 960,
    ssrc: 0x1234_5678,
    payload: Buffer.from(`opus ${seq}`),
    extensions: [midExtension(MID_ID, '0')],
  });

async function connected(p: Pair): Promise<void> {
  await p.connect();
  const ok = await p.clock.runUntil(
    () =>
      p.offerer.manager.dtlsTransportState === DtlsTransportState.Connected &&
      p.answerer.manager.dtlsTransportState === DtlsTransportState.Connected,
    { timeoutMs: 5000 },
  );
  expect(ok).toBe(true);
}

describe('Manager media path', () => {
  it('keys SRTP from DTLS on both sides and hands the first packet of a stream to the generator, once', async () => {
    const got = receiver();
    const p = (pair = managerPair({ onMedia: { answerer: got.generator } }));
    expect(p.offerer.manager.mediaReady).toBe(false);
    expect(p.offerer.manager.sendRtp(audio(1))).toBe(false); // not keyed yet: nothing sent
    await connected(p);
    expect([p.offerer.manager.mediaReady, p.answerer.manager.mediaReady]).toEqual([true, true]);
    p.answerer.manager.setMediaRoutes({ extensionIds: { mid: MID_ID } });
    for (let seq = 1; seq <= 50; seq++) expect(p.offerer.manager.sendRtp(audio(seq))).toBe(true);
    await p.clock.runUntil(() => got.packets.length === 50, { timeoutMs: 1000 });
    expect(got.streams).toEqual([
      {
        ssrc: 0x1234_5678,
        payloadType: 111,
        mid: '0',
        rid: undefined,
        repairedRid: undefined,
        signaled: false,
      },
    ]);
    expect(got.packets.map((pk) => pk.sequenceNumber)).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    expect(Buffer.from(got.packets[49]!.payload).toString()).toBe('opus 50');
    expect(p.answerer.manager.mediaStats).toMatchObject({
      srtpProfile: 'AeadAes128Gcm',
      rtpReceived: 50,
      streams: 1,
      dropped: { unkeyed: 0, srtp: 0, malformed: 0 },
    });
  });

  it('carries RTCP both ways: an SR to the receiving stream, a PLI to the sender that registered its SSRC', async () => {
    const got = receiver();
    const p = (pair = managerPair({ onMedia: { answerer: got.generator } }));
    await connected(p);
    const feedback: RtcpPacket[] = [];
    p.offerer.manager.addSendStream(0x1234_5678, (pk) => feedback.push(pk));
    p.offerer.manager.sendRtp(audio(1));
    await p.clock.runUntil(() => got.packets.length === 1, { timeoutMs: 1000 });
    p.offerer.manager.sendRtcp(
      serializeRtcp([
        {
          kind: 'sr',
          ssrc: 0x1234_5678,
          ntpSeconds: 3_900_000_000,
          ntpFraction: 0,
          rtpTimestamp: 960,
          packetCount: 1,
          octetCount: 6,
          reports: [],
        },
      ]),
    );
    p.answerer.manager.sendRtcp(
      serializeRtcp([{ kind: 'pli', senderSsrc: 1, mediaSsrc: 0x1234_5678 }]),
    );
    await p.clock.runUntil(() => got.rtcp.length === 1 && feedback.length === 1, {
      timeoutMs: 1000,
    });
    expect(got.rtcp[0]).toMatchObject({ kind: 'sr', ssrc: 0x1234_5678, packetCount: 1 });
    expect(feedback[0]).toMatchObject({ kind: 'pli', mediaSsrc: 0x1234_5678 });
  });

  it('loses what the link loses and nothing else, in order, with the rollover counter across a wrap', async () => {
    const got = receiver();
    const p = (pair = managerPair({ seed: 5, onMedia: { answerer: got.generator } }));
    await connected(p);
    p.answerer.manager.setMediaRoutes({ extensionIds: { mid: MID_ID } });
    p.offerer.host.link.set({ delayMs: 5, lossRate: 0.1 });
    // Sequence numbers from 65000 across the 16-bit wrap (RFC 3711 §3.3.1 rollover counter).
    for (let seq = 65_000; seq < 66_000; seq++) {
      p.offerer.manager.sendRtp(audio(seq));
      await p.clock.advance(1);
    }
    await p.clock.advance(100);
    const seqs = got.packets.map((pk) => pk.sequenceNumber);
    expect(seqs.length).toBeGreaterThan(800);
    expect(seqs.length).toBeLessThan(1000);
    // Every packet that arrived decrypted (none refused by SRTP), including after the wrap.
    expect(p.answerer.manager.mediaStats.dropped.srtp).toBe(0);
    expect(seqs.some((s) => s < 1000)).toBe(true);
    expect(parseRtp(audio(65_535))).not.toBeTypeOf('string');
  });

  it('after close sends nothing and delivers nothing', async () => {
    const got = receiver();
    const p = (pair = managerPair({ onMedia: { answerer: got.generator } }));
    await connected(p);
    await p.answerer.manager.close();
    expect(p.answerer.manager.sendRtp(audio(1))).toBe(false);
    p.offerer.manager.sendRtp(audio(1));
    await p.clock.advance(50);
    expect(got.streams).toEqual([]);
  });

  it('a DTLS restart (the peer is back with a new certificate, after an ICE restart) keys SRTP again, and the streams keep their sinks', async () => {
    const atOfferer = receiver();
    const p = (pair = managerPair({ onMedia: { offerer: atOfferer.generator } }));
    await connected(p);
    const a = p.offerer.manager;
    a.setMediaRoutes({ extensionIds: { mid: MID_ID } });
    for (let seq = 1; seq <= 10; seq++) expect(p.answerer.manager.sendRtp(audio(seq))).toBe(true);
    await p.clock.runUntil(() => atOfferer.packets.length === 10, { timeoutMs: 1000 });
    const profile = a.mediaStats.srtpProfile;
    expect(profile).toBeDefined();
    const eventsBefore = p.offerer.events.length;

    // The answering process restarts: new certificate, new port, new ICE credentials. The
    // offerer restarts ICE and takes the new parameters: a new DTLS association.
    const atAnswerer = receiver();
    const b = (await p.replaceAnswerer(atAnswerer.generator)).manager;
    b.setMediaRoutes({ extensionIds: { mid: MID_ID } });
    const credentials = { ufrag: 'rst1', pwd: 'restartPasswordOf22Chars' };
    b.start({ ...a.localParameters, ...credentials, dtlsRole: 'client', maxMessageSize: 262_144 });
    a.beginIceGeneration(credentials);
    // Before an ICE restart, another fingerprint is refused, changing nothing.
    const restarted = {
      ...b.localParameters,
      dtlsRole: 'server' as const,
      maxMessageSize: 262_144,
    };
    a.start(restarted);
    // The old keys are gone: nothing is sent until the new association keys SRTP again.
    expect(a.mediaReady).toBe(false);
    expect(a.sendRtp(audio(100))).toBe(false);
    await b.gather();
    expect(
      await p.clock.runUntil(
        () =>
          a.dtlsTransportState === DtlsTransportState.Connected &&
          b.dtlsTransportState === DtlsTransportState.Connected &&
          a.sctpTransportState === SctpTransportState.Connected,
        { timeoutMs: 10_000 },
      ),
    ).toBe(true);
    expect(a.mediaReady).toBe(true);
    expect(a.mediaStats.srtpProfile).toBe(profile);

    // The same SSRC from the new process: the offerer's sink of the first stream gets it (the
    // generator is not asked again); the other way, the new process hears the offerer.
    for (let seq = 11; seq <= 20; seq++) expect(b.sendRtp(audio(seq))).toBe(true);
    for (let seq = 1; seq <= 5; seq++) expect(a.sendRtp(audio(seq))).toBe(true);
    await p.clock.runUntil(
      () => atOfferer.packets.length === 20 && atAnswerer.packets.length === 5,
      { timeoutMs: 1000 },
    );
    expect(atOfferer.streams).toHaveLength(1);
    expect(atOfferer.packets.map((pk) => pk.sequenceNumber)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    expect(a.mediaStats.dropped.srtp).toBe(0);
    expect(atAnswerer.streams.map((st) => st.ssrc)).toEqual([0x1234_5678]);

    // The offerer's timeline: SCTP of the old association closed with its reason, DTLS and
    // SCTP up again on the new one.
    const after = p.timeline({ ...p.offerer, events: p.offerer.events.slice(eventsBefore) });
    expect(after.filter((line) => !line.startsWith('ice:'))).toEqual([
      `sctp:${SctpTransportState.Closed} SCTP aborted: a new DTLS association replaced this one`,
      `dtls:${DtlsTransportState.Connecting} DTLS handshake started`,
      expect.stringMatching(
        new RegExp(`^dtls:${DtlsTransportState.Connected} DTLS handshake complete \\(`),
      ),
      `sctp:${SctpTransportState.Connecting} SCTP association started`,
      `sctp:${SctpTransportState.Connected} SCTP association established`,
    ]);
  });

  it('refuses another DTLS fingerprint without an ICE restart, changing nothing', async () => {
    const p = (pair = managerPair());
    await connected(p);
    const a = p.offerer.manager;
    const other = generateCertificate();
    const current = { ...p.answerer.manager.localParameters, dtlsRole: 'server' as const };
    expect(() => a.start({ ...current, fingerprints: certificateFingerprints(other) })).toThrow(
      /fingerprint changed without an ICE restart/,
    );
    expect(a.dtlsTransportState).toBe(DtlsTransportState.Connected);
    expect(a.mediaReady).toBe(true);
    // The same fingerprints in another case and order are the same certificate.
    a.start({
      ...current,
      fingerprints: current.fingerprints.map((f) => ({ ...f, value: f.value.toLowerCase() })),
    });
    expect(a.dtlsTransportState).toBe(DtlsTransportState.Connected);
  });
});
