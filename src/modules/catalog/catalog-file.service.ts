import { createHash } from 'node:crypto';
import type { Tx } from '../../platform/db.ts';
import type { Platform } from '../../platform/module.ts';
import { canonicalJson, writeAudit } from '../../platform/audit.ts';
import { emit } from '../../platform/jobs/outbox.ts';
import { badRequest, conflict } from '../../platform/errors.ts';
import type { Permission } from '../../platform/auth/roles.ts';
import { uuidv7 } from '../../platform/ids.ts';
import { assertValid } from '../../platform/validate.ts';
import * as repo from './catalog.repository.ts';
import { codeName, ITEM_TYPES } from './catalog.codes.ts';
import { checkBundleDefinition, checkElements, throwProblems, type BundleMember, type Problem } from './catalog.rules.ts';
import { bundleSearchEntry, itemSearchEntry, SEARCH_INDEX_FINGERPRINT } from './catalog.search.ts';
import {
  CatalogFile,
  type BundleDefinition,
  type CatalogFileBundleVersion,
  type CatalogFileItem,
  type CatalogFileItemVersion,
  type ImportSummary,
  type ItemElements,
  type VersionStatus,
} from './catalog.schemas.ts';
import { actorLabel, requireOn, unitOrFail, type Ctx } from './catalog.service.ts';

// The catalogue as a JSON document: import (add and update, never delete; published versions are
// immutable) and export (the same format, so export → import is the identity). The import reads
// the whole catalogue once, plans every change in memory and writes it in a few batch statements:
// the seed runs it on every fresh database, tests included.

const sha256Of = (input: unknown) => createHash('sha256').update(canonicalJson(input)).digest('hex');
const sameJson = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);

function groupBy<T>(rows: T[], key: (r: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = m.get(k);
    if (list) list.push(r);
    else m.set(k, [r]);
  }
  return m;
}

interface FileVersion {
  version: number;
  status: VersionStatus;
  effectiveFrom?: string;
  effectiveUntil?: string;
}

function checkFileVersions(path: string, versions: FileVersion[]): Problem[] {
  const problems: Problem[] = [];
  const numbers = new Set<number>();
  let open = 0;
  let lastFrom: string | undefined;
  versions.forEach((v, i) => {
    const at = `${path}/versions/${i}`;
    if (numbers.has(v.version)) problems.push({ code: 'CATALOG_DUPLICATE', path: at, message: `version ${v.version} appears twice` });
    numbers.add(v.version);
    if (i > 0 && v.version < versions[i - 1]!.version) problems.push({ code: 'CATALOG_VERSION_DATES_INVALID', path: at, message: 'versions are listed in ascending order' });
    if (v.status === 'draft' || v.status === 'review') {
      open += 1;
      if (v.effectiveFrom || v.effectiveUntil) problems.push({ code: 'CATALOG_VERSION_DATES_INVALID', path: at, message: `a ${v.status} version has no dates yet; they are set when it is published` });
    } else if (!v.effectiveFrom) {
      problems.push({ code: 'CATALOG_VERSION_DATES_INVALID', path: at, message: `a ${v.status} version needs effectiveFrom` });
    }
    if (v.effectiveFrom && v.effectiveUntil && v.effectiveUntil <= v.effectiveFrom) {
      problems.push({ code: 'CATALOG_VERSION_DATES_INVALID', path: at, message: 'effectiveUntil must be after effectiveFrom' });
    }
    if (v.status === 'published') {
      if (lastFrom && v.effectiveFrom && v.effectiveFrom <= lastFrom) {
        problems.push({ code: 'CATALOG_VERSION_DATES_INVALID', path: at, message: 'each published version takes effect after the one before it' });
      }
      lastFrom = v.effectiveFrom;
    }
  });
  if (open > 1) problems.push({ code: 'CATALOG_VERSION_DATES_INVALID', path, message: 'an item has at most one draft or review version' });
  return problems;
}

/** Everything that can be checked without the database: schema, codes, elements, versions, duplicates. */
export function checkCatalogFile(input: unknown): CatalogFile {
  const doc = assertValid(CatalogFile, input, 'CATALOG_FILE_INVALID', 'catalogue file');
  const problems: Problem[] = [];
  const dup = (codes: string[], path: string) => {
    const seen = new Set<string>();
    codes.forEach((c, i) => {
      if (seen.has(c)) problems.push({ code: 'CATALOG_DUPLICATE', path: `${path}/${i}`, message: `code ${c} appears twice` });
      seen.add(c);
    });
  };
  dup(doc.basicEntries.map((b) => b.code), '/basicEntries');
  dup(doc.powerList.map((p) => p.code), '/powerList');
  dup(doc.items.map((i) => i.handlingCode ?? i.implementationCode), '/items');
  dup(doc.bundles.map((b) => b.code), '/bundles');
  const typeCheck = (code: string, path: string) => {
    if (!(code in ITEM_TYPES.codes)) problems.push({ code: 'CATALOG_CODE_UNKNOWN', path, message: `“${code}” is not a code of A.1 事项类型` });
  };
  doc.basicEntries.forEach((b, i) => typeCheck(b.typeCode, `/basicEntries/${i}/typeCode`));
  doc.powerList.forEach((p, i) => typeCheck(p.typeCode, `/powerList/${i}/typeCode`));
  doc.items.forEach((item, i) => {
    const path = `/items/${i}`;
    if ((item.kind === 'handling') !== (item.handlingCode !== undefined)) {
      problems.push({ code: 'CATALOG_IDENTITY_INVALID', path, message: 'a handling item has a handling code, an implementation entry has none' });
    }
    if (item.handlingCode !== undefined && (!item.handlingCode.startsWith(item.implementationCode) || item.handlingCode === item.implementationCode)) {
      problems.push({ code: 'CATALOG_IDENTITY_INVALID', path: `${path}/handlingCode`, message: 'a handling code extends its implementation code (实施编码 + 业务办理项序号)' });
    }
    problems.push(...checkFileVersions(path, item.versions));
    item.versions.forEach((v, j) => problems.push(...checkElements(v.elements, `${path}/versions/${j}/elements`)));
    if (item.cancellation && item.versions.some((v) => v.status === 'published' && v.effectiveFrom! >= item.cancellation!.date)) {
      problems.push({ code: 'CATALOG_VERSION_DATES_INVALID', path: `${path}/cancellation`, message: 'a version still published starts on or after the item’s cancellation' });
    }
  });
  doc.bundles.forEach((b, i) => {
    problems.push(...checkFileVersions(`/bundles/${i}`, b.versions));
    b.versions.forEach((v, j) => problems.push(...checkBundleDefinition(v.definition, `/bundles/${i}/versions/${j}/definition`)));
  });
  throwProblems(problems);
  return doc;
}

// ---------------------------------------------------------------- the in-memory plan

interface WorkingVersion<T> {
  id: string;
  version: number;
  status: VersionStatus;
  effective_from: string | null;
  effective_until: string | null;
  content: T;
  isNew: boolean;
  /** content: status, dates and content rewritten (open versions); end: status or end date only. */
  change: 'none' | 'content' | 'end';
}

type ItemIdentity = Omit<repo.ItemRow, 'parent_code'>;

interface WorkingItem {
  row: ItemIdentity;
  isNew: boolean;
  identityChanged: boolean;
  cancellationChanged: boolean;
  versions: WorkingVersion<ItemElements>[];
}

/**
 * Merges a file's versions into the known ones: new versions are added, open ones rewritten, and
 * published ones may only end (an end date, or withdrawal) — what they say and when they start
 * cannot change.
 */
function mergeVersions<T>(known: WorkingVersion<T>[], incoming: (FileVersion & { content: T })[], path: string, counts: { created: number; updated: number }) {
  for (const [j, v] of incoming.entries()) {
    const at = `${path}/versions/${j}`;
    const old = known.find((x) => x.version === v.version);
    if (!old) {
      known.push({ id: uuidv7(), version: v.version, status: v.status, effective_from: v.effectiveFrom ?? null, effective_until: v.effectiveUntil ?? null, content: v.content, isNew: true, change: 'none' });
      counts.created += 1;
      continue;
    }
    const wasPublished = old.status === 'published' || old.status === 'withdrawn';
    if (!wasPublished) {
      const same = old.status === v.status && old.effective_from === (v.effectiveFrom ?? null) && old.effective_until === (v.effectiveUntil ?? null) && sameJson(old.content, v.content);
      if (same) continue;
      Object.assign(old, { status: v.status, effective_from: v.effectiveFrom ?? null, effective_until: v.effectiveUntil ?? null, content: v.content });
      if (!old.isNew) old.change = 'content';
      counts.updated += 1;
      continue;
    }
    const contentSame = sameJson(old.content, v.content) && old.effective_from === (v.effectiveFrom ?? null);
    const statusOk = v.status === old.status || (old.status === 'published' && v.status === 'withdrawn');
    if (!contentSame || !statusOk) {
      throw conflict('CATALOG_VERSION_IMMUTABLE', `${at}: version ${v.version} is ${old.status}; what it says and when it starts cannot change — add a new version`);
    }
    // A file may end a version earlier (a cancellation), never reopen one: an end date it does not
    // state is the one the catalogue already derived from the next version.
    const stated = v.effectiveUntil ?? null;
    const until = stated !== null && (old.effective_until === null || stated < old.effective_until) ? stated : old.effective_until;
    if (v.status === old.status && until === old.effective_until) continue;
    old.status = v.status;
    old.effective_until = until;
    if (!old.isNew && old.change === 'none') old.change = 'end';
    counts.updated += 1;
  }
  known.sort((a, b) => a.version - b.version);
  const open = known.filter((v) => v.status === 'draft' || v.status === 'review');
  if (open.length > 1) throw conflict('CATALOG_DRAFT_EXISTS', `${path}: versions ${open.map((v) => v.version).join(' and ')} are both open; an item has one open version at a time`);
}

const endVersion = <T>(v: WorkingVersion<T>, status: VersionStatus, until: string | null) => {
  if (v.status === status && v.effective_until === until) return;
  v.status = status;
  v.effective_until = until;
  if (!v.isNew && v.change === 'none') v.change = 'end';
};

/** Each published version ends where the next one starts; later versions must start later. */
function normalisePeriods<T>(versions: WorkingVersion<T>[], path: string) {
  const published = versions.filter((v) => v.status === 'published').sort((a, b) => a.effective_from!.localeCompare(b.effective_from!));
  for (let i = 0; i + 1 < published.length; i++) {
    const v = published[i]!;
    const next = published[i + 1]!;
    if (next.version < v.version) {
      throw badRequest('CATALOG_VERSION_DATES_INVALID', `${path}: version ${next.version} takes effect before version ${v.version}; later versions must take effect later`);
    }
    if (v.effective_until === null || v.effective_until > next.effective_from!) endVersion(v, 'published', next.effective_from);
  }
}

/** 事项取消 in memory: versions starting on or after the date are withdrawn, the one in force ends. */
export function cancelVersions<T>(versions: WorkingVersion<T>[], date: string) {
  for (const v of versions) {
    if (v.status !== 'published') continue;
    if (v.effective_from! >= date) endVersion(v, 'withdrawn', v.effective_until);
    else if (v.effective_until === null || v.effective_until > date) endVersion(v, 'published', date);
  }
}

const inForce = <T>(versions: WorkingVersion<T>[], date: string) =>
  versions.find((v) => v.status === 'published' && v.effective_from! <= date && (v.effective_until === null || v.effective_until > date));

interface WorkingBundle {
  row: repo.BundleRow;
  isNew: boolean;
  unitChanged: boolean;
  versions: WorkingVersion<BundleDefinition>[];
}

/** Every item and bundle with all its versions, read once. */
async function loadCatalogue(tx: Tx): Promise<{ working: Map<string, WorkingItem>; bundles: Map<string, WorkingBundle> }> {
  const versionsOf = groupBy(await repo.listAllVersions(tx), (v) => v.item_id);
  const working = new Map<string, WorkingItem>();
  for (const r of await repo.listItemRows(tx)) {
    const { parent_code: _parent, ...row } = r;
    working.set(r.code, {
      row,
      isNew: false,
      identityChanged: false,
      cancellationChanged: false,
      versions: (versionsOf.get(r.id) ?? []).map((v) => ({ ...v, content: v.elements, isNew: false, change: 'none' as const })),
    });
  }
  const bundleVersionsOf = groupBy(await repo.listAllBundleVersions(tx), (v) => v.bundle_id);
  const bundles = new Map<string, WorkingBundle>(
    (await repo.listBundleRows(tx)).map((b) => [
      b.code,
      { row: b, isNew: false, unitChanged: false, versions: (bundleVersionsOf.get(b.id) ?? []).map((v) => ({ ...v, content: v.definition, isNew: false, change: 'none' as const })) },
    ]),
  );
  return { working, bundles };
}

/** Index rows of the published versions of the given items and bundles. */
async function indexEntries(
  working: Map<string, WorkingItem>,
  bundles: Map<string, WorkingBundle>,
  itemCodes: Iterable<string>,
  bundleCodes: Iterable<string>,
  unitOf: (code: string) => Promise<{ name: string }>,
): Promise<repo.SearchEntryRow[]> {
  const byId = new Map([...working.values()].map((w) => [w.row.id, w]));
  const entries: repo.SearchEntryRow[] = [];
  for (const code of itemCodes) {
    const w = working.get(code)!;
    const parent = w.row.parent_id ? byId.get(w.row.parent_id) : undefined;
    const parentName = parent?.versions.filter((v) => v.status === 'published').at(-1)?.content.name;
    for (const v of w.versions) if (v.status === 'published') entries.push(itemSearchEntry(w.row, v, parentName));
  }
  for (const code of bundleCodes) {
    const b = bundles.get(code)!;
    const unitName = (await unitOf(b.row.unit_code)).name;
    for (const v of b.versions) {
      if (v.status !== 'published') continue;
      const members: BundleMember[] = [];
      for (const it of v.content.items) {
        const iv = inForce(working.get(it.itemCode)?.versions ?? [], v.effective_from!);
        if (iv) members.push({ code: it.itemCode, elements: iv.content });
      }
      entries.push(bundleSearchEntry(b.row, v, unitName, members.length === v.content.items.length ? members : undefined));
    }
  }
  return entries;
}

async function writeWholeIndex(tx: Tx, working: Map<string, WorkingItem>, bundles: Map<string, WorkingBundle>, unitOf: (code: string) => Promise<{ name: string }>) {
  const entries = await indexEntries(working, bundles, working.keys(), bundles.keys(), unitOf);
  await repo.deleteAllSearchEntries(tx);
  await repo.insertSearchEntries(tx, entries);
  await repo.setSearchMeta(tx, 'fingerprint', SEARCH_INDEX_FINGERPRINT);
}

/**
 * Rebuilds the search index when it was built with another synonym table or word list (a new
 * release); a no-op otherwise. The seed calls it on every start.
 */
export async function ensureSearchIndex(platform: Platform): Promise<boolean> {
  if ((await repo.getSearchMeta(platform.db, 'fingerprint')) === SEARCH_INDEX_FINGERPRINT) return false;
  await platform.db.tx(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['catalog.import']);
    const { working, bundles } = await loadCatalogue(tx);
    const units = new Map<string, { name: string }>();
    await writeWholeIndex(tx, working, bundles, async (code) => {
      let u = units.get(code);
      if (!u) units.set(code, (u = await unitOrFail(tx, code, '/bundles')));
      return u;
    });
  });
  return true;
}

/**
 * Imports a catalogue file (the format `exportCatalog` writes): basic catalogue, power list, items
 * with their versions, bundles. Adds and updates, never deletes; a published version that would
 * change is refused. One transaction, one audit row, one event; the search index follows.
 */
export async function importCatalog(platform: Platform, input: unknown, ctx: Ctx): Promise<ImportSummary> {
  const doc = checkCatalogFile(input);
  const now = platform.clock.now();
  const summary: ImportSummary = {
    basicEntries: doc.basicEntries.length,
    powerEntries: doc.powerList.length,
    items: doc.items.length,
    itemsCreated: 0,
    versionsCreated: 0,
    versionsUpdated: 0,
    bundles: doc.bundles.length,
    bundleVersionsCreated: 0,
  };
  const sha256 = sha256Of(input);

  await platform.db.tx(async (tx) => {
    // Serialise imports: two at once would plan against the same snapshot.
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['catalog.import']);
    const units = new Map<string, Awaited<ReturnType<typeof unitOrFail>>>();
    const unit = async (code: string, path: string, permission?: Permission) => {
      let u = units.get(code);
      if (!u) units.set(code, (u = await unitOrFail(tx, code, path)));
      if (permission) requireOn(ctx, permission, u);
      return u;
    };

    // ---- 基本目录, parents first
    const basicCodes = new Set((await repo.listBasicEntries(tx)).map((b) => b.code));
    const fileBasic = new Set(doc.basicEntries.map((b) => b.code));
    const orderedBasic: repo.BasicEntryRow[] = [];
    const placed = new Set<string>();
    const place = (code: string, seen: Set<string>, path: string) => {
      if (placed.has(code)) return;
      const b = doc.basicEntries.find((x) => x.code === code)!;
      if (b.parentCode) {
        if (seen.has(b.parentCode)) throw badRequest('CATALOG_REFERENCE_UNKNOWN', `${path}: basic entries ${[...seen].join(' → ')} name each other as parents`);
        if (fileBasic.has(b.parentCode)) place(b.parentCode, new Set([...seen, code]), path);
        else if (!basicCodes.has(b.parentCode)) throw badRequest('CATALOG_REFERENCE_UNKNOWN', `${path}: basic entry ${code} names unknown parent ${b.parentCode}`);
      }
      orderedBasic.push({ code: b.code, name: b.name, type_code: b.typeCode, parent_code: b.parentCode ?? null });
      placed.add(code);
    };
    doc.basicEntries.forEach((b, i) => place(b.code, new Set([b.code]), `/basicEntries/${i}`));
    for (const b of orderedBasic) basicCodes.add(b.code);

    // ---- 权责清单
    const powerTypes = new Map((await repo.listPowerTypes(tx)).map((p) => [p.code, p.type_code]));
    for (const [i, p] of doc.powerList.entries()) {
      await unit(p.unitCode, `/powerList/${i}/unitCode`, 'catalog:write');
      powerTypes.set(p.code, p.typeCode);
    }

    // ---- items, implementation entries before their handling items
    const { working, bundles } = await loadCatalogue(tx);
    const order = doc.items.map((item, i) => ({ item, i })).sort((a, b) => Number(a.item.kind === 'handling') - Number(b.item.kind === 'handling'));
    const touched: WorkingItem[] = [];
    for (const { item: f, i } of order) {
      const path = `/items/${i}`;
      const code = f.handlingCode ?? f.implementationCode;
      await unit(f.unitCode, `${path}/unitCode`, 'catalog:write');
      if (!basicCodes.has(f.basicCode)) throw badRequest('CATALOG_REFERENCE_UNKNOWN', `${path}/basicCode: no basic catalogue entry ${f.basicCode}`);
      const powerType = powerTypes.get(f.powerCode);
      if (!powerType) throw badRequest('CATALOG_REFERENCE_UNKNOWN', `${path}/powerCode: no power list entry ${f.powerCode}`);
      for (const v of f.versions) {
        if (v.elements.typeCode !== powerType) {
          throw badRequest('CATALOG_TYPE_MISMATCH', `${path}: version ${v.version} is ${codeName(ITEM_TYPES, v.elements.typeCode)} but power list entry ${f.powerCode} is ${codeName(ITEM_TYPES, powerType)}`);
        }
      }
      let parentId: string | null = null;
      if (f.kind === 'handling') {
        const parent = working.get(f.implementationCode);
        if (!parent || parent.row.kind !== 'implementation') throw badRequest('CATALOG_REFERENCE_UNKNOWN', `${path}: no implementation entry ${f.implementationCode} for this handling item`);
        parentId = parent.row.id;
      }
      const identity = {
        code,
        kind: f.kind,
        basic_code: f.basicCode,
        implementation_code: f.implementationCode,
        handling_code: f.handlingCode ?? null,
        parent_id: parentId,
        unit_code: f.unitCode,
        power_code: f.powerCode,
        variant: f.variant ?? null,
      };
      let w = working.get(code);
      if (!w) {
        w = { row: { id: uuidv7(), ...identity, cancelled_on: null, cancel_reason: null }, isNew: true, identityChanged: false, cancellationChanged: false, versions: [] };
        working.set(code, w);
        summary.itemsCreated += 1;
      } else {
        const { id, cancelled_on, cancel_reason, ...known } = w.row;
        if (!sameJson(known, identity)) {
          // Moving an item to another unit needs the right on both.
          if (known.unit_code !== identity.unit_code) await unit(known.unit_code, `${path}/unitCode`, 'catalog:write');
          w.row = { id, cancelled_on, cancel_reason, ...identity };
          w.identityChanged = true;
        }
      }
      const counts = { created: 0, updated: 0 };
      mergeVersions(w.versions, f.versions.map((v) => ({ ...v, content: v.elements })), path, counts);
      summary.versionsCreated += counts.created;
      summary.versionsUpdated += counts.updated;
      if (f.cancellation && (w.row.cancelled_on !== f.cancellation.date || w.row.cancel_reason !== f.cancellation.reason)) {
        cancelVersions(w.versions, f.cancellation.date);
        w.row.cancelled_on = f.cancellation.date;
        w.row.cancel_reason = f.cancellation.reason;
        w.cancellationChanged = !w.isNew;
      }
      normalisePeriods(w.versions, path);
      touched.push(w);
    }
    for (const { item: f, i } of order) {
      for (const [j, v] of f.versions.entries()) {
        const at = `/items/${i}/versions/${j}/elements`;
        for (const [k, m] of v.elements.materials.entries()) {
          if (m.source.kind === 'item_result' && !working.has(m.source.itemCode!)) {
            throw badRequest('CATALOG_REFERENCE_UNKNOWN', `${at}/materials/${k}: material “${m.name}” comes from item ${m.source.itemCode}, which is not in the catalogue`);
          }
        }
        for (const [k, s] of v.elements.steps.entries()) if (s.unitCode) await unit(s.unitCode, `${at}/steps/${k}/unitCode`);
      }
    }

    // ---- bundles
    const touchedBundles = new Set<string>();
    for (const [i, f] of doc.bundles.entries()) {
      const path = `/bundles/${i}`;
      await unit(f.unitCode, `${path}/unitCode`, 'catalog:write');
      for (const [j, v] of f.versions.entries()) {
        for (const [k, it] of v.definition.items.entries()) {
          if (!working.has(it.itemCode)) throw badRequest('CATALOG_REFERENCE_UNKNOWN', `${path}/versions/${j}/definition/items/${k}: no item ${it.itemCode}`);
        }
      }
      let b = bundles.get(f.code);
      if (!b) {
        b = { row: { id: uuidv7(), code: f.code, unit_code: f.unitCode }, isNew: true, unitChanged: false, versions: [] };
        bundles.set(f.code, b);
      } else if (b.row.unit_code !== f.unitCode) {
        b.row = { ...b.row, unit_code: f.unitCode };
        b.unitChanged = true;
      }
      const counts = { created: 0, updated: 0 };
      mergeVersions(b.versions, f.versions.map((v) => ({ ...v, content: v.definition })), path, counts);
      summary.bundleVersionsCreated += counts.created;
      normalisePeriods(b.versions, path);
      touchedBundles.add(f.code);
    }
    const touchedCodes = new Set(touched.map((w) => w.row.code));
    for (const [code, b] of bundles) {
      if (b.versions.some((v) => v.content.items.some((it) => touchedCodes.has(it.itemCode)))) touchedBundles.add(code);
    }

    // ---- writes: identities, then version changes (an open version may close before a new one opens), then new versions
    await repo.upsertBasicEntries(tx, orderedBasic, now);
    await repo.upsertPowerEntries(
      tx,
      doc.powerList.map((p) => ({ code: p.code, name: p.name, type_code: p.typeCode, unit_code: p.unitCode, legal_basis: p.legalBasis, responsibilities: p.responsibilities, accountability: p.accountability })),
      now,
    );
    const newItems = touched.filter((w) => w.isNew);
    await repo.insertItems(tx, newItems.map(({ row: { cancelled_on: _c, cancel_reason: _r, ...row } }) => row), now);
    for (const w of touched) {
      if (w.identityChanged) await repo.updateItemIdentity(tx, w.row, now);
      if (w.isNew ? w.row.cancelled_on !== null : w.cancellationChanged) await repo.setItemCancelled(tx, w.row.id, w.row.cancelled_on, w.row.cancel_reason, now);
    }
    const newVersions: repo.NewVersionRow[] = [];
    for (const w of touched) {
      for (const v of w.versions) {
        if (v.isNew) {
          newVersions.push({ id: v.id, item_id: w.row.id, version: v.version, status: v.status, effective_from: v.effective_from, effective_until: v.effective_until, elements: v.content, created_by: actorLabel(ctx), published_at: v.status === 'published' || v.status === 'withdrawn' ? now : null });
        } else if (v.change === 'content') {
          await repo.updateVersionContent(tx, v.id, { status: v.status, effectiveFrom: v.effective_from, effectiveUntil: v.effective_until, elements: v.content }, now);
        } else if (v.change === 'end') {
          await repo.setVersionStatusAndEnd(tx, v.id, v.status, v.effective_until, now);
        }
      }
    }
    await repo.insertVersions(tx, newVersions, now);
    for (const code of touchedBundles) {
      const b = bundles.get(code)!;
      if (b.isNew || b.unitChanged) await repo.upsertBundle(tx, b.row, now);
      for (const v of b.versions) {
        const row = { status: v.status, effective_from: v.effective_from, effective_until: v.effective_until, definition: v.content };
        if (v.isNew) await repo.insertBundleVersion(tx, { id: v.id, bundle_id: b.row.id, version: v.version, ...row }, now);
        else if (v.change !== 'none') await repo.updateBundleVersion(tx, v.id, row, now);
      }
    }

    // ---- search index: what changed, or everything when the synonym table changed since it was built
    if ((await repo.getSearchMeta(tx, 'fingerprint')) === SEARCH_INDEX_FINGERPRINT) {
      const entries = await indexEntries(working, bundles, touchedCodes, touchedBundles, (code) => unit(code, '/bundles'));
      await repo.deleteSearchEntriesOf(tx, 'item', [...touchedCodes]);
      await repo.deleteSearchEntriesOf(tx, 'bundle', [...touchedBundles]);
      await repo.insertSearchEntries(tx, entries);
    } else {
      await writeWholeIndex(tx, working, bundles, (code) => unit(code, '/bundles'));
    }

    const importId = uuidv7();
    await repo.insertImportLog(tx, { id: importId, sha256, summary, at: now, by: actorLabel(ctx) });
    await writeAudit(tx, { ...ctx, at: now, action: 'catalog.import', objectType: 'catalog_import', objectId: importId, data: { ...summary, sha256 } });
    await emit(tx, { topic: 'catalog.import.completed', key: importId, payload: { importId, ...summary }, at: now });
  });
  return summary;
}

/** Imports a catalogue file unless this exact file was imported before (the seed's path). */
export async function importCatalogOnce(platform: Platform, input: unknown, ctx: Ctx): Promise<ImportSummary | undefined> {
  if (await repo.hasImportWithHash(platform.db, sha256Of(input))) return undefined;
  return importCatalog(platform, input, ctx);
}

const omitNull = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined));

/** The whole catalogue in the import format: what `importCatalog` reads back unchanged. */
export async function exportCatalog(platform: Platform): Promise<CatalogFile> {
  const db = platform.db;
  const basicEntries = (await repo.listBasicEntries(db)).map((b) => omitNull({ code: b.code, name: b.name, typeCode: b.type_code, parentCode: b.parent_code }) as CatalogFile['basicEntries'][number]);
  const powerList = (await repo.listPowerEntries(db)).map((p) => ({
    code: p.code,
    name: p.name,
    typeCode: p.type_code,
    unitCode: p.unit_code,
    legalBasis: p.legal_basis,
    responsibilities: p.responsibilities,
    accountability: p.accountability,
  }));
  const versionsOf = groupBy(await repo.listAllVersions(db), (v) => v.item_id);
  const items: CatalogFileItem[] = (await repo.listItemRows(db)).map(
    (i) =>
      omitNull({
        kind: i.kind,
        basicCode: i.basic_code,
        implementationCode: i.implementation_code,
        handlingCode: i.handling_code,
        unitCode: i.unit_code,
        powerCode: i.power_code,
        variant: i.variant,
        cancellation: i.cancelled_on ? { date: i.cancelled_on, reason: i.cancel_reason ?? '' } : null,
        versions: (versionsOf.get(i.id) ?? []).map((v) => omitNull({ version: v.version, status: v.status, effectiveFrom: v.effective_from, effectiveUntil: v.effective_until, elements: v.elements }) as CatalogFileItemVersion),
      }) as CatalogFileItem,
  );
  const bundleVersionsOf = groupBy(await repo.listAllBundleVersions(db), (v) => v.bundle_id);
  const bundles = (await repo.listBundleRows(db)).map((b) => ({
    code: b.code,
    unitCode: b.unit_code,
    versions: (bundleVersionsOf.get(b.id) ?? []).map((v) => omitNull({ version: v.version, status: v.status, effectiveFrom: v.effective_from, effectiveUntil: v.effective_until, definition: v.definition as BundleDefinition }) as CatalogFileBundleVersion),
  }));
  return { format: 'yiwang.catalog/1', basicEntries, powerList, items, bundles };
}

