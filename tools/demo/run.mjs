// Until the RTCPeerConnection demo lands, this runs the best end-to-end example there is:
// a UDP echo between two sockets of @x/transport on 127.0.0.1.
import { nodeNet } from '@x/transport';

const got = new Promise((resolve) => {
  const server = nodeNet.bindUdp({
    address: '127.0.0.1',
    onMessage: (data, from) =>
      void server.then((s) => s.send(Buffer.from(data), from.port, from.address)),
  });
  const client = nodeNet.bindUdp({
    address: '127.0.0.1',
    onMessage: (data) => resolve({ data: data.toString(), server, client }),
  });
  Promise.all([server, client]).then(([s, c]) =>
    c.send(Buffer.from('hello'), s.localAddress.port, '127.0.0.1'),
  );
});
const { data, server, client } = await got;
console.log(`demo: echoed "${data}" over UDP on 127.0.0.1 through @x/transport`);
await (await server).close();
await (await client).close();
