import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RtpError } from '../errors.js';
import { readHexFixture, seededRandom } from '../packet/testing-fixtures.js';
import { parseApp } from './app.js';
import { parseBye } from './bye.js';
import { parseRtcp, serializeRtcp } from './compound.js';
import { parseFir } from './fir.js';
import { nackSequenceNumbers, parseNack } from './nack.js';
import { parsePli } from './pli.js';
import { parseReceiverReport } from './receiver-report.js';
import { parseRemb } from './remb.js';
import type { RtcpPacket } from './rtcp-packet.js';
import { parseSdes } from './sdes.js';
import { parseSenderReport } from './sender-report.js';
import { parseTwcc } from './twcc.js';
import { buildTwccFeedback } from './twcc-builder.js';
import { parseXr } from './xr.js';

const typed = [
  parseSenderReport,
  parseReceiverReport,
  parseSdes,
  parseBye,
  parseApp,
  parseNack,
  parsePli,
  parseFir,
  parseRemb,
  parseTwcc,
  parseXr,
];

/** Seed packets: every fixture and one packet of each kind this package writes. */
function corpus(): Uint8Array[] {
  const dir = new URL('./fixtures/', import.meta.url);
  const files = readdirSync(dir).filter((f) => f.endsWith('.hex'));
  const block = {
    ssrc: 1,
    fractionLost: 2,
    cumulativeLost: -3,
    highestSequenceNumber: 4,
    jitter: 5,
    lastSenderReport: 6,
    delaySinceLastSenderReport: 7,
  };
  const packets: RtcpPacket[] = [
    {
      kind: 'sr',
      ssrc: 1,
      ntpSeconds: 2,
      ntpFraction: 3,
      rtpTimestamp: 4,
      packetCount: 5,
      octetCount: 6,
      reports: [block, block],
    },
    { kind: 'rr', ssrc: 1, reports: [block] },
    {
      kind: 'sdes',
      chunks: [
        {
          ssrc: 1,
          items: [
            { type: 1, text: 'cname' },
            { type: 6, text: 'tool' },
          ],
        },
        { ssrc: 2, items: [] },
      ],
    },
    { kind: 'bye', ssrcs: [1, 2], reason: 'gone' },
    { kind: 'app', subtype: 3, ssrc: 1, name: 'TEST', data: new Uint8Array(8) },
    {
      kind: 'nack',
      senderSsrc: 1,
      mediaSsrc: 2,
      items: [
        { pid: 65535, blp: 0xf0f0 },
        { pid: 100, blp: 1 },
      ],
    },
    { kind: 'pli', senderSsrc: 1, mediaSsrc: 2 },
    { kind: 'fir', senderSsrc: 1, mediaSsrc: 0, entries: [{ ssrc: 2, sequenceNumber: 3 }] },
    { kind: 'remb', senderSsrc: 1, mediaSsrc: 0, bitrate: 1_500_000, ssrcs: [2, 3] },
    ...buildTwccFeedback(
      Array.from({ length: 40 }, (_, i) => ({
        sequenceNumber: (65520 + i * 2) & 0xffff,
        arrivalTimeUs: i * 3_000 + (i % 7 === 0 ? 90_000 : 0),
      })),
      { senderSsrc: 1, feedbackPacketCount: 9 },
    ),
    {
      kind: 'xr',
      ssrc: 1,
      blocks: [
        { type: 'rrtr', ntpSeconds: 1, ntpFraction: 2 },
        {
          type: 'dlrr',
          items: [{ ssrc: 1, lastReceiverReport: 2, delaySinceLastReceiverReport: 3 }],
        },
      ],
    },
  ];
  return [
    ...files.map((f) => readHexFixture(dir, f)),
    ...packets.map((p) => serializeRtcp(p)),
    serializeRtcp(packets),
  ];
}

describe('fuzz', () => {
  it('parses 1 000 000 mutated datagrams (compound and every typed parse) without a throw', () => {
    const rand = seededRandom(0xc0ffee);
    const r = (n: number): number => Math.floor(rand() * n);
    const seeds = corpus();
    const N = Number(process.env.FUZZ_N ?? 1_000_000);
    const scratch = new Uint8Array(4096);
    const types = [200, 201, 202, 203, 204, 205, 206, 207];
    let packets = 0;
    let refusedToSerialize = 0;
    let sink = 0;
    const started = performance.now();
    for (let i = 0; i < N; i++) {
      const seed = seeds[r(seeds.length)]!;
      scratch.set(seed);
      let len = seed.length;
      const edits = 1 + r(4);
      for (let k = 0; k < edits; k++) {
        switch (r(7)) {
          case 0:
            len = r(len + 1);
            break;
          case 1: // V, P, count/FMT of the first packet
            scratch[0] = r(256);
            break;
          case 2: // packet type: another decoder reads this body
            scratch[1] = types[r(types.length)]!;
            scratch[0] = (scratch[0]! & 0xe0) | [0, 1, 4, 5, 15][r(5)]!;
            break;
          case 3: // length field
            scratch[2] = r(2) ? 0 : r(256);
            scratch[3] = r(256);
            break;
          case 4: // append garbage
            for (let n = r(40); n > 0 && len < scratch.length; n--) scratch[len++] = r(256);
            break;
          default:
            if (len) scratch[r(len)] = r(256);
        }
      }
      const buf = scratch.subarray(0, len);
      for (const parse of typed) {
        const p = parse(buf);
        if (typeof p !== 'string') sink++;
      }
      const out = parseRtcp(buf);
      if (typeof out === 'string') continue;
      packets += out.length;
      for (const p of out) if (p.kind === 'nack') sink += nackSequenceNumbers(p.items).length;
      try {
        const again = parseRtcp(serializeRtcp(out));
        if (typeof again === 'string') throw new Error(`re-serialized compound refused: ${again}`);
      } catch (e) {
        // Only SDES or BYE text that was not valid UTF-8 may grow past 255 bytes when written back.
        if (!RtpError.isInstance(e)) throw e;
        refusedToSerialize++;
      }
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `rtcp fuzz: ${N} inputs, ${packets} packets decoded, ${refusedToSerialize} not re-serializable, ${Math.round(N / seconds)} inputs/s (${sink > 0})`,
    );
    expect(packets).toBeGreaterThan(N / 10);
    expect(refusedToSerialize).toBeLessThan(N / 100);
  }, 60_000);
});
