// Shapes of the audit log API, shared by routes and the CLI.

import { Type, type Static } from 'typebox';

export const AuditEntry = Type.Object({
  id: Type.Integer(),
  timestamp: Type.String(),
  kind: Type.Union([Type.Literal('api'), Type.Literal('cli')]),
  user_id: Type.Union([Type.String(), Type.Null()]),
  user_name: Type.Union([Type.String(), Type.Null()]),
  project_id: Type.Union([Type.String(), Type.Null()]),
  project_name: Type.Union([Type.String(), Type.Null()]),
  method: Type.Union([Type.String(), Type.Null()]),
  path: Type.Union([Type.String(), Type.Null()]),
  command: Type.Union([Type.String(), Type.Null()]),
  target: Type.Union([Type.String(), Type.Null()]),
  status: Type.Integer(),
  source: Type.Union([Type.String(), Type.Null()]),
  request_id: Type.Union([Type.String(), Type.Null()]),
  duration_ms: Type.Union([Type.Number(), Type.Null()]),
});
export type AuditEntry = Static<typeof AuditEntry>;

export const AuditQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    /** Entries older than this id (newest first paging). */
    marker: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
    user: Type.Optional(Type.String({ minLength: 1 })),
    kind: Type.Optional(Type.Union([Type.Literal('api'), Type.Literal('cli')])),
    method: Type.Optional(Type.Union(['POST', 'PUT', 'PATCH', 'DELETE'].map((m) => Type.Literal(m)))),
    since: Type.Optional(Type.String({ format: 'date-time' })),
    until: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuery>;

export const AuditList = Type.Object({ audit_logs: Type.Array(AuditEntry), next: Type.Union([Type.String(), Type.Null()]) });

export const CliAuditBody = Type.Object(
  {
    command: Type.String({ minLength: 1, maxLength: 4096 }),
    exit_code: Type.Integer({ minimum: 0, maximum: 255 }),
    target: Type.Optional(Type.String({ maxLength: 255 })),
  },
  { additionalProperties: false },
);
export type CliAuditBody = Static<typeof CliAuditBody>;
