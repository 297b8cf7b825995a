import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exportKeyingMaterial, type PrfHash, prf } from './prf.js';

interface Vector {
  hash: PrfHash;
  secret: string;
  label: string;
  seed: string;
  output: string;
}

const { vectors } = JSON.parse(
  readFileSync(new URL('./fixtures/prf-vectors.json', import.meta.url), 'utf8'),
) as { vectors: Vector[] };

describe('TLS 1.2 PRF (RFC 5246 §5)', () => {
  for (const v of vectors) {
    it(`matches the ${v.hash} test vector`, () => {
      const out = prf(
        v.hash,
        Buffer.from(v.secret, 'hex'),
        v.label,
        Buffer.from(v.seed, 'hex'),
        v.output.length / 2,
      );
      expect(out.toString('hex')).toBe(v.output);
    });
    it(`${v.hash}: a shorter output is a prefix`, () => {
      const out = prf(v.hash, Buffer.from(v.secret, 'hex'), v.label, Buffer.from(v.seed, 'hex'), 7);
      expect(out.toString('hex')).toBe(v.output.slice(0, 14));
    });
  }

  it('exporter: the context changes the output (RFC 5705 §4)', () => {
    const m = Buffer.alloc(48, 1);
    const cr = Buffer.alloc(32, 2);
    const sr = Buffer.alloc(32, 3);
    const a = exportKeyingMaterial('sha256', m, cr, sr, 'EXTRACTOR-dtls_srtp', 60);
    const b = exportKeyingMaterial('sha256', m, cr, sr, 'EXTRACTOR-dtls_srtp', 60, Buffer.alloc(0));
    expect(a).toHaveLength(60);
    expect(a.equals(b)).toBe(false);
    expect(a.equals(prf('sha256', m, 'EXTRACTOR-dtls_srtp', Buffer.concat([cr, sr]), 60))).toBe(
      true,
    );
  });
});
