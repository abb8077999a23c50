import { createHash } from 'node:crypto';

// The dispatch catalogue (派单目录) as the model reads it: the units a request can go to with their
// duties, each street's gazetteer, and the rules that settle matters between two units. Built from
// the org module's tables in the running system, or straight from a district file for evaluation.

export type PlaceKind = 'community' | 'road' | 'place';

export interface CatalogueUnit {
  code: string;
  name: string;
  shortName: string | null;
  /** 'street' and 'town' units are territorial (属地): they take only their duties, and only at home. */
  kind: string;
  duties: string[];
}

export interface CatalogueRule {
  seq: number;
  matter: string;
  /** A unit code, or 'street': the street or town where the problem is. */
  unit: string;
}

export interface Catalogue {
  districtCode: string;
  districtName: string;
  units: CatalogueUnit[];
  gazetteer: { streetCode: string; kind: PlaceKind; name: string }[];
  rules: CatalogueRule[];
}

export const STREET = 'street';
export const isTerritorial = (u: Pick<CatalogueUnit, 'kind'>) => u.kind === 'street' || u.kind === 'town';

/** A district file (the `yiwang org import` format) as a catalogue; the file is assumed valid. */
export function catalogueFromDistrictFile(doc: {
  district: { code: string; name: string };
  units: { code: string; kind: string; name: string; short?: string; duties?: string[] }[];
  gazetteer?: Record<string, { communities?: string[]; roads?: string[]; places?: string[] }>;
  dispatchRules?: { rules?: { matter: string; unit: string }[] };
}): Catalogue {
  const gazetteer: Catalogue['gazetteer'] = [];
  for (const [streetCode, g] of Object.entries(doc.gazetteer ?? {})) {
    for (const name of g.communities ?? []) gazetteer.push({ streetCode, kind: 'community', name });
    for (const name of g.roads ?? []) gazetteer.push({ streetCode, kind: 'road', name });
    for (const name of g.places ?? []) gazetteer.push({ streetCode, kind: 'place', name });
  }
  return {
    districtCode: doc.district.code,
    districtName: doc.district.name,
    units: doc.units
      .filter((u) => u.kind !== 'community')
      .map((u) => ({ code: u.code, name: u.name, shortName: u.short ?? null, kind: u.kind, duties: u.duties ?? [] })),
    gazetteer,
    rules: (doc.dispatchRules?.rules ?? []).map((r, i) => ({ seq: i + 1, matter: r.matter, unit: r.unit })),
  };
}

/** A stable fingerprint: a model trained on one catalogue knows when it meets another. */
export function catalogueVersion(c: Catalogue): string {
  const body = JSON.stringify([
    c.districtCode,
    c.units.map((u) => [u.code, u.kind, u.name, u.shortName, u.duties]),
    [...c.gazetteer].sort((a, b) => (a.streetCode + a.name < b.streetCode + b.name ? -1 : 1)).map((g) => [g.streetCode, g.kind, g.name]),
    c.rules.map((r) => [r.matter, r.unit]),
  ]);
  return createHash('sha256').update(body).digest('hex').slice(0, 16);
}
