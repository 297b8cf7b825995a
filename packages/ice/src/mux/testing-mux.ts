/**
 * Test helper (not built): a WAN with a server host (203.0.113.1) whose agents share one
 * {@link UdpMux}, clients on the WAN and behind one NAT, and the wiring of a client agent to a
 * server agent on the mux (in-process signalling, trickle).
 */
import { VirtualClock, VirtualNetwork } from '@x/transport/testing';
import { StunAttr, StunClass, StunMethod } from '../stun/constants.js';
import { StunWriter } from '../stun/writer.js';
import { ConnectionState as S } from '../state.js';
import { connectPair, type PairOptions, type Side } from '../testing-pair.js';
import { UdpMux } from './udp-mux.js';

export const MUX_PORT = 50_000;

/** The world of the mux tests; everything is closed by `cleanup`. */
export async function muxWorld(cleanup: (() => Promise<void>)[], seed = 7) {
  const clock = new VirtualClock();
  const world = new VirtualNetwork({ clock, seed });
  cleanup.push(() => world.close());
  const wan = world.addRouter({ name: 'wan', cidr: '203.0.113.0/24' });
  const home = world.addRouter({
    name: 'home',
    cidr: '192.168.1.0/24',
    parent: wan,
    publicIp: '203.0.113.100',
    nat: { mapping: 'endpoint-independent', filtering: 'address-and-port-dependent' },
  });
  const server = world.addHost({ name: 'server', router: wan, ip: '203.0.113.1' });
  const direct = world.addHost({ name: 'direct', router: wan, ip: '203.0.113.2' });
  const natted = world.addHost({ name: 'natted', router: home });
  const attacker = world.addHost({ name: 'attacker', router: wan, ip: '203.0.113.66' });
  const mux = await UdpMux.bind({ net: server, clock, port: MUX_PORT });
  cleanup.push(() => mux.close());
  return { clock, world, wan, home, server, direct, natted, attacker, mux };
}

/** A client agent (controlling, own sockets) and a server agent on `mux` (controlled). */
export async function connectToMux(
  o: Omit<PairOptions, 'netB'> & { readonly netB: PairOptions['netB']; readonly mux: UdpMux },
  cleanup: (() => Promise<void>)[],
): Promise<{ client: Side; server: Side }> {
  const { a, b } = await connectPair({ ...o, b: { udpMux: o.mux, ...o.b } });
  cleanup.push(async () => {
    await a.agent.close();
    await b.agent.close();
  });
  return { client: a, server: b };
}

/** True once both agents of every pair are completed. */
export function allCompleted(pairs: readonly { client: Side; server: Side }[]): boolean {
  return pairs.every(
    (p) => p.client.agent.state === S.Completed && p.server.agent.state === S.Completed,
  );
}

/** A Binding request as a peer's check: `USERNAME` `to:from`, signed with `pwd`. */
export function check(to: string, from: string, pwd: string): Buffer {
  return new StunWriter(StunMethod.Binding, StunClass.Request)
    .addString(StunAttr.Username, `${to}:${from}`)
    .addUint32(StunAttr.Priority, 1_845_501_695)
    .addUint64(StunAttr.IceControlling, 1n)
    .finish({ integrity: pwd, fingerprint: true });
}
