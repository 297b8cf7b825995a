import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildAnswer, remoteDataChannel } from './jsep.js';
import { parseSdp, tryParseSdp } from './parse.js';
import { isRtpMediaProblem, readRtpMedia, rtpMediaAttributes } from './rtp-media.js';
import { serializeSdp } from './serialize.js';
import { validateDescription } from './validate.js';

const dir = new URL('./fixtures/', import.meta.url);
const texts = readdirSync(dir)
  .filter((f) => f.endsWith('.sdp'))
  .sort()
  .map((f) => readFileSync(new URL(f, dir), 'utf8'));

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

const NOISE = ['', ' ', ':', '=', '0', 'a=', '\r\n', 'x', '-1', '99999999999999999', 'ü', '\u0000'];

function mutate(next: () => number, text: string): string {
  const lines = text.split('\r\n');
  const edits = 1 + (next() % 3);
  for (let e = 0; e < edits; e++) {
    const r = next();
    const i = r % lines.length;
    const line = lines[i] as string;
    switch ((r >>> 20) % 6) {
      case 0:
        lines.splice(i, 1);
        break;
      case 1:
        lines.splice(i, 0, line);
        break;
      case 2: {
        const j = (r >>> 8) % lines.length;
        lines[i] = lines[j] as string;
        lines[j] = line;
        break;
      }
      case 3: {
        const at = line.length === 0 ? 0 : (r >>> 8) % line.length;
        lines[i] =
          line.slice(0, at) + (NOISE[(r >>> 4) % NOISE.length] as string) + line.slice(at + 1);
        break;
      }
      case 4:
        lines[i] = line.slice(0, (r >>> 8) % (line.length + 1));
        break;
      default: {
        // Replace a value after ':' or ' ' with noise: numbers, empties.
        const cut = Math.max(line.lastIndexOf(':'), line.lastIndexOf(' '));
        if (cut > 0)
          lines[i] = line.slice(0, cut + 1) + (NOISE[(r >>> 4) % NOISE.length] as string);
      }
    }
  }
  return lines.join('\r\n');
}

describe('SDP fuzz', () => {
  it('parses 10,000 mutated captured descriptions: a syntax error or a model, never a crash', () => {
    const next = rng(0x8866);
    let parsed = 0;
    let syntax = 0;
    let answered = 0;
    let rtpChecked = 0;
    const started = performance.now();
    for (let i = 0; i < 10_000; i++) {
      const text = mutate(next, texts[i % texts.length] as string);
      // tryParseSdp rethrows anything that is not an SdpSyntaxError, failing the test.
      const result = tryParseSdp(text);
      if (!result.ok) {
        syntax++;
        expect(result.error.lineNumber).toBeLessThanOrEqual(text.split('\n').length);
        continue;
      }
      parsed++;
      const d = result.description;
      const again = serializeSdp(d);
      if (serializeSdp(parseSdp(again)) !== again)
        throw new Error(`unstable serialization of:\n${text}`);
      // The RTP view of each audio/video section: a model or a named problem, never a throw,
      // and writing a model back reads the same.
      for (const m of d.media) {
        if (m.kind !== 'audio' && m.kind !== 'video') continue;
        const rtp = readRtpMedia(m);
        if (isRtpMediaProblem(rtp)) continue;
        const lines = rtpMediaAttributes(rtp);
        expect(readRtpMedia({ ...m, attributes: lines })).toEqual(rtp);
        rtpChecked++;
      }
      const errors = validateDescription(d, 'offer');
      if (errors.length === 0 && remoteDataChannel(d, 'offer') !== undefined) {
        const { description } = buildAnswer(d, {
          sessionId: '1',
          sessionVersion: '1',
          iceUfrag: 'abcd',
          icePwd: 'abcdefghijklmnopqrstuv',
          fingerprints: [{ algorithm: 'sha-256', value: Array(32).fill('AB').join(':') }],
        });
        expect(description.media.length).toBe(d.media.length);
        expect(validateDescription(parseSdp(serializeSdp(description)), 'answer')).toEqual([]);
        answered++;
      }
    }
    const ms = performance.now() - started;
    console.log(
      `SDP fuzz: 10,000 descriptions in ${ms.toFixed(0)} ms, ${parsed} parsed (${answered} answered), ${syntax} syntax errors`,
    );
    expect(parsed).toBeGreaterThan(300);
    expect(syntax).toBeGreaterThan(300);
    expect(answered).toBeGreaterThan(100);
    expect(rtpChecked).toBeGreaterThan(1000);
  });
});
