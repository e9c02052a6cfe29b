// dcmanager's REST API under /v1.0 (StarlingX's paths and JSON): subclouds, subcloud groups and
// the alarm summary. Thin: the service decides.

import type { App } from '../api/server.ts';
import type { DcManagerService } from './service.ts';
import { GroupCreate, GroupParams, GroupUpdate, SubcloudCreate, SubcloudListQuery, SubcloudParams, SubcloudUpdate } from './schemas.ts';

export function dcmanagerRoutes(app: App, dc: DcManagerService): void {
  // The list's JSON is written by PostgreSQL and sent as it is (thousands of subclouds).
  app.get('/v1.0/subclouds', { schema: { querystring: SubcloudListQuery } }, async (req, reply) =>
    reply.type('application/json; charset=utf-8').send(await dc.listSubcloudsText(req.query)),
  );

  app.post('/v1.0/subclouds', { schema: { body: SubcloudCreate } }, async (req) => dc.addSubcloud(req.body));

  app.get('/v1.0/subclouds/:subcloud_ref', { schema: { params: SubcloudParams } }, async (req) => dc.getSubcloud(req.params.subcloud_ref));

  // StarlingX's detail adds what it reads from the subcloud itself; those reads are not made yet.
  app.get('/v1.0/subclouds/:subcloud_ref/detail', { schema: { params: SubcloudParams } }, async (req) => ({
    ...(await dc.getSubcloud(req.params.subcloud_ref)),
    oam_floating_ip: 'unavailable',
    deploy_config_sync_status: 'unknown',
  }));

  app.patch('/v1.0/subclouds/:subcloud_ref', { schema: { params: SubcloudParams, body: SubcloudUpdate } }, async (req) =>
    dc.updateSubcloud(req.params.subcloud_ref, req.body),
  );

  app.delete('/v1.0/subclouds/:subcloud_ref', { schema: { params: SubcloudParams } }, async (req, reply) => {
    await dc.deleteSubcloud(req.params.subcloud_ref);
    return reply.status(204).send();
  });

  app.get('/v1.0/subcloud-groups', async () => ({ subcloud_groups: await dc.listGroups() }));

  app.post('/v1.0/subcloud-groups', { schema: { body: GroupCreate } }, async (req) => dc.addGroup(req.body));

  app.get('/v1.0/subcloud-groups/:group_ref', { schema: { params: GroupParams } }, async (req) => dc.getGroup(req.params.group_ref));

  app.get('/v1.0/subcloud-groups/:group_ref/subclouds', { schema: { params: GroupParams } }, async (req) => ({
    subclouds: await dc.groupSubclouds(req.params.group_ref),
  }));

  app.patch('/v1.0/subcloud-groups/:group_ref', { schema: { params: GroupParams, body: GroupUpdate } }, async (req) =>
    dc.updateGroup(req.params.group_ref, req.body),
  );

  app.delete('/v1.0/subcloud-groups/:group_ref', { schema: { params: GroupParams } }, async (req, reply) => {
    await dc.deleteGroup(req.params.group_ref);
    return reply.status(204).send();
  });

  app.get('/v1.0/alarms', async () => ({ alarm_summary: await dc.alarmSummary() }));
}
