// dcmanager's use-cases: subclouds (add, update, manage/unmanage, delete) and subcloud groups.
// The only writer of the distributed cloud's tables; each change is one transaction.

import type { Clock } from '../common/clock.ts';
import { StarlingError } from '../common/errors.ts';
import { newKeystoneId } from '../common/ids.ts';
import type { Sealer } from '../common/sealed.ts';
import { SOFTWARE_VERSION } from '../common/version.ts';
import { yaml } from '../common/yaml.ts';
import type { Db, Queryable } from '../db/index.ts';
import type { AlarmPort } from '../fault/index.ts';
import { decideAudit, type AuditDecision, type AuditObservation } from './domain/audit.ts';
import { DEFAULT_GROUP_ID, checkGroupFields } from './domain/group.ts';
import {
  DEPLOY_COMPLETE,
  checkDelete,
  checkManagementChange,
  checkNewSubcloud,
  type EndpointType,
  type SyncStatus,
} from './domain/subcloud.ts';
import * as repo from './repo.ts';
import { readPem } from '../certificates/index.ts';
import { GroupCommit } from '../runtime/index.ts';
import type {
  AlarmSummaryRow,
  GroupCreate,
  GroupUpdate,
  Subcloud,
  SubcloudCreate,
  SubcloudGroup,
  SubcloudListQuery,
  SubcloudUpdate,
} from './schemas.ts';

interface AuditWrite {
  id: number;
  obs: AuditObservation;
  offlineThreshold: number;
}

/** An audit's decision, with the subcloud's name and management state as it was recorded. */
export type AuditRecorded = AuditDecision & { name: string; management_state: 'managed' | 'unmanaged' };

interface SyncWrite {
  id: number;
  endpoint: EndpointType;
  status: SyncStatus;
  synced: readonly EndpointType[];
}

/** Told after a subcloud changed (added, managed, unmanaged, deleted), once the change is committed. */
export type SubcloudListener = (id: number) => void;

const notFound = (ref: string): StarlingError =>
  new StarlingError('NOT_FOUND', `Subcloud not found: ${ref}`, { field: 'subcloud_ref' });
const groupNotFound = (ref: string): StarlingError =>
  new StarlingError('NOT_FOUND', `Subcloud Group not found: ${ref}`, { field: 'group_ref' });

/** The bootstrap values file (YAML text) as an object, or a 400 naming it. */
/** The bootstrap values' `ca_cert` (PEM of the CA the subcloud's API certificate chains to), checked; null when absent. */
function bootstrapCa(values: Record<string, unknown>): string | null {
  const v = values.ca_cert;
  if (v === undefined || v === null || v === '') return null;
  const field = '/bootstrap_values/ca_cert';
  if (typeof v !== 'string') throw new StarlingError('VALIDATION_FAILED', 'ca_cert must be the PEM text of a CA certificate', { field });
  let certs;
  try {
    certs = readPem(v).certificates;
  } catch (e) {
    throw new StarlingError('VALIDATION_FAILED', `ca_cert: ${e instanceof Error ? e.message : String(e)}`, { field });
  }
  if (!certs.every((c) => c.ca)) throw new StarlingError('VALIDATION_FAILED', 'ca_cert holds a certificate that is not a CA', { field });
  return certs.map((c) => c.toString()).join('');
}

export function parseBootstrapValues(text: string, field = '/bootstrap_values'): Record<string, unknown> {
  let v: unknown;
  try {
    v = yaml().parse(text);
  } catch (e) {
    throw new StarlingError(
      'VALIDATION_FAILED',
      `bootstrap_values is malformed: ${(e as Error).message.split('\n')[0]}`,
      { field },
    );
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new StarlingError(
      'VALIDATION_FAILED',
      'bootstrap_values must be a YAML mapping (key: value lines)',
      { field },
    );
  }
  return v as Record<string, unknown>;
}

/** StarlingX's clients send the sysadmin password base64-encoded. */
function checkBase64Password(v: string | undefined): void {
  if (v === undefined) return;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) {
    throw new StarlingError(
      'VALIDATION_FAILED',
      'Failed to decode subcloud sysadmin_password, verify the password is base64 encoded',
      {
        field: '/sysadmin_password',
      },
    );
  }
}

export class DcManagerService {
  private readonly listeners: SubcloudListener[] = [];

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly sealer: Sealer,
    private readonly alarms?: Pick<AlarmPort, 'clearEntity'>,
    /** The system controller's own alarm counts, for its row of the alarm summary. */
    private readonly own?: {
      region: string;
      summary: () => Promise<{
        critical: number;
        major: number;
        minor: number;
        warnings: number;
        status: string;
      }>;
    },
  ) {}

  /** Calls `fn` after each committed subcloud change (the audit takes the subcloud up at once). */
  onSubcloudChange(fn: SubcloudListener): void {
    this.listeners.push(fn);
  }

  private changed(id: number): void {
    this.fullListCache = undefined;
    for (const fn of this.listeners) fn(id);
  }

  // --- subclouds ----------------------------------------------------------------------------------

  async listSubclouds(): Promise<Subcloud[]> {
    return repo.listSubclouds(this.db);
  }

  /**
   * `GET /v1.0/subclouds` as JSON text (one query; PostgreSQL writes the JSON): every subcloud, or
   * with `limit`/`marker` a page after the marker subcloud (id or name; a 400 when there is none),
   * with a `next` link when the page is full.
   */
  async listSubcloudsText(query: SubcloudListQuery): Promise<string> {
    let afterId = 0;
    if (query.marker !== undefined) {
      const id = await repo.subcloudIdOf(this.db, query.marker);
      if (id === undefined) throw new StarlingError('VALIDATION_FAILED', `marker not found: ${query.marker}`, { field: '/marker' });
      afterId = id;
    }
    const paged = query.limit !== undefined || query.marker !== undefined;
    if (!paged) return this.fullList();
    const page = { limit: query.limit ?? 100_000, afterId };
    const r = await repo.listSubcloudsJson(this.db, { page });
    const links = r.count === page.limit && r.lastId !== null ? [{ rel: 'next', href: `/v1.0/subclouds?limit=${page.limit}&marker=${r.lastId}` }] : [];
    return `{"subclouds":${r.json},"subclouds_links":${JSON.stringify(links)}}`;
  }

  private fullListCache: { at: number; text: Promise<string> } | undefined;

  /**
   * Every subcloud's JSON, read at most once a second however many ask (thousands of subclouds
   * are a query of seconds on a loaded machine): concurrent and repeated lists share one read, a
   * change made through this service reads again at once, one made by another process (an audit)
   * shows within a second.
   */
  private fullList(): Promise<string> {
    const now = performance.now();
    if (!this.fullListCache || now - this.fullListCache.at > 1000) {
      const text = repo.listSubcloudsJson(this.db).then((r) => `{"subclouds":${r.json}}`);
      const entry = { at: now, text };
      text.catch(() => {
        if (this.fullListCache === entry) this.fullListCache = undefined;
      });
      this.fullListCache = entry;
    }
    return this.fullListCache.text;
  }

  async getSubcloud(ref: string): Promise<Subcloud> {
    const s = await repo.getSubcloud(this.db, ref);
    if (!s) throw notFound(ref);
    return s;
  }

  async addSubcloud(body: SubcloudCreate): Promise<Subcloud> {
    checkBase64Password(body.sysadmin_password);
    const values = parseBootstrapValues(body.bootstrap_values);
    const caCert = bootstrapCa(values);
    const s = await this.db.tx(async (q) => {
      const groupId =
        body.group_id === undefined ? DEFAULT_GROUP_ID : await this.groupIdFor(q, body.group_id);
      const input = {
        bootstrapAddress: body['bootstrap-address'],
        bootstrapValues: values,
        overrides: {
          name: body.name,
          description: body.description,
          location: body.location,
          management_subnet: body.management_subnet,
          management_start_ip: body.management_start_ip,
          management_end_ip: body.management_end_ip,
          management_gateway_ip: body.management_gateway_ip,
          systemcontroller_gateway_ip: body.systemcontroller_gateway_ip,
        },
      };
      // Checked alone first (bad input is a 400 before any lock), then against the subclouds it
      // could clash with.
      const alone = checkNewSubcloud(input, []);
      const checked = checkNewSubcloud(
        input,
        await repo.lockedConflicts(q, alone.name, alone.management_subnet),
      );
      const { admin_password, ...rest } = checked;
      const id = await repo
        .insertSubcloud(
          q,
          {
            ...rest,
            software_version: SOFTWARE_VERSION,
            // A running site is added: its install and bootstrap are done (a bare host's are not ours).
            deploy_status: DEPLOY_COMPLETE,
            region_name: newKeystoneId(),
            group_id: groupId,
            admin_password_sealed: this.sealer.seal(admin_password),
            ca_cert: caCert,
          },
          this.clock.now(),
        )
        .catch((e: unknown) => {
          throw conflictField(e);
        });
      return (await repo.getSubcloud(q, String(id)))!;
    });
    this.changed(s.id);
    return s;
  }

  async updateSubcloud(ref: string, body: SubcloudUpdate): Promise<Subcloud> {
    if (Object.keys(body).length === 0)
      throw new StarlingError('VALIDATION_FAILED', 'nothing to update', { field: '/' });
    if (body.force !== undefined && body['management-state'] !== 'managed') {
      throw new StarlingError('VALIDATION_FAILED', 'Invalid option: force', { field: '/force' });
    }
    const values =
      body.bootstrap_values === undefined ? undefined : parseBootstrapValues(body.bootstrap_values);
    if (body.bootstrap_address !== undefined) checkUrl(body.bootstrap_address, '/bootstrap_address');
    const s = await this.db.tx(async (q) => {
      const current = await repo.getSubcloud(q, ref, true);
      if (!current) throw notFound(ref);
      const patch: repo.SubcloudPatch = {};
      if (body['management-state'] !== undefined) {
        checkManagementChange(
          {
            name: current.name,
            management_state: current['management-state'] as 'managed' | 'unmanaged',
            availability_status: current['availability-status'] as 'online' | 'offline',
            deploy_status: current['deploy-status'],
          },
          body['management-state'],
        );
        patch.management_state = body['management-state'];
        // StarlingX: an unmanaged subcloud's sync status is unknown (nothing is synced to it).
        if (body['management-state'] === 'unmanaged')
          await repo.setAllSyncStatus(q, current.id, 'unknown', this.clock.now());
      }
      if (body.description !== undefined) patch.description = body.description;
      if (body.location !== undefined) patch.location = body.location;
      if (body.group_id !== undefined) patch.group_id = await this.groupIdFor(q, body.group_id);
      if (body.bootstrap_address !== undefined)
        patch.bootstrap_address = body.bootstrap_address.replace(/\/+$/, '');
      if (values !== undefined) {
        const pw = values.admin_password;
        if (typeof pw !== 'string' || pw === '') {
          throw new StarlingError('VALIDATION_FAILED', 'admin_password is required', {
            field: '/bootstrap_values/admin_password',
          });
        }
        patch.admin_password_sealed = this.sealer.seal(pw);
        patch.ca_cert = bootstrapCa(values);
        if (typeof values.admin_username === 'string') patch.admin_username = values.admin_username;
        if (typeof values.admin_project_name === 'string') patch.admin_project = values.admin_project_name;
      }
      await repo.updateSubcloud(q, current.id, patch, this.clock.now());
      return (await repo.getSubcloud(q, String(current.id)))!;
    });
    this.changed(s.id);
    return s;
  }

  async deleteSubcloud(ref: string): Promise<void> {
    const { id, name } = await this.db.tx(async (q) => {
      const s = await repo.getSubcloud(q, ref, true);
      if (!s) throw notFound(ref);
      checkDelete({
        name: s.name,
        management_state: s['management-state'] as 'managed' | 'unmanaged',
        availability_status: s['availability-status'] as 'online' | 'offline',
        deploy_status: s['deploy-status'],
      });
      await repo.deleteSubcloud(q, s.id);
      return { id: s.id, name: s.name };
    });
    // Its alarms on the system controller (offline, out of sync) go with it.
    await this.alarms?.clearEntity(`subcloud=${name}`);
    this.changed(id);
  }

  // --- the availability audit ---------------------------------------------------------------------

  async subcloudIds(): Promise<number[]> {
    return repo.subcloudIds(this.db);
  }

  /** The subclouds of the given shards (id mod `count`) and when each was last audited (ms since
   *  the epoch; undefined = never): a shard's new holder audits each one interval after its last. */
  async shardSchedule(shards: readonly number[], count: number): Promise<{ id: number; lastAuditAt: number | undefined }[]> {
    if (shards.length === 0) return [];
    return (await repo.shardSchedule(this.db, shards, count)).map((r) => ({ id: r.id, lastAuditAt: r.last_audit_at?.getTime() }));
  }

  // Audits of thousands of subclouds: their reads and writes grouped (group commit), so hundreds
  // of subclouds' results are one transaction of a few statements rather than one each.
  private readonly targetReads = new GroupCommit<number, repo.AuditTarget | undefined>({
    run: async (ids) => {
      const byId = new Map((await repo.auditTargets(this.db, ids)).map((t) => [t.id, t]));
      return ids.map((id) => byId.get(id));
    },
    maxBatch: 1000,
    maxInFlight: 2,
  });
  private readonly auditWrites = new GroupCommit<AuditWrite, AuditRecorded | undefined>({
    run: (items) => this.recordAudits(items),
    maxBatch: 1000,
    maxInFlight: 2,
  });
  private readonly syncWrites = new GroupCommit<SyncWrite, { name: string; changed: boolean } | undefined>({
    run: (items) => this.recordSyncs(items),
    maxBatch: 1000,
    maxInFlight: 2,
  });

  /** Audit batches and the subclouds in them since start (for the benchmark). */
  auditBatches(): { batches: number; items: number } {
    return { batches: this.auditWrites.batches, items: this.auditWrites.items };
  }

  /** What the audit needs to reach a subcloud (its admin password opened); undefined = gone. */
  async auditTarget(
    id: number,
  ): Promise<(Omit<repo.AuditTarget, 'admin_password_sealed'> & { admin_password: string }) | undefined> {
    const t = await this.targetReads.submit(id);
    if (!t) return undefined;
    const { admin_password_sealed, ...rest } = t;
    return { ...rest, admin_password: this.sealer.open(admin_password_sealed) };
  }

  /** One audit's observation applied (with others', in one transaction, the rows locked against a
   *  concurrent manage/unmanage): the decision made, or undefined when the subcloud is gone. */
  async recordAudit(id: number, obs: AuditObservation, offlineThreshold: number): Promise<AuditRecorded | undefined> {
    return this.auditWrites.submit({ id, obs, offlineThreshold });
  }

  private async recordAudits(items: readonly AuditWrite[]): Promise<(AuditRecorded | undefined)[]> {
    return this.db.tx(async (q) => {
      const states = new Map((await repo.lockAuditStates(q, items.map((i) => i.id))).map((t) => [t.id, t]));
      const at = this.clock.now();
      const writes = new Map<number, AuditDecision>();
      const out = items.map((it) => {
        const t = states.get(it.id);
        if (!t) return undefined;
        const d = decideAudit(t, it.obs, it.offlineThreshold);
        states.set(it.id, { ...t, availability_status: d.availability_status, audit_fail_count: d.audit_fail_count });
        writes.set(it.id, d);
        return { ...d, name: t.name, management_state: t.management_state };
      });
      await repo.writeAudits(q, [...writes].map(([id, d]) => ({ id, d })), at);
      // StarlingX: what an offline subcloud holds is not known.
      const gone = [...writes].filter(([, d]) => d.changed && d.availability_status === 'offline').map(([id]) => id);
      await repo.setAllSyncStatusOf(q, gone, 'unknown', at);
      return out;
    });
  }

  /**
   * A sync result for one endpoint type of a managed subcloud (the endpoint types with nothing to
   * synchronise yet are shown in-sync with it). Undefined when the subcloud is gone or no longer
   * managed (an unmanaged subcloud's status stays unknown); `changed` when the status moved.
   * Grouped with others' into one transaction.
   */
  async recordSync(
    id: number,
    endpoint: EndpointType,
    status: SyncStatus,
    synced: readonly EndpointType[],
  ): Promise<{ name: string; changed: boolean } | undefined> {
    return this.syncWrites.submit({ id, endpoint, status, synced });
  }

  private async recordSyncs(items: readonly SyncWrite[]): Promise<({ name: string; changed: boolean } | undefined)[]> {
    return this.db.tx(async (q) => {
      const states = new Map((await repo.lockAuditStates(q, items.map((i) => i.id))).map((t) => [t.id, t]));
      const managed = items.filter((i) => states.get(i.id)?.management_state === 'managed');
      const at = this.clock.now();
      const changed = new Set(
        (await repo.setSyncStatuses(q, managed.map((i) => ({ id: i.id, endpoint: i.endpoint, status: i.status })), at)).map(
          (r) => `${r.subcloud_id}/${r.endpoint_type}`,
        ),
      );
      const bySynced = new Map<string, { synced: readonly string[]; ids: number[] }>();
      for (const i of managed) {
        const key = i.synced.join(',');
        const g = bySynced.get(key) ?? { synced: i.synced, ids: [] };
        g.ids.push(i.id);
        bySynced.set(key, g);
      }
      for (const g of bySynced.values()) await repo.setOthersInSyncOf(q, g.ids, g.synced, at);
      return items.map((i) => {
        const t = states.get(i.id);
        if (!t || t.management_state !== 'managed') return undefined;
        return { name: t.name, changed: changed.has(`${i.id}/${i.endpoint}`) };
      });
    });
  }

  /** Each subcloud's counts as its last audit read them, after the system controller's own row. */
  async alarmSummary(): Promise<AlarmSummaryRow[]> {
    const [rows, own] = await Promise.all([repo.alarmSummary(this.db), this.own?.summary()]);
    if (!own || !this.own) return rows;
    const { critical, major, minor, warnings, status } = own;
    return [
      {
        region_name: this.own.region,
        uuid: this.own.region,
        critical_alarms: critical,
        major_alarms: major,
        minor_alarms: minor,
        warnings,
        cloud_status: status,
      },
      ...rows,
    ];
  }

  // --- groups -------------------------------------------------------------------------------------

  private async groupIdFor(q: Queryable, ref: string | number): Promise<number> {
    const g = await repo.getGroup(q, String(ref), true);
    if (!g)
      throw new StarlingError('VALIDATION_FAILED', `Invalid group: no subcloud group ${ref}`, {
        field: '/group_id',
      });
    return g.id;
  }

  async listGroups(): Promise<SubcloudGroup[]> {
    return repo.listGroups(this.db);
  }

  async getGroup(ref: string): Promise<SubcloudGroup> {
    const g = await repo.getGroup(this.db, ref);
    if (!g) throw groupNotFound(ref);
    return g;
  }

  async groupSubclouds(ref: string): Promise<Subcloud[]> {
    const g = await this.getGroup(ref);
    return repo.listSubclouds(this.db, g.id);
  }

  async addGroup(body: GroupCreate): Promise<SubcloudGroup> {
    // The defaults StarlingX's client sends.
    const f = checkGroupFields({
      name: body.name,
      description: body.description ?? 'No description provided',
      update_apply_type: body.update_apply_type ?? 'parallel',
      max_parallel_subclouds: body.max_parallel_subclouds ?? 2,
    });
    return this.db
      .tx((q) => repo.insertGroup(q, f as Required<typeof f>, this.clock.now()))
      .catch((e: unknown) => {
        throw duplicateGroup(e, f.name!);
      });
  }

  async updateGroup(ref: string, body: GroupUpdate): Promise<SubcloudGroup> {
    if (Object.values(body).every((v) => v === undefined || v === '')) {
      throw new StarlingError('VALIDATION_FAILED', 'nothing to update', { field: '/' });
    }
    return this.db
      .tx(async (q) => {
        const g = await repo.getGroup(q, ref, true);
        if (!g) throw groupNotFound(ref);
        const f = checkGroupFields(body, g.id);
        return repo.updateGroup(q, g.id, { ...f }, this.clock.now());
      })
      .catch((e: unknown) => {
        throw duplicateGroup(e, typeof body.name === 'string' ? body.name : ref);
      });
  }

  async deleteGroup(ref: string): Promise<void> {
    await this.db.tx(async (q) => {
      const g = await repo.getGroup(q, ref, true);
      if (!g) throw groupNotFound(ref);
      if (g.id === DEFAULT_GROUP_ID)
        throw new StarlingError('CONFLICT', 'Default Subcloud Group may not be deleted');
      if ((await repo.countSubcloudsInGroup(q, g.id)) > 0) {
        throw new StarlingError('CONFLICT', `Subcloud Group not empty: move or delete its subclouds first`);
      }
      await repo.deleteGroup(q, g.id);
    });
  }
}

function checkUrl(v: string, field: string): void {
  let ok: boolean;
  try {
    const u = new URL(v);
    ok = u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    ok = false;
  }
  if (!ok)
    throw new StarlingError(
      'VALIDATION_FAILED',
      `${field.slice(1)} '${v}' must be the subcloud's API URL, e.g. http://10.10.10.2:6385`,
      { field },
    );
}

/** A constraint the check could not see coming (a concurrent add): name the field. */
function conflictField(e: unknown): unknown {
  if (e instanceof StarlingError && e.code === 'CONFLICT') {
    const c = typeof e.details?.constraint === 'string' ? e.details.constraint : '';
    const field = c.includes('name') ? '/name' : c.includes('region') ? '/region_name' : '/management_subnet';
    return new StarlingError('CONFLICT', e.message, { field, cause: e });
  }
  const pg = e as { code?: string };
  if (pg.code === '23P01')
    return new StarlingError('CONFLICT', "management_subnet overlaps another subcloud's", {
      field: '/management_subnet',
      cause: e,
    });
  return e;
}

function duplicateGroup(e: unknown, name: string): unknown {
  if (e instanceof StarlingError && e.code === 'CONFLICT') {
    return new StarlingError('CONFLICT', `A subcloud group with this name already exists: ${name}`, {
      field: '/name',
      cause: e,
    });
  }
  return e;
}
