/**
 * Test helper (not built): a minimal STUN server (RFC 8489 Binding) on a `Net`.
 */
import type { Net, UdpSocket } from '@x/transport';
import { StunAttr, StunClass, StunMethod } from './stun/constants.js';
import { decodeStun } from './stun/message.js';
import { StunWriter } from './stun/writer.js';

export async function startStunServer(net: Net, address: string, port = 3478): Promise<UdpSocket> {
  const socket: UdpSocket = await net.bindUdp({
    address,
    port,
    onMessage: (data, from) => {
      const m = decodeStun(data);
      if (m === undefined || m.method !== StunMethod.Binding || m.cls !== StunClass.Request) return;
      socket.send(
        new StunWriter(StunMethod.Binding, StunClass.SuccessResponse, m.transactionId)
          .addXorAddress(StunAttr.XorMappedAddress, from.address, from.port)
          .finish({ fingerprint: true }),
        from.port,
        from.address,
      );
    },
  });
  return socket;
}
