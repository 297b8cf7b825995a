/**
 * Test helper (not built): a server agent on a {@link TcpMux} and a client agent whose only
 * path is one ICE-TCP connection to it. The agent has no active ICE-TCP side, so the client's
 * TCP connection is handed to it as a relayed base (`Agent.addRelayCandidate`), whose
 * datagrams go out as RFC 4571 frames: the client runs full ICE over the stream (checks,
 * nomination, consent), and the server side under test sees exactly what a browser's active
 * candidate sends. The server's passive candidate is signalled to the client as a UDP one of
 * the same address and port, so that it pairs with that base.
 */
import type { Clock, Net, SocketAddress, TcpSocket, UdpSocket } from '@x/transport';
import type { VirtualClock } from '@x/transport/testing';
import type { Candidate } from '../candidate.js';
import type { AgentConfig } from '../config.js';
import { makeSide, type Side } from '../testing-pair.js';
import { encodeFrame, FrameReader } from './framing.js';
import type { TcpMux } from './tcp-mux.js';

/** A client connected over TCP to a server agent on a mux. */
export interface TcpPair {
  readonly client: Side;
  readonly server: Side;
  /** The client's TCP connection (its only path). */
  readonly connection: TcpSocket;
}

export interface TcpPairOptions {
  readonly clock: VirtualClock;
  readonly clientNet: Net;
  readonly serverNet: Net;
  readonly mux: TcpMux;
  readonly client?: Partial<AgentConfig>;
  readonly server?: Partial<AgentConfig>;
}

/** Runs the virtual clock until `pending` settles (a TCP handshake needs it to move). */
export async function settle<T>(clock: VirtualClock, pending: Promise<T>): Promise<T> {
  let done = false;
  const mark = () => {
    done = true;
  };
  pending.then(mark, mark);
  await clock.runUntil(() => done, { timeoutMs: 10_000 });
  return pending;
}

/** Opens the client's TCP connection and wraps it as a `UdpSocket` sending frames. */
export async function framedConnection(
  net: Net,
  host: string,
  port: number,
  onFrame: (frame: Buffer, from: SocketAddress) => void,
): Promise<{ socket: UdpSocket; tcp: TcpSocket }> {
  const reader = new FrameReader();
  const from: SocketAddress = { address: host, port, family: host.includes(':') ? 'IPv6' : 'IPv4' };
  const tcp = await net.connectTcp(
    { host, port },
    {
      onData: (data) =>
        reader.push(data, (frame) => {
          onFrame(frame, from);
          return true;
        }),
      onClose: () => {},
    },
  );
  const stats = {
    datagramsSent: 0,
    bytesSent: 0,
    datagramsReceived: 0,
    bytesReceived: 0,
    sendErrors: 0,
  };
  const socket: UdpSocket = {
    get localAddress() {
      return tcp.localAddress;
    },
    get closed() {
      return tcp.closed;
    },
    stats,
    send: (data) => {
      stats.datagramsSent++;
      tcp.write(encodeFrame(data));
    },
    addMembership: () => {},
    dropMembership: () => {},
    close: () => tcp.close(),
  };
  return { socket, tcp };
}

/**
 * A server agent on `mux` (controlled) and a client (controlling) whose only path is a TCP
 * connection to the server's first passive candidate. Both gathered, credentials and
 * end-of-candidates exchanged; the caller runs the clock.
 */
export async function connectOverTcp(o: TcpPairOptions): Promise<TcpPair> {
  const clock: Clock = o.clock;
  // Signalling is done below by hand: the server learns the client from its checks.
  const server = makeSide(
    o.serverNet,
    clock,
    { controlling: false, tcpMux: o.mux, ...o.server },
    () => undefined,
  );
  const client = makeSide(
    o.clientNet,
    clock,
    { controlling: true, transportPolicy: 'relay', nominationWait: { relay: 0 }, ...o.client },
    () => undefined,
  );
  const sc = server.agent.localCredentials;
  const cc = client.agent.localCredentials;
  client.agent.setRemoteCredentials(sc.ufrag, sc.pwd);
  server.agent.setRemoteCredentials(cc.ufrag, cc.pwd);
  await server.agent.gather();
  const passive = server.agent.getLocalCandidates().find((c) => c.transport === 'tcp');
  if (passive === undefined) throw new Error('the server has no passive TCP candidate');
  let deliver: ((data: Buffer, from: SocketAddress) => void) | undefined;
  const { socket, tcp } = await settle(
    o.clock,
    framedConnection(o.clientNet, passive.address, passive.port, (f, from) => deliver?.(f, from)),
  );
  deliver = client.agent.addRelayCandidate({ socket, server: 'ice-tcp' });
  await client.agent.gather();
  const { tcpType: _, ...rest } = passive;
  const asUdp: Candidate = { ...rest, transport: 'udp' };
  client.agent.addRemoteCandidate(asUdp);
  client.agent.addRemoteCandidate(null);
  // What a browser signals for its active side (RFC 6544 §4.5: port 9).
  server.agent.addRemoteCandidate(
    `candidate:9 1 tcp 1518280447 ${tcp.localAddress.address} 9 typ host tcptype active`,
  );
  server.agent.addRemoteCandidate(null);
  return { client, server, connection: tcp };
}
