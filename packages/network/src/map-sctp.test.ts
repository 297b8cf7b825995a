import { type AssociationCause, AssociationState } from '@x/sctp';
import { describe, expect, it } from 'vitest';
import { mapSctpCause, mapSctpState } from './map-sctp.js';
import { describeCause, SctpTransportState } from './transport-state.js';

describe('map-sctp', () => {
  it('maps every association state to the W3C SCTP transport state', () => {
    const values = Object.values(AssociationState).filter(
      (v): v is number => typeof v === 'number',
    );
    expect(values.map((v) => [AssociationState[v], SctpTransportState[mapSctpState(v)]])).toEqual([
      ['New', 'Connecting'],
      ['Connecting', 'Connecting'],
      ['Connected', 'Connected'],
      // webrtc-pc: the transport stays "connected" until the association is shut down.
      ['ShuttingDown', 'Connected'],
      ['Closed', 'Closed'],
    ]);
    expect(() => mapSctpState(42 as AssociationState)).toThrow(/unknown SCTP association state 42/);
  });

  it('maps every cause kind, keeping its fields, and gives each a sentence', () => {
    const causes: AssociationCause[] = [
      { kind: 'connect-called' },
      { kind: 'established', by: 'cookie-ack' },
      { kind: 'shutdown-called' },
      { kind: 'shutdown-received' },
      { kind: 'shutdown-complete' },
      { kind: 'aborted-by-peer', causes: [{ code: 12, reason: 'bye' }, { code: 1 }] },
      { kind: 'aborted-locally', reason: 'DTLS closed' },
      { kind: 'too-many-retransmissions', timer: 'data', attempts: 11 },
      { kind: 'closed-by-user' },
    ];
    const mapped = causes.map(mapSctpCause);
    expect(mapped.map((c) => c.kind)).toEqual(causes.map((c) => c.kind));
    expect(mapped[5]).toEqual({ kind: 'aborted-by-peer', causes: [12, 1] });
    expect(mapped[6]).toEqual({ kind: 'aborted-locally', reason: 'DTLS closed' });
    expect(mapped[7]).toEqual({ kind: 'too-many-retransmissions', timer: 'data', attempts: 11 });
    for (const cause of mapped) expect(describeCause(cause)).toMatch(/\w/);
    expect(describeCause(mapped[5]!)).toBe('the peer aborted SCTP (causes 12, 1)');
    expect(() => mapSctpCause({ kind: 'nope' } as unknown as AssociationCause)).toThrow(
      /unknown SCTP cause/,
    );
  });
});
