/**
 * Test helper (not part of the build): reads the rtpdump files of fixtures/chromium (rtptools'
 * `rtpdump -F dump` format, which Wireshark opens): a `#!rtpplay1.0 address/port` line, a
 * 16-byte file header, then per packet an 8-byte header (record length, packet length or 0 for
 * RTCP, milliseconds since the start) and the packet.
 */
import { readFileSync } from 'node:fs';

export interface RtpdumpRecord {
  readonly offsetMs: number;
  readonly rtcp: boolean;
  readonly data: Uint8Array;
}

/** The records of `fixtures/chromium/<name>`. */
export function readChromiumDump(name: string): RtpdumpRecord[] {
  const b = readFileSync(new URL(`./fixtures/chromium/${name}`, import.meta.url));
  const eol = b.indexOf(0x0a);
  if (eol < 0 || !b.subarray(0, eol).toString('latin1').startsWith('#!rtpplay1.0 '))
    throw new Error(`${name} is not an rtpdump file`);
  const records: RtpdumpRecord[] = [];
  for (let at = eol + 1 + 16; at < b.length; ) {
    const length = b.readUInt16BE(at);
    if (length < 8 || at + length > b.length) throw new Error(`${name}: record truncated at ${at}`);
    records.push({
      offsetMs: b.readUInt32BE(at + 4),
      rtcp: b.readUInt16BE(at + 2) === 0,
      data: new Uint8Array(b.subarray(at + 8, at + length)),
    });
    at += length;
  }
  return records;
}

/** fixtures/chromium/capture.json: what each file holds (see the README there). */
export interface ChromiumCapture {
  readonly chromium: string;
  readonly capture: { width: number; height: number; frameRate: number };
  readonly sessions: Record<
    string,
    {
      srtpProfile: string;
      midExtensionId: number;
      streams: { kind: string; mid: string; ssrc: number; payloadType: number; codec: string }[];
    }
  >;
  readonly files: Record<
    string,
    {
      session: string;
      mimeType?: string;
      ssrc?: number;
      payloadType?: number;
      clockRate?: number;
      packets?: number;
      paddingOnlyPackets?: number;
      frames?: number;
      markers?: number;
      keyframeTimestamps?: number[];
      firstSequence?: number;
      lastSequence?: number;
      compounds?: number;
    }
  >;
}

export function readChromiumCapture(): ChromiumCapture {
  return JSON.parse(
    readFileSync(new URL('./fixtures/chromium/capture.json', import.meta.url), 'utf8'),
  ) as ChromiumCapture;
}
