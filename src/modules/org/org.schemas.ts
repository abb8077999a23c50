import { Type, type Static } from 'typebox';

// The district file format (units with duties, gazetteer, dispatch rules) as imported by
// `yiwang org import`, and the org API's shapes.

export const UnitKind = Type.Union(
  ['district', 'department', 'street', 'town', 'community', 'enterprise'].map((k) => Type.Literal(k)),
);

const Code = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$' });

export const DistrictFileUnit = Type.Object({
  code: Code,
  kind: Type.Union(['department', 'street', 'town', 'community', 'enterprise'].map((k) => Type.Literal(k))),
  name: Type.String({ minLength: 1, maxLength: 200 }),
  short: Type.Optional(Type.String({ maxLength: 100 })),
  /** Parent unit code; streets/departments default to the district, communities need one. */
  parent: Type.Optional(Code),
  uscc: Type.Optional(Type.String()),
  duties: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
});

export const GazetteerOfStreet = Type.Object({
  communities: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
  roads: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
  places: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
});

export const DispatchRuleEntry = Type.Object(
  { matter: Type.String({ minLength: 1 }), unit: Type.String({ minLength: 1 }) },
  { additionalProperties: true },
);

export const DistrictFile = Type.Object(
  {
    about: Type.Optional(Type.String()),
    city: Type.Optional(Type.String()),
    district: Type.Object({ code: Code, name: Type.String({ minLength: 1 }) }),
    units: Type.Array(DistrictFileUnit, { minItems: 1 }),
    gazetteer: Type.Optional(Type.Record(Type.String(), GazetteerOfStreet)),
    dispatchRules: Type.Optional(
      Type.Object(
        {
          about: Type.Optional(Type.String()),
          location: Type.Optional(Type.Array(Type.String())),
          rules: Type.Optional(Type.Array(DispatchRuleEntry)),
        },
        { additionalProperties: true },
      ),
    ),
  },
  { additionalProperties: true },
);
export type DistrictFile = Static<typeof DistrictFile>;

export const OrgUnit = Type.Object({
  id: Type.String({ format: 'uuid' }),
  code: Type.String(),
  name: Type.String(),
  shortName: Type.Union([Type.String(), Type.Null()]),
  kind: UnitKind,
  parentId: Type.Union([Type.String(), Type.Null()]),
  depth: Type.Integer(),
  duties: Type.Array(Type.String()),
});
export type OrgUnit = Static<typeof OrgUnit>;

export const OrgUnitList = Type.Object({ items: Type.Array(OrgUnit) });

export const ImportSummary = Type.Object({
  district: Type.String(),
  units: Type.Integer(),
  gazetteerEntries: Type.Integer(),
  dispatchRules: Type.Integer(),
  created: Type.Integer(),
  updated: Type.Integer(),
});
export type ImportSummary = Static<typeof ImportSummary>;
