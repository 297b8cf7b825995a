import { describe, expect, it } from 'vitest';
import { Ppid } from './constants.js';
import { StreamIdError } from './errors.js';
import { DcepEndpoint } from './endpoint.js';
import { decodeDcepMessage, encodeDcepMessage, openFromParameters } from './message.js';

const ACK = Uint8Array.of(2);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('DcepEndpoint', () => {
  it('runs the OPEN/ACK handshake between a DTLS client and server', () => {
    const client = new DcepEndpoint('client');
    const server = new DcepEndpoint('server');
    const { id, send } = client.open({
      label: 'chat',
      protocol: 'p',
      ordered: false,
      maxRetransmits: 2,
    });
    expect(id).toBe(0);
    expect(client.channel(0)?.state).toBe('opening');
    if (send === undefined) throw new Error('an in-band channel sends an OPEN');
    const atServer = server.receive(id, Ppid.Dcep, send);
    expect(atServer).toMatchObject({
      kind: 'channel-open',
      id: 0,
      open: { label: 'chat', protocol: 'p', channelType: 0x81, reliabilityParameter: 2 },
    });
    if (atServer.kind !== 'channel-open') return;
    expect(decodeDcepMessage(atServer.reply)).toEqual({ type: 'ack' });
    expect(server.channel(0)).toMatchObject({ state: 'open', local: false, negotiated: false });
    expect(client.receive(0, Ppid.Dcep, atServer.reply)).toEqual({ kind: 'channel-acked', id: 0 });
    expect(client.channel(0)?.state).toBe('open');
    // The server's own channels take odd ids.
    expect(server.open({ label: 'back' }).id).toBe(1);
  });

  it('delivers user messages by PPID, with the empty-message PPIDs (RFC 8831 §6.6)', () => {
    const server = new DcepEndpoint('server');
    server.receive(2, Ppid.Dcep, encodeDcepMessage(openFromParameters({ label: 'x' })));
    expect(server.receive(2, Ppid.String, text('hi'))).toMatchObject({
      kind: 'message',
      binary: false,
      payload: text('hi'),
      acked: false,
    });
    expect(server.receive(2, Ppid.Binary, Uint8Array.of(1, 2))).toMatchObject({ binary: true });
    const emptyString = server.receive(2, Ppid.StringEmpty, Uint8Array.of(0));
    expect(emptyString).toMatchObject({ kind: 'message', binary: false });
    if (emptyString.kind === 'message') expect(emptyString.payload.length).toBe(0);
    const emptyBinary = server.receive(2, Ppid.BinaryEmpty, Uint8Array.of(0));
    if (emptyBinary.kind !== 'message') throw new Error('expected a message');
    expect(emptyBinary.binary).toBe(true);
    expect(emptyBinary.payload.length).toBe(0);
  });

  it('drops and counts what it cannot use', () => {
    const ep = new DcepEndpoint('client');
    expect(ep.receive(5, Ppid.String, text('x'))).toMatchObject({
      kind: 'dropped',
      reason: 'unknown-stream',
    });
    expect(ep.receive(5, Ppid.Dcep, ACK)).toMatchObject({
      kind: 'dropped',
      reason: 'unexpected-ack',
    });
    ep.receive(5, Ppid.Dcep, encodeDcepMessage(openFromParameters({})));
    expect(ep.receive(5, Ppid.StringPartial, text('x'))).toMatchObject({
      reason: 'deprecated-ppid',
    });
    expect(ep.receive(5, Ppid.BinaryPartial, text('x'))).toMatchObject({
      reason: 'deprecated-ppid',
    });
    expect(ep.receive(5, 99, text('x'))).toMatchObject({ reason: 'unknown-ppid' });
    expect(ep.receive(5, Ppid.Dcep, ACK)).toMatchObject({ reason: 'unexpected-ack' });
    expect(ep.receive(5, Ppid.Dcep, Uint8Array.of(9))).toMatchObject({ reason: 'malformed' });
    expect(ep.receive(-1, Ppid.String, text('x'))).toMatchObject({ reason: 'unknown-stream' });
    expect(ep.receive(65535, Ppid.Dcep, ACK)).toMatchObject({ reason: 'unknown-stream' });
    expect(Object.fromEntries(ep.dropped)).toEqual({
      'unknown-stream': 3,
      'unexpected-ack': 2,
      'deprecated-ppid': 2,
      'unknown-ppid': 1,
      malformed: 1,
    });
  });

  it('rejects an OPEN on a used stream, of its own parity, or malformed (RFC 8832 §6)', () => {
    const ep = new DcepEndpoint('client', { maxStreams: 100 });
    const open = encodeDcepMessage(openFromParameters({ label: 'a' }));
    expect(ep.receive(1, Ppid.Dcep, open).kind).toBe('channel-open');
    expect(ep.receive(1, Ppid.Dcep, open)).toMatchObject({ kind: 'reject', reason: /in use/ });
    expect(ep.receive(4, Ppid.Dcep, open)).toMatchObject({ kind: 'reject', reason: /parity/ });
    expect(ep.receive(101, Ppid.Dcep, open)).toMatchObject({ kind: 'reject', reason: /beyond/ });
    expect(ep.receive(3, Ppid.Dcep, Uint8Array.of(3, 9))).toMatchObject({ kind: 'reject' });
    expect(ep.channel(3)).toBeUndefined();
    expect(ep.dropped.get('rejected-open')).toBe(4);
    // The rejected stream stays usable for a later, valid OPEN.
    expect(ep.receive(3, Ppid.Dcep, open).kind).toBe('channel-open');
  });

  it('treats user data before the ACK as an acknowledgement; a late ACK is dropped', () => {
    const ep = new DcepEndpoint('server');
    const { id } = ep.open({ ordered: false });
    expect(ep.receive(id, Ppid.Binary, Uint8Array.of(7))).toMatchObject({
      kind: 'message',
      acked: true,
    });
    expect(ep.channel(id)?.state).toBe('open');
    expect(ep.receive(id, Ppid.Binary, Uint8Array.of(7))).toMatchObject({ acked: false });
    expect(ep.receive(id, Ppid.Dcep, ACK)).toMatchObject({ kind: 'dropped', reason: 'late-ack' });
  });

  it('opens negotiated channels without DCEP, on the given id of either parity', () => {
    const ep = new DcepEndpoint('client');
    const a = ep.open({ label: 'n' }, { negotiated: true, id: 7 });
    expect(a).toEqual({ id: 7, send: undefined });
    expect(ep.channel(7)).toMatchObject({ state: 'open', negotiated: true, local: true });
    expect(() => ep.open({}, { negotiated: true })).toThrow(StreamIdError);
    expect(() => ep.open({}, { negotiated: true, id: 7 })).toThrow(/in use/);
    expect(ep.receive(7, Ppid.Dcep, ACK)).toMatchObject({ reason: 'unexpected-ack' });
    expect(ep.receive(7, Ppid.String, text('x'))).toMatchObject({ kind: 'message', acked: false });
    // An in-band channel asked for on an explicit id.
    expect(ep.open({}, { id: 10 }).id).toBe(10);
  });

  it('frees an id only after the stream reset, then reuses it', () => {
    const ep = new DcepEndpoint('client');
    expect(ep.open({}).id).toBe(0);
    expect(ep.open({}).id).toBe(2);
    expect(ep.close(0)).toBe(true);
    expect(ep.close(0)).toBe(false);
    expect(ep.close(40)).toBe(false);
    expect(ep.channel(0)?.state).toBe('closing');
    expect(ep.open({}).id).toBe(4);
    expect(ep.streamReset(0)?.id).toBe(0);
    expect(ep.channel(0)).toBeUndefined();
    expect(ep.streamReset(0)).toBeUndefined();
    expect(ep.open({}).id).toBe(0);
    expect([...ep.channels()].map((c) => c.id)).toEqual([2, 4, 0]);
  });

  it('throws OperationError-worthy StreamIdError when the ids run out', () => {
    const ep = new DcepEndpoint('server', { maxStreams: 4 });
    expect(ep.open({}).id).toBe(1);
    expect(ep.open({}).id).toBe(3);
    expect(() => ep.open({})).toThrow(StreamIdError);
    expect(ep.role).toBe('server');
  });
});
