import { describe, expect, it } from 'vitest';
import { StunClass, StunMethod } from '../stun/constants.js';
import { StunWriter } from '../stun/writer.js';
import {
  channelDataNumber,
  channelDataPayload,
  encodeChannelData,
  isChannelData,
} from './channel-data.js';
import { StreamFramer } from './stream-framer.js';

describe('ChannelData (RFC 8656 §12.4)', () => {
  it('encodes, pads over streams only, and decodes', () => {
    const udp = encodeChannelData(0x4001, Buffer.from('abcde'), false);
    expect(udp.toString('hex')).toBe('400100056162636465');
    const tcp = encodeChannelData(0x4001, Buffer.from('abcde'), true);
    expect(tcp.toString('hex')).toBe('400100056162636465000000');
    for (const m of [udp, tcp]) {
      expect(isChannelData(m)).toBe(true);
      expect(channelDataNumber(m)).toBe(0x4001);
      expect(channelDataPayload(m).toString()).toBe('abcde');
    }
  });

  it('rejects a channel outside 0x4000-0x4FFF and a length past the datagram', () => {
    expect(channelDataNumber(Buffer.from('500100016100', 'hex'))).toBe(-1);
    expect(channelDataNumber(Buffer.from('40010009616263', 'hex'))).toBe(-1);
    expect(channelDataNumber(Buffer.from('4001', 'hex'))).toBe(-1);
  });
});

describe('StreamFramer (RFC 8656 §12.5)', () => {
  const stun = new StunWriter(StunMethod.Allocate, StunClass.Request)
    .addUint32(0x19, 17 << 24)
    .finish();
  const cd1 = encodeChannelData(0x4000, Buffer.from('x'), true);
  const cd2 = encodeChannelData(0x4fff, Buffer.alloc(1000, 7), true);
  const stream = Buffer.concat([stun, cd1, cd2, stun]);

  it('splits a stream cut at every possible point into the same messages', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const frames: string[] = [];
      const f = new StreamFramer(
        (m) => frames.push(m.toString('hex')),
        () => frames.push('desync'),
      );
      f.push(stream.subarray(0, cut));
      f.push(stream.subarray(cut));
      expect(frames).toEqual([stun, cd1, cd2, stun].map((b) => b.toString('hex')));
      expect(f.buffered).toBe(0);
    }
  });

  it('feeds byte by byte', () => {
    const frames: Buffer[] = [];
    const f = new StreamFramer(
      (m) => frames.push(Buffer.from(m)),
      () => {},
    );
    for (const b of stream) f.push(Buffer.from([b]));
    expect(Buffer.concat(frames)).toEqual(stream);
  });

  it('reports a desync once and ignores everything after it', () => {
    let desyncs = 0;
    const frames: Buffer[] = [];
    const f = new StreamFramer(
      (m) => frames.push(m),
      () => desyncs++,
    );
    f.push(Buffer.concat([cd1, Buffer.from('16030100a5010000a103', 'hex')]));
    f.push(stun);
    expect(frames).toHaveLength(1);
    expect(desyncs).toBe(1);
  });

  it('reports a bad cookie split across chunks as a desync, once', () => {
    let desyncs = 0;
    const frames: Buffer[] = [];
    const f = new StreamFramer(
      (m) => frames.push(m),
      () => desyncs++,
    );
    const bad = Buffer.from(stun);
    bad.writeUInt32BE(0xdeadbeef, 4);
    f.push(Buffer.concat([cd1, bad.subarray(0, 6)]));
    f.push(bad.subarray(6));
    f.push(stun);
    expect(frames).toHaveLength(1);
    expect(desyncs).toBe(1);
  });

  it('reports a STUN-looking header without the magic cookie as a desync', () => {
    let desyncs = 0;
    const f = new StreamFramer(
      () => {},
      () => desyncs++,
    );
    f.push(Buffer.from('000100080000000000000000', 'hex'));
    expect(desyncs).toBe(1);
  });
});
