// sysinv's storage resources: /v1/idisks, /v1/partitions, /v1/ilvgs, /v1/ipvs, /v1/istors and
// their /v1/ihosts/{id}/… lists. Bodies are checked for shape here and for meaning by the rules.

import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { App } from '../../api/server.ts';
import { JsonPatch } from '../../api/json-patch.ts';
import { StarlingError } from '../../common/errors.ts';
import type { StorageRecord, StorageService } from './service.ts';

const Str = (max = 255) => Type.String({ maxLength: max });
const Id = Type.String({ minLength: 1, maxLength: 255 });
const Size = Type.Union([Type.Integer(), Str(20)]);
const HostParams = Type.Object({ host_id: Id });
const DiskParams = Type.Object({ idisk_uuid: Id });
const PartitionParams = Type.Object({ partition_uuid: Id });
const LvgParams = Type.Object({ ilvg_uuid: Id });
const PvParams = Type.Object({ ipv_uuid: Id });
const StorParams = Type.Object({ istor_uuid: Id });

/** cgtsclient sends sizes as numbers (and accepts them as strings); the rules read both. */
const PartitionCreate = Type.Object(
  {
    ihost_uuid: Str(64),
    idisk_uuid: Str(255),
    size_mib: Size,
    type_guid: Type.Optional(Str(64)),
  },
  { additionalProperties: false },
);
const LvgCreate = Type.Object({ ihost_uuid: Str(64), lvm_vg_name: Str(64) }, { additionalProperties: false });
const PvCreate = Type.Object(
  {
    ihost_uuid: Str(64),
    ilvg_uuid: Str(255),
    disk_or_part_uuid: Str(255),
    pv_type: Type.Optional(Str(16)),
  },
  { additionalProperties: false },
);
const StorCreate = Type.Object(
  { ihost_uuid: Str(64), idisk_uuid: Str(255), function: Type.Optional(Str(16)) },
  { additionalProperties: false },
);
const PartitionQuery = Type.Object(
  { ihost_uuid: Type.Optional(Str(64)), idisk_uuid: Type.Optional(Str(255)) },
  { additionalProperties: false },
);
const HostQuery = Type.Object({ ihost_uuid: Type.Optional(Str(64)) }, { additionalProperties: false });

const withLinks = (req: FastifyRequest, kind: string, r: StorageRecord) => ({
  ...r,
  links: [{ href: `${req.protocol}://${req.host}/v1/${kind}/${r.uuid}`, rel: 'self' }],
});

/** PATCH /v1/partitions/:uuid (host-disk-partition-modify -s): `replace` of size_mib only. */
function partitionPatch(ops: JsonPatch): { size_mib: unknown } {
  let size: unknown;
  for (const op of ops) {
    const field = op.path.replace(/^\//, '');
    if (op.op !== 'replace' || field !== 'size_mib')
      throw new StarlingError('VALIDATION_FAILED', `only size_mib can be changed (replace), not ${op.op} ${op.path}`, { field });
    size = op.value;
  }
  if (size === undefined) throw new StarlingError('VALIDATION_FAILED', 'nothing to change: give size_mib', { field: 'size_mib' });
  return { size_mib: size };
}

export function storageRoutes(app: App, svc: StorageService): void {
  // Disks: the storage view (free space, the OS disk, what uses each disk) of what the agent reported.
  app.get('/v1/ihosts/:host_id/idisks', { schema: { params: HostParams } }, async (req) => ({
    idisks: (await svc.listDisks(req.params.host_id)).map((d) => withLinks(req, 'idisks', d)),
  }));
  app.get('/v1/idisks/:idisk_uuid', { schema: { params: DiskParams } }, async (req) =>
    withLinks(req, 'idisks', await svc.getDisk(req.params.idisk_uuid)),
  );
  app.get('/v1/idisks/:idisk_uuid/partitions', { schema: { params: DiskParams } }, async (req) => ({
    partitions: (await svc.listPartitions({ disk: req.params.idisk_uuid })).map((p) =>
      withLinks(req, 'partitions', p),
    ),
  }));

  // Partitions.
  app.get('/v1/ihosts/:host_id/partitions', { schema: { params: HostParams } }, async (req) => ({
    partitions: (await svc.listPartitions({ host: req.params.host_id })).map((p) =>
      withLinks(req, 'partitions', p),
    ),
  }));
  app.get('/v1/partitions', { schema: { querystring: PartitionQuery } }, async (req) => ({
    partitions: (
      await svc.listPartitions({
        ...(req.query.ihost_uuid !== undefined ? { host: req.query.ihost_uuid } : {}),
        ...(req.query.idisk_uuid !== undefined ? { disk: req.query.idisk_uuid } : {}),
      })
    ).map((p) => withLinks(req, 'partitions', p)),
  }));
  app.get('/v1/partitions/:partition_uuid', { schema: { params: PartitionParams } }, async (req) =>
    withLinks(req, 'partitions', await svc.getPartition(req.params.partition_uuid)),
  );
  app.post('/v1/partitions', { schema: { body: PartitionCreate } }, async (req, reply) =>
    reply.status(201).send(withLinks(req, 'partitions', await svc.addPartition(req.body))),
  );
  app.patch(
    '/v1/partitions/:partition_uuid',
    { schema: { params: PartitionParams, body: JsonPatch } },
    async (req) =>
      withLinks(req, 'partitions', await svc.modifyPartition(req.params.partition_uuid, partitionPatch(req.body))),
  );
  app.delete(
    '/v1/partitions/:partition_uuid',
    { schema: { params: PartitionParams } },
    async (req, reply) => {
      await svc.deletePartition(req.params.partition_uuid);
      return reply.status(204).send();
    },
  );

  // Volume groups, physical volumes, storage functions: the same shape each.
  const collection = (
    kind: 'ilvgs' | 'ipvs' | 'istors',
    params: typeof LvgParams | typeof PvParams | typeof StorParams,
    param: string,
    body: typeof LvgCreate | typeof PvCreate | typeof StorCreate,
    ops: {
      list: (host?: string) => Promise<StorageRecord[]>;
      get: (uuid: string) => Promise<StorageRecord>;
      add: (input: Record<string, unknown>) => Promise<StorageRecord>;
      remove: (uuid: string) => Promise<void>;
    },
  ): void => {
    app.get(`/v1/ihosts/:host_id/${kind}`, { schema: { params: HostParams } }, async (req) => ({
      [kind]: (await ops.list(req.params.host_id)).map((r) => withLinks(req, kind, r)),
    }));
    app.get(`/v1/${kind}`, { schema: { querystring: HostQuery } }, async (req) => ({
      [kind]: (await ops.list(req.query.ihost_uuid)).map((r) => withLinks(req, kind, r)),
    }));
    app.get(`/v1/${kind}/:${param}`, { schema: { params } }, async (req) =>
      withLinks(req, kind, await ops.get((req.params as Record<string, string>)[param]!)),
    );
    app.post(`/v1/${kind}`, { schema: { body } }, async (req, reply) =>
      reply.status(201).send(withLinks(req, kind, await ops.add(req.body as Record<string, unknown>))),
    );
    app.delete(`/v1/${kind}/:${param}`, { schema: { params } }, async (req, reply) => {
      await ops.remove((req.params as Record<string, string>)[param]!);
      return reply.status(204).send();
    });
  };
  collection('ilvgs', LvgParams, 'ilvg_uuid', LvgCreate, {
    list: (h) => svc.listLvgs(h),
    get: (u) => svc.getLvg(u),
    add: (i) => svc.addLvg(i),
    remove: (u) => svc.deleteLvg(u),
  });
  collection('ipvs', PvParams, 'ipv_uuid', PvCreate, {
    list: (h) => svc.listPvs(h),
    get: (u) => svc.getPv(u),
    add: (i) => svc.addPv(i),
    remove: (u) => svc.deletePv(u),
  });
  collection('istors', StorParams, 'istor_uuid', StorCreate, {
    list: (h) => svc.listStors(h),
    get: (u) => svc.getStor(u),
    add: (i) => svc.addStor(i),
    remove: (u) => svc.deleteStor(u),
  });
}
