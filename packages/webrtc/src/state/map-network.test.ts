import { DtlsTransportState, IceTransportState } from '@x/network';
import { describe, expect, it } from 'vitest';
import { mapDtlsTransportState, mapIceTransportState } from './map-network.js';

const numericValues = (e: object): number[] =>
  Object.values(e).filter((v): v is number => typeof v === 'number');

describe('map-network', () => {
  it('maps every ICE transport state to its W3C string', () => {
    expect(numericValues(IceTransportState).map((v) => mapIceTransportState(v))).toEqual([
      'new',
      'checking',
      'connected',
      'completed',
      'disconnected',
      'failed',
      'closed',
    ]);
    expect(() => mapIceTransportState(0 as IceTransportState)).toThrow(
      /unknown ICE transport state 0/,
    );
  });

  it('maps every DTLS transport state to its W3C string', () => {
    expect(numericValues(DtlsTransportState).map((v) => mapDtlsTransportState(v))).toEqual([
      'new',
      'connecting',
      'connected',
      'closed',
      'failed',
    ]);
    expect(() => mapDtlsTransportState(9 as DtlsTransportState)).toThrow(
      /unknown DTLS transport state 9/,
    );
  });
});
