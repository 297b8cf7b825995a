/**
 * Test helper (not exported): an agent's shared session on a virtual clock, with bases whose
 * sockets record what is sent, for the unit tests of the agent's parts (checks, pairing,
 * nomination) without a network.
 */
import type { SocketAddress, UdpSocket, UdpSocketStats } from '@x/transport';
import { VirtualClock } from '@x/transport/testing';
import type { Candidate, CandidateType } from './candidate.js';
import type { CandidatePair, LocalBase } from './candidate-pair.js';
import type { AgentConfig } from './config.js';
import { candidatePriority } from './priority.js';
import { AgentSession } from './session.js';
import type { ConnectionState, StateCause } from './state.js';

/** A datagram a {@link RecordingSocket} was asked to send. */
export interface Sent {
  readonly data: Buffer;
  readonly port: number;
  readonly address: string;
}

/** A `UdpSocket` that keeps what it is asked to send. */
export class RecordingSocket implements UdpSocket {
  readonly sent: Sent[] = [];
  readonly localAddress: SocketAddress;
  closed = false;
  readonly stats: UdpSocketStats = {
    datagramsSent: 0,
    bytesSent: 0,
    datagramsReceived: 0,
    bytesReceived: 0,
    sendErrors: 0,
  };

  constructor(address: string, port: number) {
    this.localAddress = { address, port, family: address.includes(':') ? 'IPv6' : 'IPv4' };
  }

  send(data: Uint8Array, port: number, address: string): void {
    this.sent.push({ data: Buffer.from(data), port, address });
  }

  addMembership(): void {}

  dropMembership(): void {}

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** A UDP candidate of component 1. */
export function candidate(
  address: string,
  port: number,
  type: CandidateType = 'host',
  foundation = '1',
  localPref = 65535,
): Candidate {
  return {
    foundation,
    component: 1,
    transport: 'udp',
    priority: candidatePriority(type, localPref),
    address,
    port,
    type,
  };
}

/** A host base at `address:port` whose socket records. */
export function recordingBase(id: number, address: string, port: number): LocalBase {
  const socket = new RecordingSocket(address, port);
  return {
    id,
    socket,
    address,
    port,
    family: socket.localAddress.family,
    interfaceName: 'test0',
    host: candidate(address, port, 'host', `h${id}`),
  };
}

/**
 * Forms (in the session's check list) the pair of `base`'s host candidate and a remote host
 * candidate at `ip:port`; a higher `localPref` gives the remote, so the pair, a higher priority.
 */
export function hostPair(
  session: AgentSession,
  base: LocalBase,
  ip: string,
  port: number,
  foundation = 'r',
  localPref = 65535,
): CandidatePair {
  const remote = candidate(ip, port, 'host', foundation, localPref);
  return session.list.form(base, base.host, remote, ip, session.controlling, false)!;
}

/** What a session built by {@link testSession} saw. */
export interface SessionLog {
  readonly states: [ConnectionState, StateCause['kind']][];
  readonly announced: (Candidate | null)[];
}

/** A session on a virtual clock (controlling unless told), remote credentials set. */
export function testSession(config: Partial<AgentConfig> = {}): {
  session: AgentSession;
  clock: VirtualClock;
  seen: SessionLog;
} {
  const clock = new VirtualClock();
  const seen: SessionLog = { states: [], announced: [] };
  const session = new AgentSession(
    {
      clock,
      ufrag: 'LOCA',
      pwd: 'l'.repeat(22),
      onCandidate: (c) => seen.announced.push(c),
      ...config,
    },
    (state, cause) => seen.states.push([state, cause.kind]),
  );
  session.remote = { ufrag: 'REMO', pwd: 'r'.repeat(22) };
  return { session, clock, seen };
}
