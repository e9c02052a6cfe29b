// sysinv's itrapdest: where the SNMP v2c traps of every alarm change go. Its shapes, the
// snmp_trap_destinations queries and the /v1/itrapdest routes; every change reloads the sender.

import { isIP } from 'node:net';
import { Type, type Static } from 'typebox';
import type { App } from '../api/server.ts';
import { StarlingError, isStarlingError } from '../common/errors.ts';
import { newUuid } from '../common/ids.ts';
import type { Db, Queryable } from '../db/index.ts';

export const TrapDest = Type.Object({
  uuid: Type.String(),
  ip_address: Type.String(),
  port: Type.Integer(),
  // Shown like StarlingX shows it, but never written to a log.
  community: Type.String(),
  type: Type.String(),
  transport: Type.String(),
  created_at: Type.String(),
});
export type TrapDest = Static<typeof TrapDest>;

export const TrapDestList = Type.Object({ itrapdest: Type.Array(TrapDest) });

export const TrapDestBody = Type.Object(
  {
    ip_address: Type.String({ minLength: 1, maxLength: 64 }),
    community: Type.String({ minLength: 1, maxLength: 255 }),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
  },
  { additionalProperties: false },
);

const TrapDestParams = Type.Object({ trapdest_uuid: Type.String({ minLength: 1, maxLength: 64 }) });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// host(): the address without its /32 or /128 mask, as it was given.
const SELECT = `SELECT uuid, host(ip_address) AS ip_address, port, community, type, transport, created_at FROM snmp_trap_destinations`;
type DbTrapDest = Omit<TrapDest, 'created_at'> & { created_at: Date };
const toTrapDest = (r: DbTrapDest): TrapDest => ({ ...r, created_at: r.created_at.toISOString() });

export async function listTrapDests(q: Queryable): Promise<TrapDest[]> {
  return (await q.query<DbTrapDest>(`${SELECT} ORDER BY created_at, uuid`)).rows.map(toTrapDest);
}

export async function getTrapDest(q: Queryable, uuid: string): Promise<TrapDest | undefined> {
  if (!UUID.test(uuid)) return undefined;
  const r = (await q.query<DbTrapDest>(`${SELECT} WHERE uuid = $1`, [uuid])).rows[0];
  return r && toTrapDest(r);
}

async function insertTrapDest(
  q: Queryable,
  d: { uuid: string; ip_address: string; port: number; community: string },
): Promise<void> {
  await q.query(
    'INSERT INTO snmp_trap_destinations (uuid, ip_address, port, community) VALUES ($1, $2, $3, $4)',
    [d.uuid, d.ip_address, d.port, d.community],
  );
}

/** Every controller process hears of a change (the one holding the SNMP lease reloads). */
export const TRAPDEST_CHANNEL = 'starling_trapdest';
const notifyChange = (q: Queryable): Promise<unknown> =>
  q.query('SELECT pg_notify($1, $2)', [TRAPDEST_CHANNEL, '']);

async function deleteTrapDest(q: Queryable, uuid: string): Promise<boolean> {
  if (!UUID.test(uuid)) return false;
  return ((await q.query('DELETE FROM snmp_trap_destinations WHERE uuid = $1', [uuid])).rowCount ?? 0) > 0;
}

/** A single host address: IPv4 dotted quad or IPv6, no mask and no zone (PostgreSQL's inet would
 *  take a network like 10.0.0.0/24, which is no place to send a trap). */
export function checkTrapIp(ip: string): string {
  if (isIP(ip) === 0 || ip.includes('%')) {
    throw new StarlingError(
      'VALIDATION_FAILED',
      `field /ip_address '${ip}' is not an IPv4 or IPv6 host address`,
      { field: '/ip_address' },
    );
  }
  return ip;
}

/** What the routes tell after every change in this process (other processes hear of it on
 *  TRAPDEST_CHANNEL): the trap sender re-reads its destinations. */
export interface TrapDestReloader {
  reload(): Promise<void>;
}

export function trapDestRoutes(app: App, db: Db, sender: TrapDestReloader): void {
  const notFound = (uuid: string): StarlingError =>
    new StarlingError('NOT_FOUND', `no SNMP trap destination with uuid ${uuid}`, { field: 'trapdest_uuid' });

  app.get('/v1/itrapdest', { schema: { response: { 200: TrapDestList } } }, async () => ({
    itrapdest: await listTrapDests(db),
  }));

  app.get(
    '/v1/itrapdest/:trapdest_uuid',
    { schema: { params: TrapDestParams, response: { 200: TrapDest } } },
    async (req) => {
      const d = await getTrapDest(db, req.params.trapdest_uuid);
      if (!d) throw notFound(req.params.trapdest_uuid);
      return d;
    },
  );

  app.post(
    '/v1/itrapdest',
    { schema: { body: TrapDestBody, response: { 201: TrapDest } } },
    async (req, reply) => {
      const ip = checkTrapIp(req.body.ip_address);
      const port = req.body.port ?? 162;
      const created = await db
        .tx(async (q) => {
          const uuid = newUuid();
          await insertTrapDest(q, { uuid, ip_address: ip, port, community: req.body.community });
          await notifyChange(q);
          return (await getTrapDest(q, uuid))!;
        })
        .catch((e: unknown) => {
          if (isStarlingError(e) && e.code === 'CONFLICT') {
            throw new StarlingError(
              'CONFLICT',
              `an SNMP trap destination ${ip} port ${port} already exists`,
              { field: '/ip_address', cause: e },
            );
          }
          throw e;
        });
      await sender.reload();
      return reply.status(201).send(created);
    },
  );

  app.delete('/v1/itrapdest/:trapdest_uuid', { schema: { params: TrapDestParams } }, async (req, reply) => {
    const gone = await db.tx(async (q) => {
      const deleted = await deleteTrapDest(q, req.params.trapdest_uuid);
      if (deleted) await notifyChange(q);
      return deleted;
    });
    if (!gone) throw notFound(req.params.trapdest_uuid);
    await sender.reload();
    return reply.status(204).send();
  });
}
