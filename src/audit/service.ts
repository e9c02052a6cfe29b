// The audit log: who did what, to what, with which result, from where. Written after each
// mutating API call (api) and each CLI command (cli); read by admins.

import type { Db } from '../db/index.ts';
import type { ApiAuditEntry } from '../api/server.ts';
import type { AuthContext } from '../identity/index.ts';
import { insertAudit, listAudit } from './repo.ts';
import type { AuditEntry, AuditQuery, CliAuditBody } from './schemas.ts';

export class AuditService {
  constructor(private readonly db: Db) {}

  async recordApiCall(e: ApiAuditEntry): Promise<void> {
    await insertAudit(this.db, {
      kind: 'api',
      user_id: e.auth?.user.id ?? null,
      user_name: e.auth?.user.name ?? e.claimedUser ?? null,
      project_id: e.auth?.project.id ?? null,
      project_name: e.auth?.project.name ?? null,
      method: e.method,
      path: e.path,
      command: null,
      target: e.target ?? null,
      status: e.status,
      source: e.source,
      request_id: e.requestId,
      duration_ms: e.durationMs,
    });
  }

  async recordCliCommand(auth: AuthContext, body: CliAuditBody, source: string, requestId: string): Promise<void> {
    await insertAudit(this.db, {
      kind: 'cli',
      user_id: auth.user.id,
      user_name: auth.user.name,
      project_id: auth.project.id,
      project_name: auth.project.name,
      method: null,
      path: null,
      command: body.command,
      target: body.target ?? null,
      status: body.exit_code,
      source,
      request_id: requestId,
      duration_ms: null,
    });
  }

  async list(query: AuditQuery): Promise<{ entries: AuditEntry[]; nextMarker: number | null }> {
    const limit = query.limit ?? 100;
    const entries = await listAudit(this.db, { ...query, limit });
    const last = entries.at(-1);
    return { entries, nextMarker: entries.length === limit && last ? last.id : null };
  }
}
