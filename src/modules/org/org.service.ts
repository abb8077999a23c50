import { createHash } from 'node:crypto';
import type { Db } from '../../platform/db.ts';
import type { Clock } from '../../platform/clock.ts';
import { writeAudit } from '../../platform/audit.ts';
import { emit } from '../../platform/jobs/outbox.ts';
import { badRequest, forbidden } from '../../platform/errors.ts';
import { canActOn } from '../../platform/auth/roles.ts';
import { uuidv7 } from '../../platform/ids.ts';
import { assertValid } from '../../platform/validate.ts';
import { parseUscc } from '../../platform/crypto/identity-numbers.ts';
import type { ActionContext } from '../../platform/http/route-config.ts';
import * as repo from './org.repository.ts';
import { DistrictFile, type ImportSummary, type OrgUnit } from './org.schemas.ts';

// Use cases for the org tree and the district's dispatch catalogue.

export function toOrgUnit(r: repo.UnitRow): OrgUnit {
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    shortName: r.short_name,
    kind: r.kind as OrgUnit['kind'],
    parentId: r.parent_id,
    depth: r.depth,
    duties: r.duties,
  };
}

export async function listOrgUnits(db: Db, underPath?: string): Promise<OrgUnit[]> {
  return (await repo.listUnits(db, underPath)).map(toOrgUnit);
}

// A street office whose name says 镇 is a town government (镇人民政府): same place in the tree,
// different kind, so forms and reports can say 街道 or 镇 correctly.
const territorialKind = (kind: string, name: string) => (kind === 'street' && /镇(人民政府)?$/.test(name) ? 'town' : kind);

/**
 * Imports (or re-imports) a district: the district unit, every unit with its duties, each street's
 * gazetteer and the dispatch rules, plus the document verbatim. One transaction, one audit row.
 */
export async function importDistrict(
  db: Db,
  clock: Clock,
  input: unknown,
  ctx: Pick<ActionContext, 'actor' | 'requestId' | 'ip' | 'principal'>,
): Promise<ImportSummary> {
  const doc = assertValid(DistrictFile, input, 'DISTRICT_FILE_INVALID', 'district file');
  // Importing replaces the whole district's catalogue: only its own administrators may.
  if (ctx.principal && !canActOn(ctx.principal, 'org:write', doc.district.code)) {
    throw forbidden('FORBIDDEN', `only an administrator of ${doc.district.name} may import it`);
  }
  const codes = new Set<string>([doc.district.code]);
  for (const u of doc.units) {
    if (codes.has(u.code)) throw badRequest('DISTRICT_FILE_INVALID', `unit code ${u.code} appears twice`);
    codes.add(u.code);
    if (u.uscc && !parseUscc(u.uscc).ok) throw badRequest('DISTRICT_FILE_INVALID', `unit ${u.code}: invalid 统一社会信用代码 ${u.uscc}`);
  }
  for (const code of Object.keys(doc.gazetteer ?? {})) {
    const unit = doc.units.find((u) => u.code === code);
    if (!unit || !['street', 'town'].includes(unit.kind)) {
      throw badRequest('DISTRICT_FILE_INVALID', `gazetteer names ${code}, which is not a street or town of this file`);
    }
  }
  for (const r of doc.dispatchRules?.rules ?? []) {
    if (r.unit !== 'street' && !codes.has(r.unit)) {
      throw badRequest('DISTRICT_FILE_INVALID', `dispatch rule "${r.matter}" names unknown unit ${r.unit}`);
    }
  }
  const now = clock.now();
  const summary: ImportSummary = {
    district: doc.district.name,
    units: doc.units.length + 1,
    gazetteerEntries: 0,
    dispatchRules: doc.dispatchRules?.rules?.length ?? 0,
    created: 0,
    updated: 0,
  };

  await db.tx(async (tx) => {
    const count = (r: 'created' | 'updated') => void (summary[r] += 1);
    const districtRow = await repo.findUnitByCode(tx, doc.district.code);
    const districtId = districtRow?.id ?? uuidv7();
    count(
      await repo.upsertUnit(
        tx,
        { id: districtId, code: doc.district.code, name: doc.district.name, short_name: doc.city ?? null, kind: 'district', parent_id: null, path: doc.district.code, depth: 0, uscc: null, duties: [] },
        now,
      ),
    );
    // Parents first: units naming a parent are placed after the units without one.
    const ordered = [...doc.units].sort((a, b) => Number(!!a.parent) - Number(!!b.parent));
    const placed = new Map<string, { id: string; path: string; depth: number }>([
      [doc.district.code, { id: districtId, path: doc.district.code, depth: 0 }],
    ]);
    for (const u of ordered) {
      const parent = placed.get(u.parent ?? doc.district.code);
      if (!parent) throw badRequest('DISTRICT_FILE_INVALID', `unit ${u.code} names unknown parent ${u.parent}`);
      const existing = await repo.findUnitByCode(tx, u.code);
      const id = existing?.id ?? uuidv7();
      const path = `${parent.path}/${u.code}`;
      count(
        await repo.upsertUnit(
          tx,
          { id, code: u.code, name: u.name, short_name: u.short ?? null, kind: territorialKind(u.kind, u.name), parent_id: parent.id, path, depth: parent.depth + 1, uscc: u.uscc ?? null, duties: u.duties ?? [] },
          now,
        ),
      );
      placed.set(u.code, { id, path, depth: parent.depth + 1 });
    }
    for (const [code, g] of Object.entries(doc.gazetteer ?? {})) {
      const entries = [
        ...(g.communities ?? []).map((name) => ({ kind: 'community' as const, name })),
        ...(g.roads ?? []).map((name) => ({ kind: 'road' as const, name })),
        ...(g.places ?? []).map((name) => ({ kind: 'place' as const, name })),
      ];
      summary.gazetteerEntries += entries.length;
      await repo.replaceGazetteer(tx, placed.get(code)!.id, entries);
    }
    await repo.replaceDispatchRules(tx, doc.dispatchRules?.rules ?? []);
    const text = JSON.stringify(input);
    const importId = uuidv7();
    await repo.insertDistrictImport(tx, {
      id: importId,
      districtCode: doc.district.code,
      districtName: doc.district.name,
      sha256: createHash('sha256').update(text).digest('hex'),
      document: input,
      at: now,
      by: ctx.actor.label ?? ctx.actor.id ?? null,
    });
    await writeAudit(tx, {
      ...ctx,
      at: now,
      action: 'org.district.import',
      objectType: 'district_import',
      objectId: importId,
      orgUnitId: districtId,
      data: { ...summary },
    });
    // Dispatch and other readers of the catalogue rebuild their indexes from this event.
    await emit(tx, { topic: 'org.district.imported', key: doc.district.code, payload: { importId, ...summary }, at: now });
  });
  return summary;
}
