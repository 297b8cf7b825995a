/**
 * The long-term credential mechanism, RFC 8489 §9.2, as a TURN client runs it (RFC 8656 §4):
 * the first request goes without credentials, the 401 answer brings REALM and NONCE, every
 * later request carries USERNAME, REALM, NONCE and MESSAGE-INTEGRITY. A 438 (Stale Nonce)
 * brings a fresh NONCE to retry with (§9.2.5). When the server lists PASSWORD-ALGORITHMS
 * (§14.11, an RFC 8489 server), the client echoes the list, picks the first algorithm it
 * supports in PASSWORD-ALGORITHM (§14.12), derives the key with it (§18.5: MD5 or SHA-256 of
 * `username:realm:password`) and protects its requests with MESSAGE-INTEGRITY-SHA256.
 */
import { createHash } from 'node:crypto';
import { prepareString } from '../stun/integrity.js';
import { StunAttr } from '../stun/constants.js';
import type { StunMessage } from '../stun/message.js';
import { verifyIntegrity } from '../stun/integrity.js';
import type { FinishOptions, StunWriter } from '../stun/writer.js';

/** Password algorithm numbers, RFC 8489 §18.5. */
export const PasswordAlgorithm = { MD5: 0x0001, SHA256: 0x0002 } as const;

/** Parses PASSWORD-ALGORITHMS (§14.11): the algorithm numbers in order, or undefined. */
export function parsePasswordAlgorithms(value: Buffer): number[] | undefined {
  const out: number[] = [];
  let o = 0;
  while (o + 4 <= value.length) {
    const alg = value.readUInt16BE(o);
    const paramLen = value.readUInt16BE(o + 2);
    out.push(alg);
    o += 4 + ((paramLen + 3) & ~3);
  }
  return o === value.length ? out : undefined;
}

/** The long-term key of `algorithm` (RFC 8489 §9.2.2 for MD5, §18.5.1.2 for SHA-256). */
export function longTermKeyFor(
  algorithm: number,
  username: string,
  realm: string,
  password: string,
): Buffer {
  const input = `${username}:${prepareString(realm)}:${prepareString(password)}`;
  return createHash(algorithm === PasswordAlgorithm.SHA256 ? 'sha256' : 'md5')
    .update(input, 'utf8')
    .digest();
}

/** What to do after an error answer. */
export type ChallengeVerdict = 'retry' | 'fail';

/** Long-term credentials of one client and the server's current realm and nonce. */
export class LongTermAuth {
  realm: string | undefined;
  nonce: string | undefined;
  /** The algorithm in use (MD5 unless the server offered others). */
  algorithm: number = PasswordAlgorithm.MD5;
  /** The server's PASSWORD-ALGORITHMS value, echoed in every request (§9.2.4). */
  private algorithms: Buffer | undefined;
  private key: Buffer | undefined;

  constructor(
    readonly username: string,
    private readonly password: string,
  ) {}

  /** True once a 401 has given the realm and nonce. */
  get ready(): boolean {
    return this.key !== undefined;
  }

  /** True when requests carry MESSAGE-INTEGRITY-SHA256 (an RFC 8489 server). */
  get sha256(): boolean {
    return this.algorithms !== undefined;
  }

  /**
   * Takes REALM, NONCE and PASSWORD-ALGORITHMS from a 401 or 438 answer (§9.2.5). Returns
   * 'retry' when the request should go again with the new values; 'fail' for a 401 to a
   * request that already carried credentials for the same realm (wrong username or password:
   * §9.2.4 forbids retrying without changing them).
   */
  challenge(answer: StunMessage, code: number, requestWasSigned: boolean): ChallengeVerdict {
    const realm = answer.getString(StunAttr.Realm);
    const nonce = answer.getString(StunAttr.Nonce);
    if (nonce === undefined) return 'fail';
    if (code === 401) {
      if (realm === undefined) return 'fail';
      if (requestWasSigned && realm === this.realm && nonce === this.nonce) return 'fail';
      const list = answer.get(StunAttr.PasswordAlgorithms);
      if (list !== undefined) {
        const algs = parsePasswordAlgorithms(list);
        const pick = algs?.find(
          (a) => a === PasswordAlgorithm.MD5 || a === PasswordAlgorithm.SHA256,
        );
        // §9.2.4: no supported algorithm in the list means no retry.
        if (pick === undefined) return 'fail';
        this.algorithms = Buffer.from(list);
        this.algorithm = pick;
      }
      this.realm = realm;
      this.nonce = nonce;
      this.key = longTermKeyFor(this.algorithm, this.username, realm, this.password);
      return 'retry';
    }
    // 438 Stale Nonce: the same credentials with the new nonce (and realm, if given).
    if (code === 438) {
      if (this.key === undefined) return 'fail';
      this.nonce = nonce;
      if (realm !== undefined && realm !== this.realm) {
        this.realm = realm;
        this.key = longTermKeyFor(this.algorithm, this.username, realm, this.password);
      }
      return 'retry';
    }
    return 'fail';
  }

  /**
   * Adds the credential attributes to a request and returns the finish options that seal it
   * (§9.2.4). Before the first challenge it adds nothing: the request goes unauthenticated.
   */
  sign(w: StunWriter): FinishOptions {
    if (this.key === undefined || this.realm === undefined || this.nonce === undefined) {
      return { fingerprint: true };
    }
    w.addString(StunAttr.Username, this.username);
    w.addString(StunAttr.Realm, this.realm);
    w.addString(StunAttr.Nonce, this.nonce);
    if (this.algorithms !== undefined) {
      const alg = Buffer.alloc(4);
      alg.writeUInt16BE(this.algorithm, 0);
      w.addBytes(StunAttr.PasswordAlgorithm, alg);
      w.addBytes(StunAttr.PasswordAlgorithms, this.algorithms);
      return { integritySha256: this.key, fingerprint: true };
    }
    return { integrity: this.key, fingerprint: true };
  }

  /** Checks the integrity of an answer to a signed request (§9.2.5); true before any key. */
  verify(answer: StunMessage): boolean {
    if (this.key === undefined) return true;
    return verifyIntegrity(answer, this.key);
  }
}
