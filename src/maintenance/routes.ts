// Maintenance's HTTP surface: the agents' answers to commands and their reports (a critical
// process that cannot be restored), and the heartbeat's statistics for operators.

import type { App } from '../api/server.ts';
import { AgentEventBody, CommandAnswer, CommandAnswerParams } from '../agentlink/index.ts';
import type { MaintenanceEngine } from './engine.ts';

export function maintenanceRoutes(app: App, engine: MaintenanceEngine): void {
  app.post(
    '/v1/agents/commands/:id',
    {
      config: { access: 'admin' },
      schema: { params: CommandAnswerParams, body: CommandAnswer },
    },
    async (req, reply) => {
      const b = req.body;
      await engine.commandResult(
        req.params.id,
        b.ok ? { ok: true, detail: b.detail } : { ok: false, error: b.error ?? 'failed' },
      );
      return reply.status(204).send();
    },
  );
  app.post(
    '/v1/agents/events',
    { config: { access: 'admin' }, schema: { body: AgentEventBody } },
    async (req, reply) => {
      engine.agentEvent(req.body.hostname, { type: req.body.type, reason: req.body.reason });
      return reply.status(204).send();
    },
  );
  app.get('/v1/heartbeat', async () => engine.heartbeatStats());
}
