/**
 * Role conflict resolution, RFC 8445 §7.3.1.1: when a check says the peer has our role, the
 * agent with the larger tie-breaker keeps (or takes) the controlling role.
 */

/** What to do about the role claimed by an incoming check. */
export type RoleDecision =
  /** No conflict. */
  | 'none'
  /** Switch our role and answer the check normally. */
  | 'switch'
  /** Keep our role and answer 487 (Role Conflict). */
  | 'reject';

/**
 * Decides a role conflict from an incoming request's ICE-CONTROLLING / ICE-CONTROLLED
 * tie-breaker (undefined when the attribute is absent).
 */
export function resolveRoleConflict(
  weControl: boolean,
  ourTieBreaker: bigint,
  theirControlling: bigint | undefined,
  theirControlled: bigint | undefined,
): RoleDecision {
  if (weControl && theirControlling !== undefined) {
    // Both controlling: the larger tie-breaker stays controlling.
    return ourTieBreaker >= theirControlling ? 'reject' : 'switch';
  }
  if (!weControl && theirControlled !== undefined) {
    // Both controlled: the larger tie-breaker becomes controlling.
    return ourTieBreaker >= theirControlled ? 'switch' : 'reject';
  }
  return 'none';
}
