import { type Association, AssociationState } from '@x/sctp';
import { describe, expect, it } from 'vitest';
import { ChannelTable } from './channels.js';
import { OperationError } from './errors.js';

/** An association that is up with `streams` streams each way and records what is sent. */
function association(streams: number): Association & { sent: number[] } {
  const sent: number[] = [];
  return {
    sent,
    state: AssociationState.Connected,
    streamCount: streams,
    send: (id: number) => void sent.push(id),
    resetStreams: () => {},
    bufferedAmount: () => 0,
    setBufferedAmountLowThreshold: () => {},
  } as unknown as Association & { sent: number[] };
}

describe('channels and the streams the association negotiated (RFC 8831 §6.2)', () => {
  it('closes a channel whose id is not below the stream count when the association comes up', () => {
    const table = new ChannelTable(() => {});
    const low = table.create({ label: 'low', negotiated: true, id: 3 });
    const high = table.create({ label: 'high', negotiated: true, id: 8 });
    const inBand = table.create({ label: 'in-band' });
    let error: Error | undefined;
    high.handlers = { onClose: (e) => void (error = e) };
    table.setRole('client');
    const a = association(8);
    table.attach(a);
    expect([low.state, high.state, inBand.state]).toEqual(['open', 'closed', 'connecting']);
    expect(error).toBeInstanceOf(OperationError);
    // The in-band channel's DATA_CHANNEL_OPEN went out on its (even, client) stream.
    expect(a.sent).toEqual([inBand.id]);
    expect(inBand.id! % 2).toBe(0);
  });

  it('refuses, once up, an id not below the stream count with OperationError', () => {
    const table = new ChannelTable(() => {});
    table.setRole('server');
    table.attach(association(4));
    expect(() => table.create({ label: 'x', negotiated: true, id: 4 })).toThrow(OperationError);
    // The id is not kept: a lower one is still free, and 4 is free again.
    expect(table.create({ label: 'y', negotiated: true, id: 2 }).state).toBe('open');
    const inBand = [1, 3].map((n) => table.create({ label: `in-band ${n}` }).id);
    expect(inBand).toEqual([1, 3]);
    // No odd stream is left below 4 for the server.
    expect(() => table.create({ label: 'none left' })).toThrow(OperationError);
  });
});
