import { describe, expect, it } from 'vitest';
import { answerCheck } from './responder.js';
import { StunAttr, StunClass } from './stun/constants.js';
import { verifyIntegrity } from './stun/integrity.js';
import { decodeStun } from './stun/message.js';
import { StunWriter } from './stun/writer.js';

const local = { ufrag: 'loc1', pwd: 'L'.repeat(22) };
const previous = { ufrag: 'old1', pwd: 'O'.repeat(22) };
const from = { address: '192.0.2.9', port: 4000, family: 'IPv4' as const };

function request(ufrag: string, pwd: string, build?: (w: StunWriter) => void) {
  const w = new StunWriter(1, StunClass.Request).addString(StunAttr.Username, `${ufrag}:rem1`);
  build?.(w);
  return decodeStun(w.finish({ integrity: pwd, fingerprint: true }))!;
}

describe('answerCheck (RFC 8445 §7.3)', () => {
  it('answers a valid check with XOR-MAPPED-ADDRESS, signed with our pwd', () => {
    const v = answerCheck(request('loc1', local.pwd), from, local, [previous], true, 1n);
    expect(v).toMatchObject({ kind: 'accepted', current: true, role: 'none' });
    const r = decodeStun(v.reply)!;
    expect(r.cls).toBe(StunClass.SuccessResponse);
    expect(r.getXorAddress()).toEqual(from);
    expect(verifyIntegrity(r, local.pwd)).toBe(true);
  });

  it('still answers the credentials from before a restart, marked not current', () => {
    const v = answerCheck(request('old1', previous.pwd), from, local, [previous], true, 1n);
    expect(v).toMatchObject({ kind: 'accepted', current: false });
  });

  it.each([
    ['bad-username', request('nope', local.pwd), 401],
    ['bad-integrity', request('loc1', 'W'.repeat(22)), 401],
    ['bad-request', decodeStun(new StunWriter(1, StunClass.Request).finish())!, 400],
    [
      'unknown-attributes',
      request('loc1', local.pwd, (w) => w.addBytes(0x7fff, Buffer.from([1]))),
      420,
    ],
    [
      'role-conflict',
      request('loc1', local.pwd, (w) => w.addUint64(StunAttr.IceControlling, 1n)),
      487,
    ],
  ])('refuses %s with %d', (reason, msg, code) => {
    const v = answerCheck(msg, from, local, [previous], true, 5n);
    expect(v).toMatchObject({ kind: 'rejected', reason });
    expect(decodeStun(v.reply)!.getErrorCode()?.code).toBe(code);
  });

  it('asks to switch roles when the peer wins the tie-breaker', () => {
    const msg = request('loc1', local.pwd, (w) => w.addUint64(StunAttr.IceControlling, 9n));
    expect(answerCheck(msg, from, local, [], true, 5n)).toMatchObject({
      kind: 'accepted',
      role: 'switch',
    });
  });
});
