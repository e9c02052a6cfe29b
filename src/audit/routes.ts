// /v1/audit_logs: GET pages the audit log (admin); POST records a CLI command (any caller, as itself).

import type { App } from '../api/server.ts';
import { StarlingError } from '../common/errors.ts';
import { AuditList, AuditQuery, CliAuditBody } from './schemas.ts';
import type { AuditService } from './service.ts';

export function auditRoutes(app: App, audit: AuditService): void {
  app.get(
    '/v1/audit_logs',
    { config: { access: 'admin' }, schema: { querystring: AuditQuery, response: { 200: AuditList } } },
    async (req) => {
      const { entries, nextMarker } = await audit.list(req.query);
      const params = new URLSearchParams(
        Object.entries({ ...req.query, marker: nextMarker }).flatMap(([k, v]) =>
          v === undefined || v === null ? [] : [[k, String(v)]],
        ),
      );
      return { audit_logs: entries, next: nextMarker === null ? null : `/v1/audit_logs?${params.toString()}` };
    },
  );

  app.post(
    '/v1/audit_logs',
    { config: { access: 'authenticated', audit: false }, schema: { body: CliAuditBody } },
    async (req, reply) => {
      if (!req.auth) throw new StarlingError('AUTH_REQUIRED');
      await audit.recordCliCommand(req.auth, req.body, req.ip, req.id);
      return reply.status(204).send();
    },
  );
}
