import { describe, expect, it } from 'vitest';
import { expiryFor, tokenState } from './token.ts';

describe('tokenState', () => {
  const issued = new Date('2026-01-01T00:00:00Z');
  const expires = expiryFor(issued, 3600);
  it('is valid until the expiry instant, expired from it', () => {
    expect(expires.toISOString()).toBe('2026-01-01T01:00:00.000Z');
    expect(tokenState({ issued_at: issued, expires_at: expires, revoked_at: null }, issued)).toBe('valid');
    expect(tokenState({ issued_at: issued, expires_at: expires, revoked_at: null }, new Date(expires.getTime() - 1))).toBe('valid');
    expect(tokenState({ issued_at: issued, expires_at: expires, revoked_at: null }, expires)).toBe('expired');
  });
  it('is revoked from the revocation on, even before expiry', () => {
    const revoked = new Date('2026-01-01T00:10:00Z');
    const t = { issued_at: issued, expires_at: expires, revoked_at: revoked };
    expect(tokenState(t, new Date('2026-01-01T00:09:59Z'))).toBe('valid');
    expect(tokenState(t, revoked)).toBe('revoked');
  });
});
