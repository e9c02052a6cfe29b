import { describe, expect, it } from 'vitest';
import { StarlingError } from '../../common/errors.ts';
import { loadCatalog } from '../catalog-file.ts';
import { alarmFromRaise, entityTypeOf, logFromInput } from './raise.ts';

const catalog = loadCatalog();
const now = new Date('2026-05-01T12:00:00Z');

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(StarlingError);
    expect((e as StarlingError).code).toBe('VALIDATION_FAILED');
    return (e as StarlingError).field;
  }
  throw new Error('expected a validation error');
}

describe('alarmFromRaise', () => {
  it('fills the catalog defaults and computes mgmt/degrade affecting from the severity', () => {
    const a = alarmFromRaise({ alarm_id: '100.101', entity_instance_id: 'host=controller-0', severity: 'critical' }, catalog, now);
    expect(a).toMatchObject({
      alarm_id: '100.101',
      entity_type_id: 'host',
      alarm_type: 'operational-violation',
      probable_cause: 'threshold-crossed',
      service_affecting: false,
      suppression: true,
      mgmt_affecting: true, // major and above block orchestration
      degrade_affecting: true, // critical degrades the host
      timestamp: '2026-05-01T12:00:00.000Z',
    });
    expect(a.reason_text).toContain('CPU');
    const major = alarmFromRaise({ alarm_id: '100.101', entity_instance_id: 'host=controller-0', severity: 'major' }, catalog, now);
    expect(major).toMatchObject({ mgmt_affecting: true, degrade_affecting: false });
  });

  it('keeps what the raiser gives (reason, time, type) over the defaults', () => {
    const a = alarmFromRaise(
      { alarm_id: '200.006', entity_instance_id: 'host=worker-0.process=sshd', severity: 'major', reason_text: 'sshd failed', timestamp: '2026-01-01T00:00:00Z' },
      catalog,
      now,
    );
    expect(a).toMatchObject({ reason_text: 'sshd failed', timestamp: '2026-01-01T00:00:00.000Z', entity_type_id: 'host.process' });
  });

  it('an unsuppressible id stays unsuppressible', () => {
    expect(alarmFromRaise({ alarm_id: '200.004', entity_instance_id: 'host=w', severity: 'critical', suppression: true }, catalog, now).suppression).toBe(false);
  });

  it.each([
    ['an id not in the catalog', { alarm_id: '999.999', entity_instance_id: 'host=a', severity: 'major' }, 'alarm_id'],
    ['a log id raised as an alarm', { alarm_id: '200.021', entity_instance_id: 'host=a', severity: 'warning' }, 'alarm_id'],
    ['a severity the id does not have', { alarm_id: '100.108', entity_instance_id: 'host=a.port=eth0', severity: 'critical' }, 'severity'],
    ['an unknown severity', { alarm_id: '100.101', entity_instance_id: 'host=a', severity: 'fatal' }, 'severity'],
    ['a malformed entity', { alarm_id: '100.101', entity_instance_id: 'controller-0', severity: 'major' }, 'entity_instance_id'],
    ['an unknown probable cause', { alarm_id: '100.101', entity_instance_id: 'host=a', severity: 'major', probable_cause: 'gremlins' }, 'probable_cause'],
    ['a bad timestamp', { alarm_id: '100.101', entity_instance_id: 'host=a', severity: 'major', timestamp: 'yesterday' }, 'timestamp'],
    ['a clear state', { alarm_id: '100.101', entity_instance_id: 'host=a', severity: 'major', alarm_state: 'clear' }, 'alarm_state'],
  ])('refuses %s, naming the field', (_, input, field) => {
    expect(fieldOf(() => alarmFromRaise(input, catalog, now))).toBe(field);
  });
});

describe('entityTypeOf', () => {
  it.each([
    ['host=controller-0', 'host'],
    ['host=controller-0.port=eth0', 'host.port'],
    ['host=controller-0.ntp=10.10.10.1', 'host.ntp'],
    ['service_domain=controller.service_group=oam-services.host=controller-0', 'service_domain.service_group.host'],
  ])('%s → %s', (entity, type) => expect(entityTypeOf(entity)).toBe(type));
});

describe('logFromInput', () => {
  it('accepts a log id and refuses an alarm id', () => {
    expect(logFromInput({ event_log_id: '200.022', entity_instance_id: 'host=worker-0', severity: 'critical' }, catalog, now).event_log_id).toBe('200.022');
    expect(fieldOf(() => logFromInput({ event_log_id: '100.101', entity_instance_id: 'host=a', severity: 'major' }, catalog, now))).toBe('event_log_id');
  });
});
