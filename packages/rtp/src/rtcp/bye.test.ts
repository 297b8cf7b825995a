import { describe, expect, it } from 'vitest';
import { RtpConfigurationError } from '../errors.js';
import { parseApp, type RtcpApp } from './app.js';
import { parseBye, type RtcpBye } from './bye.js';
import { serializeRtcp } from './compound.js';

describe('BYE (RFC 3550 §6.6)', () => {
  it('writes sources and a reason padded to 32 bits', () => {
    const p: RtcpBye = { kind: 'bye', ssrcs: [0x902f9e2e], reason: 'bye' };
    expect(serializeRtcp(p).toString('hex')).toBe('81cb0002' + '902f9e2e' + '03627965');
    expect(serializeRtcp({ kind: 'bye', ssrcs: [1, 2] }).toString('hex')).toBe(
      '82cb00020000000100000002',
    );
    expect(serializeRtcp({ kind: 'bye', ssrcs: [], reason: '' }).toString('hex')).toBe(
      '80cb000100000000',
    );
  });

  it('round-trips 0 to 31 sources, with and without a reason up to 255 bytes', () => {
    for (const p of [
      { kind: 'bye', ssrcs: [] },
      { kind: 'bye', ssrcs: Array.from({ length: 31 }, (_, i) => 0xffffffff - i) },
      { kind: 'bye', ssrcs: [5], reason: 'camera off — à bientôt' },
      { kind: 'bye', ssrcs: [5], reason: 'r'.repeat(255) },
    ] satisfies RtcpBye[]) {
      expect(parseBye(serializeRtcp(p))).toEqual(p);
    }
  });

  it('refuses a reason or a source list past the end', () => {
    expect(parseBye(Buffer.from('81cb000100000001', 'hex'))).toEqual({ kind: 'bye', ssrcs: [1] });
    expect(parseBye(Buffer.from('82cb000100000001', 'hex'))).toBe('truncated');
    expect(parseBye(Buffer.from('81cb00020000000105616263', 'hex'))).toBe('truncated');
  });

  it('throws for a reason over 255 bytes and 32 sources', () => {
    expect(() => serializeRtcp({ kind: 'bye', ssrcs: [1], reason: 'x'.repeat(256) })).toThrow(
      RtpConfigurationError,
    );
    expect(() => serializeRtcp({ kind: 'bye', ssrcs: new Array(32).fill(1) })).toThrow(
      RtpConfigurationError,
    );
  });
});

describe('APP (RFC 3550 §6.7)', () => {
  const app: RtcpApp = {
    kind: 'app',
    subtype: 31,
    ssrc: 0x4baae1ab,
    name: 'NAME',
    data: Buffer.from('ABCD'),
  };

  it('writes subtype, SSRC, name and data', () => {
    expect(serializeRtcp(app).toString('hex')).toBe('9fcc00034baae1ab4e414d4541424344');
    expect(parseApp(serializeRtcp(app))).toEqual(app);
    expect(parseApp(serializeRtcp({ ...app, subtype: 0, data: Buffer.alloc(0) }))).toEqual({
      ...app,
      subtype: 0,
      data: Buffer.alloc(0),
    });
  });

  it('refuses a packet without a name and throws for bad fields', () => {
    expect(parseApp(Buffer.from('80cc000100000001', 'hex'))).toBe('truncated');
    expect(() => serializeRtcp({ ...app, name: 'LONGER' })).toThrow(RtpConfigurationError);
    expect(() => serializeRtcp({ ...app, subtype: 32 })).toThrow(RtpConfigurationError);
    // Data that is not whole words is written zero-padded (RFC 3550 §6.7: a multiple of 32 bits).
    expect(
      serializeRtcp({ ...app, data: Uint8Array.of(1, 2) })
        .subarray(12)
        .toString('hex'),
    ).toBe('01020000');
    expect(
      serializeRtcp({ ...app, name: 'ÿÿÿÿ' })
        .subarray(8, 12)
        .toString('hex'),
    ).toBe('ffffffff');
  });
});
