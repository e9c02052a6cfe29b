// Token life: a token is usable from issue until it expires or is revoked. Pure.

export interface TokenTimes {
  issued_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

export type TokenState = 'valid' | 'expired' | 'revoked';

export function tokenState(t: TokenTimes, now: Date): TokenState {
  if (t.revoked_at !== null && t.revoked_at.getTime() <= now.getTime()) return 'revoked';
  if (now.getTime() >= t.expires_at.getTime()) return 'expired';
  return 'valid';
}

export function expiryFor(issuedAt: Date, ttlSeconds: number): Date {
  return new Date(issuedAt.getTime() + ttlSeconds * 1000);
}
