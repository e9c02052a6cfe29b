// `starling audit-list`: the audit log, newest first (admin only).

import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import type { AuditEntry } from '../../audit/index.ts';

export function registerAudit(program: Command, ctx: CliContext): void {
  program
    .command('audit-list')
    .description('list audit log entries (every API change and CLI command), newest first')
    .option('--limit <n>', 'entries to show (1-1000)', '50')
    .option('--marker <id>', 'show entries older than this id')
    .option('--user <name>', 'only this user')
    .option('--kind <kind>', 'api or cli')
    .option('--method <method>', 'POST, PUT, PATCH or DELETE')
    .option('--since <time>', 'ISO 8601 time, inclusive')
    .option('--until <time>', 'ISO 8601 time, exclusive')
    .action(async (o: Record<string, string | undefined>) => {
      const c = await ctx.client();
      const { audit_logs } = await c.get<{ audit_logs: AuditEntry[] }>('platform', '/audit_logs', {
        limit: o.limit,
        marker: o.marker,
        user: o.user,
        kind: o.kind,
        method: o.method,
        since: o.since,
        until: o.until,
      });
      ctx.list(
        audit_logs.map((e) => ({ ...e, what: e.kind === 'cli' ? e.command : `${e.method} ${e.path}` })),
        [
          ['id', 'id'],
          ['timestamp', 'timestamp'],
          ['kind', 'kind'],
          ['user_name', 'user'],
          ['project_name', 'project'],
          ['what', 'request or command'],
          ['target', 'target'],
          ['status', 'result'],
          ['source', 'source'],
        ],
      );
    });
}
