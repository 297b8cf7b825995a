// The demo clip's encoded frames, read with mediabunny: for each track its codec and its
// frames in decode order, each with its timestamp in microseconds and whether it is a keyframe.
import { fileURLToPath } from 'node:url';
import { ALL_FORMATS, EncodedPacketSink, FilePathSource, Input } from 'mediabunny';

/** Where the clip is. */
export const CLIP = fileURLToPath(new URL('clip.webm', import.meta.url));

/**
 * Every track of the clip: `{ kind: 'video' | 'audio', codec, frames: [{ data, timestampUs,
 * durationUs, keyframe }] }`.
 * @param {string} [path]
 */
export async function readClip(path = CLIP) {
  const input = new Input({ source: new FilePathSource(path), formats: ALL_FORMATS });
  const tracks = [];
  for (const track of await input.getTracks()) {
    const frames = [];
    for await (const packet of new EncodedPacketSink(track).packets()) {
      frames.push({
        data: packet.data,
        timestampUs: Math.round(packet.timestamp * 1e6),
        durationUs: Math.round(packet.duration * 1e6),
        keyframe: packet.type === 'key',
      });
    }
    tracks.push({ kind: track.type, codec: await track.getCodec(), frames });
  }
  input.dispose?.();
  return tracks;
}
