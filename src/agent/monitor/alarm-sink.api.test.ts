// The agent's REST alarm sink against a real controller, logged in as the agents' service user:
// what the monitors raise and clear is what `fm alarm-list` shows, and alarms raised while the
// controller could not be reached arrive once it can.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpointFor, login, type Session } from '../../api/client.ts';
import { AGENT_USER } from '../../common/version.ts';
import { silentLogger } from '../../common/log.ts';
import { startSite, type TestSite } from '../../../test/support/site.ts';
import { restAlarmSink } from './alarm-sink.ts';

describe('agent alarms reach fm on the controller', () => {
  let site: TestSite;
  let token: string;
  let session: Session;
  let reachable = true;
  const alarms = async (entity: string) =>
    (
      (
        await site.call(
          'GET',
          `/v1/alarms?q.field=entity_instance_id&q.op=eq&q.value=${encodeURIComponent(entity)}`,
          { token },
        )
      ).body.alarms as any[]
    ).map((a) => ({
      alarm_id: a.alarm_id,
      entity_type_id: a.entity_type_id,
      severity: a.severity,
      reason_text: a.reason_text,
    }));

  beforeAll(async () => {
    site = await startSite();
    token = await site.token();
    // The service user appears shortly after the controller starts; agents retry until it does.
    for (let i = 0; ; i++) {
      try {
        session = await login({
          authUrl: `${site.url}/v3`,
          username: AGENT_USER,
          password: site.controller.agentPassword,
          projectName: 'services',
        });
        break;
      } catch (e) {
        if (i > 200) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }, 60_000);
  afterAll(async () => site?.stop());

  const sink = () =>
    restAlarmSink({
      fmUrl: async () => ({
        url: reachable ? endpointFor(session, 'faultmanagement') : 'http://127.0.0.1:1',
        token: session.token,
      }),
      log: silentLogger,
    });

  it('a process failure is raised, its severity and text updated, and cleared', async () => {
    const s = sink();
    const entity = 'host=compute-3.process=sleeper';
    await s.raise({
      alarm_id: '200.006',
      entity_instance_id: entity,
      severity: 'major',
      reason_text: 'sleeper process has failed; auto recovery in progress',
    });
    expect(await alarms(entity)).toEqual([
      {
        alarm_id: '200.006',
        entity_type_id: 'host.process',
        severity: 'major',
        reason_text: 'sleeper process has failed; auto recovery in progress',
      },
    ]);
    await s.raise({
      alarm_id: '200.006',
      entity_instance_id: entity,
      severity: 'major',
      reason_text: 'sleeper process has failed; manual recovery is required',
    });
    expect((await alarms(entity))[0]?.reason_text).toBe(
      'sleeper process has failed; manual recovery is required',
    );
    await s.clear('200.006', entity);
    expect(await alarms(entity)).toEqual([]);
  });

  it('raised while the controller was unreachable: sent with the next change, and resync() restores one deleted meanwhile', async () => {
    const s = sink();
    reachable = false;
    await s.raise({
      alarm_id: '100.104',
      entity_instance_id: 'host=compute-3.filesystem=/var/log',
      severity: 'critical',
      reason_text: 'File system /var/log threshold exceeded',
    });
    expect(await alarms('host=compute-3.filesystem=/var/log')).toEqual([]);
    reachable = true;
    await s.raise({
      alarm_id: '100.108',
      entity_instance_id: 'host=compute-3.port=eth0',
      severity: 'major',
      reason_text: 'Management port eth0 failed (link down)',
    });
    expect(await alarms('host=compute-3.filesystem=/var/log')).toMatchObject([
      { alarm_id: '100.104', entity_type_id: 'host.filesystem', severity: 'critical' },
    ]);
    expect(await alarms('host=compute-3.port=eth0')).toMatchObject([
      { alarm_id: '100.108', severity: 'major' },
    ]);

    // an operator deletes the port alarm while the port is still down; the agent's resync puts it back
    await site.call('DELETE', '/v1/alarms?alarm_id=100.108&entity_instance_id=host=compute-3.port=eth0', {
      token,
    });
    await s.resync();
    expect(await alarms('host=compute-3.port=eth0')).toHaveLength(1);
  });
});
