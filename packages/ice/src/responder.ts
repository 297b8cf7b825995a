/**
 * The STUN-server half of connectivity checks (RFC 8445 §7.3): authenticate a Binding
 * request, settle a role conflict and build the answer. Pure: the agent applies the verdict.
 */
import type { SocketAddress } from '@x/transport';
import { type RoleDecision, resolveRoleConflict } from './role.js';
import { StunAttr, StunClass, StunMethod } from './stun/constants.js';
import { verifyIntegrity } from './stun/integrity.js';
import type { StunMessage } from './stun/message.js';
import { errorResponse, unknownAttributesResponse } from './stun/responses.js';
import { StunWriter } from './stun/writer.js';

/** Local credentials a request may be addressed to. */
export interface ResponderCredentials {
  readonly ufrag: string;
  readonly pwd: string;
}

/** Why a request was refused. */
export type RejectReason =
  | 'unknown-attributes'
  | 'bad-request'
  | 'bad-username'
  | 'bad-integrity'
  | 'role-conflict';

/** The outcome of {@link answerCheck}: always a reply to send. */
export type CheckVerdict =
  | { readonly kind: 'rejected'; readonly reason: RejectReason; readonly reply: Buffer }
  | {
      readonly kind: 'accepted';
      readonly reply: Buffer;
      /** The credentials the request used (`local`, or one of `others`). */
      readonly credentials: ResponderCredentials;
      /** True when the request used `local`, the current generation's credentials. */
      readonly current: boolean;
      /** What to do about our role (`switch`: take the other one). */
      readonly role: RoleDecision;
    };

/**
 * Answers a Binding request received from `from`: 420 for unknown comprehension-required
 * attributes (RFC 8489 §6.3.1), 400 without USERNAME or MESSAGE-INTEGRITY, 401 for another
 * ufrag or a wrong MESSAGE-INTEGRITY (RFC 8489 §9.1.3), 487 when we win a role conflict
 * (RFC 8445 §7.3.1.1), else a success response with XOR-MAPPED-ADDRESS (§7.3.1.2).
 * `others` are credentials also answered, of a generation not current (the one before a
 * restart, one begun and not yet current): no role conflict is resolved for them.
 */
export function answerCheck(
  msg: StunMessage,
  from: SocketAddress,
  local: ResponderCredentials,
  others: readonly (ResponderCredentials | undefined)[],
  controlling: boolean,
  tieBreaker: bigint,
): CheckVerdict {
  const unknown = unknownAttributesResponse(msg);
  if (unknown !== undefined)
    return { kind: 'rejected', reason: 'unknown-attributes', reply: unknown };
  const username = msg.getString(StunAttr.Username);
  if (username === undefined || msg.integrityOffset < 0) {
    return {
      kind: 'rejected',
      reason: 'bad-request',
      reply: errorResponse(msg, 400, 'Bad Request'),
    };
  }
  const colon = username.indexOf(':');
  const ufrag = colon < 0 ? username : username.slice(0, colon);
  const creds =
    ufrag === local.ufrag ? local : others.find((c) => c !== undefined && c.ufrag === ufrag);
  if (creds === undefined) {
    return {
      kind: 'rejected',
      reason: 'bad-username',
      reply: errorResponse(msg, 401, 'Unauthorized'),
    };
  }
  if (!verifyIntegrity(msg, creds.pwd)) {
    return {
      kind: 'rejected',
      reason: 'bad-integrity',
      reply: errorResponse(msg, 401, 'Unauthorized'),
    };
  }
  const current = creds === local;
  const role = current
    ? resolveRoleConflict(
        controlling,
        tieBreaker,
        msg.getUint64(StunAttr.IceControlling),
        msg.getUint64(StunAttr.IceControlled),
      )
    : 'none';
  if (role === 'reject') {
    return {
      kind: 'rejected',
      reason: 'role-conflict',
      reply: errorResponse(msg, 487, 'Role Conflict', { integrity: creds.pwd, fingerprint: true }),
    };
  }
  const reply = new StunWriter(StunMethod.Binding, StunClass.SuccessResponse, msg.transactionId)
    .addXorAddress(StunAttr.XorMappedAddress, from.address, from.port)
    .finish({ integrity: creds.pwd, fingerprint: true });
  return { kind: 'accepted', reply, credentials: creds, current, role };
}
