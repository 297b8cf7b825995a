// The W3C derivations as tables: every row of each, and the first-row-wins order.
import { describe, expect, it } from 'vitest';
import { deriveConnectionState, deriveIceConnectionState } from './derive.js';
import {
  iceConnectionStateName,
  peerConnectionStateName,
  RTCIceConnectionStateCode as Ice,
  type RTCIceTransportState,
  RTCPeerConnectionStateCode as Pc,
  type RTCDtlsTransportState,
} from './states.js';

describe('deriveIceConnectionState (webrtc-pc "update the ICE connection state")', () => {
  const table: [string, boolean, RTCIceTransportState[], Ice][] = [
    ['closed wins over everything', true, ['failed', 'disconnected'], Ice.Closed],
    ['no transports: new', false, [], Ice.New],
    ['one new', false, ['new'], Ice.New],
    ['new and closed', false, ['new', 'closed'], Ice.New],
    ['all closed', false, ['closed', 'closed'], Ice.New],
    ['checking', false, ['checking'], Ice.Checking],
    ['new and connected: checking', false, ['new', 'connected'], Ice.Checking],
    ['checking and completed: checking', false, ['checking', 'completed'], Ice.Checking],
    ['connected', false, ['connected'], Ice.Connected],
    ['connected and completed: connected', false, ['connected', 'completed'], Ice.Connected],
    ['connected and closed', false, ['connected', 'closed'], Ice.Connected],
    ['completed', false, ['completed'], Ice.Completed],
    ['completed and closed', false, ['completed', 'closed'], Ice.Completed],
    ['disconnected', false, ['disconnected'], Ice.Disconnected],
    ['disconnected beats checking', false, ['checking', 'disconnected'], Ice.Disconnected],
    ['failed', false, ['failed'], Ice.Failed],
    ['failed beats disconnected', false, ['disconnected', 'failed', 'connected'], Ice.Failed],
  ];
  it.each(table)('%s', (_label, closed, transports, expected) => {
    expect(iceConnectionStateName(deriveIceConnectionState(closed, transports))).toBe(
      iceConnectionStateName(expected),
    );
  });
});

describe('deriveConnectionState (webrtc-pc "update the connection state")', () => {
  const table: [string, boolean, Ice, RTCDtlsTransportState[], Pc][] = [
    ['closed wins', true, Ice.Failed, ['failed'], Pc.Closed],
    ['no transports', false, Ice.New, [], Pc.New],
    ['ice new, dtls new', false, Ice.New, ['new'], Pc.New],
    ['ice new, dtls closed', false, Ice.New, ['closed'], Pc.New],
    ['ice checking, dtls new', false, Ice.Checking, ['new'], Pc.Connecting],
    [
      'ice connected, dtls new (handshake not started)',
      false,
      Ice.Connected,
      ['new'],
      Pc.Connecting,
    ],
    ['ice connected, dtls connecting', false, Ice.Connected, ['connecting'], Pc.Connecting],
    [
      'ice new, dtls connecting (after an ICE restart)',
      false,
      Ice.New,
      ['connecting'],
      Pc.Connecting,
    ],
    ['ice connected, dtls connected', false, Ice.Connected, ['connected'], Pc.Connected],
    ['ice completed, dtls connected', false, Ice.Completed, ['connected'], Pc.Connected],
    [
      'ice completed, dtls connected and closed',
      false,
      Ice.Completed,
      ['connected', 'closed'],
      Pc.Connected,
    ],
    ['ice disconnected, dtls connected', false, Ice.Disconnected, ['connected'], Pc.Disconnected],
    ['ice failed', false, Ice.Failed, ['connected'], Pc.Failed],
    ['dtls failed while ice connected', false, Ice.Connected, ['failed'], Pc.Failed],
    ['dtls failed beats ice disconnected', false, Ice.Disconnected, ['failed'], Pc.Failed],
    [
      'ice checking, dtls connected (after a restart)',
      false,
      Ice.Checking,
      ['connected'],
      Pc.Connecting,
    ],
  ];
  it.each(table)('%s', (_label, closed, ice, dtls, expected) => {
    expect(peerConnectionStateName(deriveConnectionState(closed, ice, dtls))).toBe(
      peerConnectionStateName(expected),
    );
  });

  it('reaches every RTCPeerConnectionState', () => {
    const reached = new Set(table.map((row) => row[4]));
    expect([...reached].sort()).toEqual(
      [Pc.New, Pc.Connecting, Pc.Connected, Pc.Disconnected, Pc.Failed, Pc.Closed].sort(),
    );
  });

  it('numbers the W3C enums in the specification order, unlike the ICE layer', () => {
    expect(Ice.Disconnected).toBe(5);
    expect(Pc.Disconnected).toBe(4);
    expect(peerConnectionStateName(Pc.Disconnected)).toBe('disconnected');
  });
});
