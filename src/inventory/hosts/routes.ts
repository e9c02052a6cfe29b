// sysinv's host resources: /v1/ihosts (list, add, show, JSON-patch update and actions, delete),
// bulk_add / bulk_export, the inventory sub-resources, labels, and the agents' registration.

import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { App } from '../../api/server.ts';
import { JsonPatch } from '../../api/json-patch.ts';
import { MAX_BULK_BYTES } from './bulk-xml-parse.ts';
import { StarlingError } from '../../common/errors.ts';
import { RegisterBody } from '../../agentlink/index.ts';
import type { HostFieldChanges, HostService } from './service.ts';
import type { HostRow, InventoryTable } from './repo.ts';
import { HOST_ACTIONS, type HostAction } from './domain/host-state.ts';
import { MEMORY_FIELDS, type MemoryField, type MemoryRequest } from './domain/memory.ts';

const Str = (max = 255) => Type.String({ maxLength: max });
const HostCreate = Type.Object(
  {
    hostname: Type.Optional(Str(63)),
    personality: Type.Optional(Str(16)),
    subfunctions: Type.Optional(Str(64)),
    mgmt_mac: Type.Optional(Str(17)),
    mgmt_ip: Type.Optional(Str(45)),
    bm_type: Type.Optional(Str(16)),
    bm_ip: Type.Optional(Str(45)),
    bm_username: Type.Optional(Str(64)),
    bm_password: Type.Optional(Str(128)),
    boot_device: Type.Optional(Str()),
    rootfs_device: Type.Optional(Str()),
    install_output: Type.Optional(Str(16)),
    console: Type.Optional(Str(32)),
    location: Type.Optional(Type.Union([Str(), Type.Record(Type.String(), Type.Unknown())])),
  },
  { additionalProperties: false },
);
const HostParams = Type.Object({ host_id: Type.String({ minLength: 1, maxLength: 64 }) });
const ListQuery = Type.Object({ personality: Type.Optional(Str(16)) }, { additionalProperties: false });
/** PATCH /v1/ihosts/:id as sysinv takes it: `/action` alone (lock, unlock…), or fields to set
 *  (`replace`, or `add` as cgtsclient sends a field the host does not have yet). */
function hostPatch(ops: JsonPatch): { action: HostAction } | { fields: HostFieldChanges } {
  const actionOp = ops.find((o) => o.path === '/action');
  if (actionOp) {
    if (ops.length > 1)
      throw new StarlingError('VALIDATION_FAILED', 'an action is sent alone, without other changes', { field: '/action' });
    const value = actionOp.value;
    if (typeof value !== 'string' || !(HOST_ACTIONS as readonly string[]).includes(value)) {
      throw new StarlingError('VALIDATION_FAILED', `/action must be one of ${HOST_ACTIONS.join(', ')}`, { field: '/action' });
    }
    return { action: value as HostAction };
  }
  const fields: Record<string, unknown> = {};
  for (const op of ops) {
    if (op.op !== 'replace' && op.op !== 'add')
      throw new StarlingError('VALIDATION_FAILED', `operation ${op.op} is not supported on ${op.path}`, { field: op.path });
    fields[op.path.slice(1)] = op.value;
  }
  return { fields };
}

/** PATCH /v1/imemorys/:uuid (host-memory-modify): `replace` of the pending huge pages and platform memory. */
function memoryPatch(ops: JsonPatch): MemoryRequest {
  const requested: MemoryRequest = {};
  for (const op of ops) {
    const field = op.path.slice(1);
    if (!(MEMORY_FIELDS as readonly string[]).includes(field)) {
      throw new StarlingError('VALIDATION_FAILED', `${op.path} cannot be changed (allowed: ${MEMORY_FIELDS.join(', ')})`, {
        field: op.path,
      });
    }
    if (op.op !== 'replace')
      throw new StarlingError('VALIDATION_FAILED', `operation ${op.op} is not supported on ${op.path}; use replace`, {
        field: op.path,
      });
    requested[field as MemoryField] = op.value;
  }
  return requested;
}

const links = (req: FastifyRequest, h: HostRow) => [{ href: `${req.protocol}://${req.host}/v1/ihosts/${h.uuid}`, rel: 'self' }];

/** Inventory sub-resources: path → table (the JSON key is the path, as in sysinv: `ports` for
 *  /ports, `ethernet_ports` for /ethernet_ports). */
const SUB: Record<string, InventoryTable> = {
  icpus: 'icpus',
  imemorys: 'imemorys',
  ethernet_ports: 'ethernet_ports',
  ports: 'ethernet_ports',
  pci_devices: 'pci_devices',
};

export function hostRoutes(app: App, hosts: HostService): void {
  // Bulk files come as XML (raw, or the `file` field of a form like cgtsclient sends), at most
  // MAX_BULK_BYTES: a larger Content-Length is refused (413) before the body is read.
  app.addContentTypeParser(['application/xml', 'text/xml'], { parseAs: 'string', bodyLimit: MAX_BULK_BYTES }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('multipart/form-data', { parseAs: 'string', bodyLimit: MAX_BULK_BYTES }, (req, body, done) => {
    const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(req.headers['content-type'] ?? '');
    const b = boundary?.[1] ?? boundary?.[2];
    if (!b) return done(new StarlingError('BAD_REQUEST', 'multipart body without a boundary', { field: 'file' }), undefined);
    const part = (body as string).split(`--${b}`).find((p) => /name="file"/.test(p));
    if (!part) return done(new StarlingError('VALIDATION_FAILED', 'the form has no "file" field', { field: 'file' }), undefined);
    done(null, part.slice(part.indexOf('\r\n\r\n') + 4).replace(/\r\n$/, ''));
  });

  app.get('/v1/ihosts', { schema: { querystring: ListQuery } }, async (req) => ({
    ihosts: (await hosts.list(req.query.personality)).map((h) => ({ ...h, links: links(req, h) })),
  }));

  app.get('/v1/ihosts/bulk_export', async () => ({ content: await hosts.bulkExport() }));

  app.post('/v1/ihosts/bulk_add', async (req, reply) => {
    if (typeof req.body !== 'string') {
      throw new StarlingError('UNSUPPORTED_MEDIA_TYPE', 'send the hosts file as application/xml, or as the "file" field of multipart/form-data', { field: 'file' });
    }
    const { added, warnings } = await hosts.bulkAdd(req.body);
    return reply.status(201).send({
      success: added.map((h) => h.hostname).join(', '),
      error: warnings.join('\n'),
      ihosts: added.map((h) => ({ ...h, links: links(req, h) })),
    });
  });

  app.get('/v1/ihosts/:host_id', { schema: { params: HostParams } }, async (req) => {
    const h = await hosts.get(req.params.host_id);
    return { ...h, links: links(req, h) };
  });

  app.post('/v1/ihosts', { schema: { body: HostCreate } }, async (req, reply) => {
    const h = await hosts.add(req.body);
    return reply.status(201).send({ ...h, links: links(req, h) });
  });

  app.patch('/v1/ihosts/:host_id', { schema: { params: HostParams, body: JsonPatch } }, async (req) => {
    const patch = hostPatch(req.body);
    const h = 'action' in patch ? await hosts.act(req.params.host_id, patch.action) : await hosts.update(req.params.host_id, patch.fields);
    return { ...h, links: links(req, h) };
  });

  app.delete('/v1/ihosts/:host_id', { schema: { params: HostParams } }, async (req, reply) => {
    await hosts.delete(req.params.host_id);
    return reply.status(204).send();
  });

  for (const [path, table] of Object.entries(SUB)) {
    app.get(`/v1/ihosts/:host_id/${path}`, { schema: { params: HostParams } }, async (req) => ({
      [path]: await hosts.inventory((req.params).host_id, table),
    }));
  }
  // One row by uuid (cgtsclient's `get` of each resource).
  const ROW: Record<string, InventoryTable> = {
    icpus: 'icpus',
    ports: 'ethernet_ports',
    ethernet_ports: 'ethernet_ports',
    pci_devices: 'pci_devices',
  };
  const RowParams = Type.Object({ row_uuid: Type.String({ minLength: 1, maxLength: 64 }) });
  for (const [path, table] of Object.entries(ROW)) {
    app.get(`/v1/${path}/:row_uuid`, { schema: { params: RowParams } }, async (req) =>
      hosts.inventoryRow(table, req.params.row_uuid),
    );
  }

  // NUMA nodes (sysinv's inodes): memory rows name theirs by inode_uuid.
  app.get('/v1/ihosts/:host_id/inodes', { schema: { params: HostParams } }, async (req) => ({
    inodes: await hosts.nodes(req.params.host_id),
  }));
  app.get('/v1/inodes/:inode_uuid', { schema: { params: Type.Object({ inode_uuid: Type.String({ maxLength: 64 }) }) } }, async (req) =>
    hosts.node(req.params.inode_uuid),
  );

  // sysinv's host-cpu-modify: [{"function": "platform", "sockets": [{"0": 2}]}, …]
  app.put(
    '/v1/ihosts/:host_id/state/host_cpus_modify',
    {
      schema: {
        params: HostParams,
        body: Type.Array(
          Type.Object(
            { function: Str(32), sockets: Type.Array(Type.Record(Type.String({ pattern: '^[0-9]+$' }), Type.Integer()), { minItems: 1, maxItems: 8 }) },
            { additionalProperties: false },
          ),
          { minItems: 1, maxItems: 4 },
        ),
      },
    },
    async (req) => ({ icpus: await hosts.modifyCpus(req.params.host_id, req.body) }),
  );

  // sysinv's host-memory-modify: a JSON-patch of vm_hugepages_nr_2M_pending, vm_hugepages_nr_1G_pending, platform_reserved_mib.
  const MemoryParams = Type.Object({ memory_uuid: Type.String({ minLength: 1, maxLength: 64 }) });
  app.get('/v1/imemorys/:memory_uuid', { schema: { params: MemoryParams } }, async (req) => hosts.memory(req.params.memory_uuid));
  app.patch('/v1/imemorys/:memory_uuid', { schema: { params: MemoryParams, body: JsonPatch } }, async (req) =>
    hosts.modifyMemory(req.params.memory_uuid, memoryPatch(req.body)),
  );

  app.get('/v1/ihosts/:host_id/labels', { schema: { params: HostParams } }, async (req) => ({ labels: await hosts.labels(req.params.host_id) }));
  app.post(
    '/v1/labels/:host_id',
    {
      schema: {
        params: HostParams,
        querystring: Type.Object({ overwrite: Type.Optional(Type.Boolean()) }),
        body: Type.Record(Type.String(), Type.Unknown()),
      },
    },
    async (req, reply) =>
      reply.status(201).send({ labels: await hosts.assignLabels(req.params.host_id, req.body, req.query.overwrite ?? false) }),
  );
  app.get('/v1/labels/:label_uuid', { schema: { params: Type.Object({ label_uuid: Type.String({ maxLength: 64 }) }) } }, async (req) =>
    hosts.label(req.params.label_uuid),
  );
  app.delete('/v1/labels/:label_uuid', { schema: { params: Type.Object({ label_uuid: Type.String({ maxLength: 64 }) }) } }, async (req, reply) => {
    await hosts.removeLabel(req.params.label_uuid);
    return reply.status(204).send();
  });

  // Agents register themselves (auto-discovery) and report their inventory (the agent protocol's
  // RegisterBody: src/agentlink/protocol.ts).
  app.post('/v1/agents/register', { schema: { body: RegisterBody } }, async (req) => {
    const h = await hosts.register(req.body, req.ip);
    return { ...h, links: links(req, h) };
  });
}
