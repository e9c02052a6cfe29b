// sysinv's node-configuration resources: /v1/addrpools, /v1/networks, /v1/iinterfaces and
// /v1/ihosts/{id}/iinterfaces. Bodies are checked for shape here and for meaning by the rules.

import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { App } from '../../api/server.ts';
import { JsonPatch } from '../../api/json-patch.ts';
import { StarlingError } from '../../common/errors.ts';
import { POOL_FIELDS, type InterfaceService, type PoolChange } from './service.ts';

/** PATCH /v1/addrpools/:uuid: `replace` (or `add`) sets a field, `remove` clears an optional
 *  address (the same as replacing it with null). */
function poolPatch(ops: JsonPatch): PoolChange {
  const changes: Record<string, unknown> = {};
  for (const op of ops) {
    const field = op.path.slice(1);
    if (!(POOL_FIELDS as readonly string[]).includes(field))
      throw new StarlingError('VALIDATION_FAILED', `${op.path} cannot be changed (allowed: ${POOL_FIELDS.join(', ')})`, { field });
    changes[field] = op.op === 'remove' ? null : op.value;
  }
  return changes;
}

/** PATCH /v1/iinterfaces/:uuid: fields to set (`remove` is refused). */
function interfacePatch(ops: JsonPatch): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  for (const op of ops) {
    if (op.op === 'remove')
      throw new StarlingError('VALIDATION_FAILED', `operation remove is not supported on ${op.path}; use replace`, {
        field: op.path.slice(1),
      });
    changes[op.path.slice(1)] = op.value;
  }
  return changes;
}

const Str = (max = 255) => Type.String({ maxLength: max });
const Scalar = Type.Union([Type.String({ maxLength: 255 }), Type.Number(), Type.Boolean(), Type.Null()]);
const Names = Type.Union([
  Type.String({ maxLength: 4096 }),
  Type.Array(Type.Union([Type.String({ maxLength: 255 }), Type.Integer()]), { maxItems: 64 }),
  Type.Null(),
]);
const Id = Type.String({ minLength: 1, maxLength: 255 });
const PoolParams = Type.Object({ address_pool_uuid: Id });
const NetworkParams = Type.Object({ network_uuid: Id });
const InterfaceParams = Type.Object({ interface_uuid: Id });
const HostParams = Type.Object({ host_id: Id });

const PoolCreate = Type.Object(
  {
    name: Str(),
    network: Str(45),
    prefix: Type.Union([Type.Integer(), Str(3)]),
    order: Type.Optional(Str(16)),
    ranges: Type.Optional(
      Type.Union([
        Type.Array(Type.Union([Type.Array(Str(45), { minItems: 2, maxItems: 2 }), Str(91)]), {
          maxItems: 256,
        }),
        Str(8192),
        Type.Null(),
      ]),
    ),
    floating_address: Type.Optional(Type.Union([Str(45), Type.Null()])),
    controller0_address: Type.Optional(Type.Union([Str(45), Type.Null()])),
    controller1_address: Type.Optional(Type.Union([Str(45), Type.Null()])),
    gateway_address: Type.Optional(Type.Union([Str(45), Type.Null()])),
  },
  { additionalProperties: false },
);

const NetworkCreate = Type.Object(
  {
    name: Str(),
    type: Str(32),
    dynamic: Type.Optional(Type.Union([Type.Boolean(), Str(5)])),
    pool_uuid: Type.Optional(Type.Union([Str(255), Type.Null()])),
  },
  { additionalProperties: false },
);

/** cgtsclient sends numbers as strings and absent lists as null: the rules read both. */
const InterfaceCreate = Type.Object(
  {
    ihost_uuid: Str(64),
    ifname: Str(64),
    iftype: Type.Optional(Scalar),
    ifclass: Type.Optional(Scalar),
    imtu: Type.Optional(Scalar),
    aemode: Type.Optional(Scalar),
    txhashpolicy: Type.Optional(Scalar),
    vlan_id: Type.Optional(Scalar),
    uses: Type.Optional(Names),
    ports: Type.Optional(Names),
    networks: Type.Optional(Names),
    sriov_numvfs: Type.Optional(Scalar),
    sriov_vf_driver: Type.Optional(Scalar),
  },
  { additionalProperties: false },
);

const link = (req: FastifyRequest, kind: string, uuid: string) => [
  { href: `${req.protocol}://${req.host}/v1/${kind}/${uuid}`, rel: 'self' },
];

export function interfaceRoutes(app: App, svc: InterfaceService): void {
  // Address pools.
  app.get('/v1/addrpools', async (req) => ({
    addrpools: (await svc.listPools()).map((p) => ({ ...p, links: link(req, 'addrpools', p.uuid) })),
  }));
  app.get('/v1/addrpools/:address_pool_uuid', { schema: { params: PoolParams } }, async (req) => {
    const p = await svc.getPool(req.params.address_pool_uuid);
    return { ...p, links: link(req, 'addrpools', p.uuid) };
  });
  app.post('/v1/addrpools', { schema: { body: PoolCreate } }, async (req, reply) => {
    const p = await svc.addPool(req.body);
    return reply.status(201).send({ ...p, links: link(req, 'addrpools', p.uuid) });
  });
  app.patch(
    '/v1/addrpools/:address_pool_uuid',
    { schema: { params: PoolParams, body: JsonPatch } },
    async (req) => {
      const p = await svc.modifyPool(req.params.address_pool_uuid, poolPatch(req.body));
      return { ...p, links: link(req, 'addrpools', p.uuid) };
    },
  );
  app.delete('/v1/addrpools/:address_pool_uuid', { schema: { params: PoolParams } }, async (req, reply) => {
    await svc.deletePool(req.params.address_pool_uuid);
    return reply.status(204).send();
  });

  // Networks.
  app.get('/v1/networks', async (req) => ({
    networks: (await svc.listNetworks()).map((n) => ({ ...n, links: link(req, 'networks', n.uuid) })),
  }));
  app.get('/v1/networks/:network_uuid', { schema: { params: NetworkParams } }, async (req) => {
    const n = await svc.getNetwork(req.params.network_uuid);
    return { ...n, links: link(req, 'networks', n.uuid) };
  });
  app.post('/v1/networks', { schema: { body: NetworkCreate } }, async (req, reply) => {
    const n = await svc.addNetwork(req.body);
    return reply.status(201).send({ ...n, links: link(req, 'networks', n.uuid) });
  });
  app.delete('/v1/networks/:network_uuid', { schema: { params: NetworkParams } }, async (req, reply) => {
    await svc.deleteNetwork(req.params.network_uuid);
    return reply.status(204).send();
  });

  // Addresses given to hosts from the pools (sysinv's addresses; read-only here).
  app.get('/v1/ihosts/:host_id/addresses', { schema: { params: HostParams } }, async (req) => ({
    addresses: (await svc.listAddresses(req.params.host_id)).map((a) => ({
      ...a,
      links: link(req, 'addresses', a.uuid),
    })),
  }));
  app.get(
    '/v1/addresses/:address_uuid',
    { schema: { params: Type.Object({ address_uuid: Id }) } },
    async (req) => {
      const a = await svc.getAddress(req.params.address_uuid);
      return { ...a, links: link(req, 'addresses', a.uuid) };
    },
  );

  // Interfaces.
  app.get('/v1/ihosts/:host_id/iinterfaces', { schema: { params: HostParams } }, async (req) => ({
    iinterfaces: (await svc.listInterfaces(req.params.host_id)).map((i) => ({
      ...i,
      links: link(req, 'iinterfaces', i.uuid),
    })),
  }));
  app.get('/v1/iinterfaces/:interface_uuid', { schema: { params: InterfaceParams } }, async (req) => {
    const i = await svc.getInterface(req.params.interface_uuid);
    return { ...i, links: link(req, 'iinterfaces', i.uuid) };
  });
  app.get('/v1/iinterfaces/:interface_uuid/ports', { schema: { params: InterfaceParams } }, async (req) => ({
    ports: await svc.interfacePorts(req.params.interface_uuid),
  }));
  app.post('/v1/iinterfaces', { schema: { body: InterfaceCreate } }, async (req, reply) => {
    const i = await svc.addInterface(req.body);
    return reply.status(201).send({ ...i, links: link(req, 'iinterfaces', i.uuid) });
  });
  app.patch(
    '/v1/iinterfaces/:interface_uuid',
    { schema: { params: InterfaceParams, body: JsonPatch } },
    async (req) => {
      const i = await svc.modifyInterface(req.params.interface_uuid, interfacePatch(req.body));
      return { ...i, links: link(req, 'iinterfaces', i.uuid) };
    },
  );
  app.delete(
    '/v1/iinterfaces/:interface_uuid',
    { schema: { params: InterfaceParams } },
    async (req, reply) => {
      await svc.deleteInterface(req.params.interface_uuid);
      return reply.status(204).send();
    },
  );
}
