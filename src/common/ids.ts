// Identifiers and secrets: uuids for resources, url-safe random strings for tokens and keys.

import { randomBytes, randomUUID, createHash } from 'node:crypto';

export const newUuid = (): string => randomUUID();

/** A random url-safe secret with `bytes` of entropy. */
export const newSecret = (bytes = 32): string => randomBytes(bytes).toString('base64url');

/** Keystone token ids are opaque; we store only their SHA-256 so a database dump reveals no token. */
export const tokenDigest = (token: string): string => createHash('sha256').update(token).digest('hex');

/** Hex ids like Keystone's (32 hex chars, no dashes) for users, projects and roles. */
export const newKeystoneId = (): string => randomUUID().replaceAll('-', '');
