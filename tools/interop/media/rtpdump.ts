/**
 * The rtpdump file format of rtptools (`rtpdump -F dump`), which Wireshark and `rtpplay` read:
 * a text line `#!rtpplay1.0 <address>/<port>\n`, a 16-byte header (start time in seconds and
 * microseconds, source address, port, padding), then per packet an 8-byte header (record
 * length including that header, the packet's length for RTP or 0 for RTCP, milliseconds since
 * the start) and the packet. Every integer is big-endian.
 */

/** One packet of a dump. */
export interface RtpdumpRecord {
  /** Milliseconds since the start of the recording. */
  readonly offsetMs: number;
  /** True for an RTCP (or SRTCP) compound, whose `plen` field is 0. */
  readonly rtcp: boolean;
  readonly data: Uint8Array;
}

/** Where and when a dump was recorded. */
export interface RtpdumpHeader {
  readonly address: string;
  readonly port: number;
  /** Wall-clock start, in milliseconds since 1970. */
  readonly startMs: number;
}

/** The bytes of an rtpdump file. */
export function writeRtpdump(header: RtpdumpHeader, records: readonly RtpdumpRecord[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`#!rtpplay1.0 ${header.address}/${header.port}\n`)];
  const file = Buffer.alloc(16);
  file.writeUInt32BE(Math.floor(header.startMs / 1000), 0);
  file.writeUInt32BE(Math.round((header.startMs % 1000) * 1000), 4);
  const octets = header.address.split('.').map(Number);
  file.writeUInt32BE(
    ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0,
    8,
  );
  file.writeUInt16BE(header.port, 12);
  parts.push(file);
  for (const r of records) {
    const h = Buffer.alloc(8);
    h.writeUInt16BE(r.data.length + 8, 0);
    h.writeUInt16BE(r.rtcp ? 0 : r.data.length, 2);
    h.writeUInt32BE(Math.max(0, Math.round(r.offsetMs)), 4);
    parts.push(h, Buffer.from(r.data));
  }
  return Buffer.concat(parts);
}

/** The records of an rtpdump file; throws on a file that is not one. */
export function readRtpdump(file: Uint8Array): RtpdumpRecord[] {
  const b = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  const eol = b.indexOf(0x0a);
  if (eol < 0 || !b.subarray(0, eol).toString('latin1').startsWith('#!rtpplay1.0 '))
    throw new Error('not an rtpdump file: no "#!rtpplay1.0" line');
  const records: RtpdumpRecord[] = [];
  let at = eol + 1 + 16;
  while (at < b.length) {
    if (at + 8 > b.length) throw new Error(`rtpdump record header truncated at ${at}`);
    const length = b.readUInt16BE(at);
    const plen = b.readUInt16BE(at + 2);
    if (length < 8 || at + length > b.length) throw new Error(`rtpdump record truncated at ${at}`);
    records.push({
      offsetMs: b.readUInt32BE(at + 4),
      rtcp: plen === 0,
      data: b.subarray(at + 8, at + length),
    });
    at += length;
  }
  return records;
}
