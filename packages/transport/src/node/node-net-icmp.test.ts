import { describe, expect, it, vi } from 'vitest';

/** A port nothing listens on: a datagram sent to it comes back as ICMP port unreachable. */
const CLOSED = 9;

// dgram as Bun 1.4 has it: an ICMP port unreachable (here: any datagram to CLOSED) is kept as
// the socket's pending error and fails the next send, whatever its destination, with
// ECONNREFUSED; that datagram does not leave, and sends still complete in order. Node never
// reports it (the pack test runs the real Bun).
vi.mock('node:dgram', async (importOriginal) => {
  const dgram = await importOriginal<typeof import('node:dgram')>();
  return {
    ...dgram,
    createSocket: ((...args: Parameters<typeof dgram.createSocket>) => {
      const socket = dgram.createSocket(...args);
      const send = socket.send.bind(socket) as (...a: unknown[]) => void;
      let pending = false;
      (socket as { send: unknown }).send = (
        data: Uint8Array,
        port: number,
        address: string,
        callback: (error: Error | null) => void,
      ) => {
        if (pending) {
          pending = false;
          const error = Object.assign(new Error('send ECONNREFUSED'), { code: 'ECONNREFUSED' });
          // Lost: sent where nothing listens (no new pending error), failed in its turn.
          send(data, CLOSED, address, () => callback(error));
          return;
        }
        if (port === CLOSED) pending = true;
        send(data, port, address, callback);
      };
      return socket;
    }) as typeof dgram.createSocket,
  };
});

const { NodeNet } = await import('./node-net.js');

describe('NodeNet UDP after an ICMP error reported on a later send', () => {
  it('sends the datagram that the error failed once more', async () => {
    const net = new NodeNet();
    const got: string[] = [];
    const rx = await net.bindUdp({
      address: '127.0.0.1',
      onMessage: (data) => got.push(data.toString()),
    });
    const tx = await net.bindUdp({ address: '127.0.0.1', onMessage: () => {} });
    for (let i = 0; i < 20; i++) {
      tx.send(Buffer.from('to nobody'), CLOSED, '127.0.0.1');
      tx.send(Buffer.from(`live ${i}`), rx.localAddress.port, '127.0.0.1');
    }
    // close() waits for every send, retries included.
    await tx.close();
    for (let quiet = 0, last = -1; quiet < 3; quiet = got.length === last ? quiet + 1 : 0) {
      last = got.length;
      await new Promise((r) => setTimeout(r, 10));
    }
    await rx.close();
    expect(got.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `live ${i}`).sort());
    // The datagrams to the closed port are sent (and count as sent); none is an error.
    expect(tx.stats.sendErrors).toBe(0);
  });
});
