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
import { DtlsTransportState } from '../transport-state.js';
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
});
