import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Ppid } from './constants.js';
import { DcepEndpoint } from './endpoint.js';
import { encodeDcepMessage, parametersFromOpen, tryDecodeDcepMessage } from './message.js';

const load = (name: string): Uint8Array =>
  new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));

// What each captured OPEN must mean, in the W3C vocabulary (see fixtures/README.md).
const EXPECTED = [
  [
    'reliable',
    1,
    {
      label: 'chat',
      protocol: '',
      ordered: true,
      maxRetransmits: undefined,
      maxPacketLifeTime: undefined,
    },
  ],
  [
    'unordered',
    3,
    { label: 'u', ordered: false, maxRetransmits: undefined, maxPacketLifeTime: undefined },
  ],
  ['rexmit', 5, { label: 'r', ordered: true, maxRetransmits: 3, maxPacketLifeTime: undefined }],
  ['rexmit-unordered', 7, { label: 'ru', ordered: false, maxRetransmits: 0 }],
  ['timed', 9, { label: 't', ordered: true, maxPacketLifeTime: 500, maxRetransmits: undefined }],
  ['timed-unordered', 11, { label: 'tu', ordered: false, maxPacketLifeTime: 1500 }],
  ['protocol-unicode', 13, { label: 'ünï🚀', protocol: 'chat-v1', ordered: true }],
  ['empty-label', 15, { label: '', protocol: '', ordered: true }],
] as const;

describe.each(['libwebrtc', 'libdatachannel'])('DATA_CHANNEL_OPEN captured from %s', (peer) => {
  it.each(EXPECTED)('%s', (name, stream, expected) => {
    const bytes = load(`${peer}-open-${name}.bin`);
    const result = tryDecodeDcepMessage(bytes);
    if (!result.ok) throw new Error(result.error.message);
    if (result.message.type !== 'open') throw new Error('expected an OPEN');
    expect(parametersFromOpen(result.message)).toMatchObject({ ...expected, priority: 0 });
    // Our encoder writes the same bytes.
    expect(Buffer.from(encodeDcepMessage(result.message)).equals(Buffer.from(bytes))).toBe(true);
    // As the DTLS client, we accept it on the peer's odd stream and answer with an ACK.
    const endpoint = new DcepEndpoint('client');
    const inbound = endpoint.receive(stream, Ppid.Dcep, bytes);
    expect(inbound).toMatchObject({ kind: 'channel-open', id: stream });
    if (inbound.kind === 'channel-open') expect([...inbound.reply]).toEqual([2]);
  });
});
