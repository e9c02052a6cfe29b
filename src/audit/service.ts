// The audit log: who did what, to what, with which result, from where. Written after each
// mutating API call (api) and each CLI command (cli); read by admins.

import type { Db } from '../db/index.ts';
import type { ApiAuditEntry } from '../api/server.ts';
import type { AuthContext } from '../identity/index.ts';
import { insertAudit, listAudit, type NewAuditEntry } from './repo.ts';
import { sanitiseEntry, type RawAuditEntry } from './domain/sanitise.ts';
import type { AuditEntry, AuditQuery, CliAuditBody } from './schemas.ts';

export class AuditService {
  private pending: { entry: NewAuditEntry; done: (e?: Error) => void }[] = [];
  private flushing: Promise<void> | undefined;

  constructor(private readonly db: Db) {}

  /**
   * Writes an entry durably, in a batch with the entries of concurrent calls: one INSERT and one
   * commit (one WAL flush) for all the calls in flight, so auditing costs concurrent writers one
   * fsync per batch instead of one each. Resolves once the entry is committed; rejects when it
   * could not be (the caller then must not answer success). Entries are sanitised first.
   */
  private append(raw: RawAuditEntry): Promise<void> {
    const entry = sanitiseEntry(raw);
    return new Promise((resolve, reject) => {
      this.pending.push({ entry, done: (e) => (e === undefined ? resolve() : reject(e)) });
      this.flushing ??= this.flush();
    });
  }

  private async flush(): Promise<void> {
    await new Promise((r) => setImmediate(r));
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      try {
        await insertAudit(this.db, batch.map((b) => b.entry));
        for (const b of batch) b.done();
      } catch (e) {
        if (batch.length === 1) batch[0]!.done(asError(e));
        // One entry the database refuses must not take the others with it: write them one by one.
        else for (const b of batch) await insertAudit(this.db, [b.entry]).then(() => b.done(), (e1: unknown) => b.done(asError(e1)));
      }
    }
    this.flushing = undefined;
  }

  async recordApiCall(e: ApiAuditEntry): Promise<void> {
    await this.append({
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
    await this.append({
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

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));
