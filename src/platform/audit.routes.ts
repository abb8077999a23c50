import { Type } from 'typebox';
import type { App } from './http/server.ts';
import { errors } from './http/schemas.ts';
import type { Platform } from './module.ts';
import { verifyAuditChain } from './audit.ts';

const AuditRow = Type.Object({
  chain: Type.Integer(),
  seq: Type.Integer(),
  id: Type.String(),
  at: Type.String({ format: 'date-time' }),
  actorKind: Type.String(),
  actorId: Type.Union([Type.String(), Type.Null()]),
  actorLabel: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  objectType: Type.Union([Type.String(), Type.Null()]),
  objectId: Type.Union([Type.String(), Type.Null()]),
  requestId: Type.Union([Type.String(), Type.Null()]),
  data: Type.Unknown(),
  hash: Type.String(),
});

export function auditRoutes(app: App, platform: Platform) {
  app.get('/api/audit', {
    config: { scope: 'audit:read', audit: false },
    schema: {
      tags: ['audit'],
      summary: 'Audit rows, newest first, optionally for one object or action',
      querystring: Type.Object({
        objectType: Type.Optional(Type.String({ maxLength: 64 })),
        objectId: Type.Optional(Type.String({ maxLength: 100 })),
        action: Type.Optional(Type.String({ maxLength: 100 })),
        /** The id of the last row of the previous page: ids are time-ordered (UUIDv7) across chains. */
        before: Type.Optional(Type.String({ format: 'uuid' })),
        limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(AuditRow) }), ...errors(400, 401, 403) },
    },
  }, async (req) => {
    const q = req.query;
    const rows = await platform.db.query<Record<string, any>>(
      `SELECT chain, seq, id, at, actor_kind, actor_id, actor_label, action, object_type, object_id, request_id, data, hash
         FROM platform.audit_log
        WHERE ($1::text IS NULL OR object_type = $1) AND ($2::text IS NULL OR object_id = $2)
          AND ($3::text IS NULL OR action = $3) AND ($4::uuid IS NULL OR id < $4)
        ORDER BY id DESC LIMIT $5`,
      [q.objectType ?? null, q.objectId ?? null, q.action ?? null, q.before ?? null, q.limit],
    );
    return {
      items: rows.map((r) => ({
        chain: r.chain, seq: r.seq, id: r.id, at: new Date(r.at).toISOString(), actorKind: r.actor_kind, actorId: r.actor_id, actorLabel: r.actor_label,
        action: r.action, objectType: r.object_type, objectId: r.object_id, requestId: r.request_id, data: r.data, hash: r.hash,
      })),
    };
  });

  app.get('/api/audit/verify', {
    config: { scope: 'audit:read', audit: false },
    schema: {
      tags: ['audit'],
      summary: 'Recompute every hash chain and name the first broken row',
      response: {
        200: Type.Object({
          ok: Type.Boolean(),
          rows: Type.Integer(),
          chains: Type.Integer(),
          brokenAt: Type.Optional(Type.Object({ chain: Type.Integer(), seq: Type.Integer(), id: Type.String(), reason: Type.String() })),
        }),
        ...errors(401, 403),
      },
    },
  }, async () => verifyAuditChain(platform.db));
}
