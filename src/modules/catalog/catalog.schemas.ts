import { Type, type Static } from 'typebox';

// The catalogue's shapes: the element set of a service item version (GB/T 39046), bundles, the
// power list, the JSON import/export document, and the API's replies. Codes (A.1 …) are plain
// strings here; catalog.rules.ts checks them against their lists so a wrong code gets its own
// error code and path rather than a schema message.

const Text = (max = 500) => Type.String({ minLength: 1, maxLength: max });
const OptText = (max = 2000) => Type.Optional(Type.String({ maxLength: max }));
const Code = (description: string) => Type.String({ pattern: '^[0-9]{1,2}$', description });
export const DateText = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });
/** Catalogue codes (基本编码, 实施编码, 业务办理项编码) are strings: lengths differ between the standard (10/24) and the exchange tables (12/36). */
export const ItemCode = Type.String({ pattern: '^[0-9A-Z]{4,40}$', description: 'catalogue code (digits and capitals)' });
/** Keys of materials, steps and form fields: stable within a version, shared across items for the same document. */
const Key = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' });
const UnitCode = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$', description: 'org unit code' });

export const TimeLimit = Type.Object(
  {
    value: Type.Integer({ minimum: 0, maximum: 3650 }),
    unit: Type.Union([Type.Literal('working_days'), Type.Literal('natural_days')]),
    note: OptText(500),
  },
  { additionalProperties: false },
);
export type TimeLimit = Static<typeof TimeLimit>;

const FileRef = Type.Object({ title: Text(200), href: Text(500) }, { additionalProperties: false });

const LegalBasis = Type.Object(
  { title: Text(200), article: OptText(100), excerpt: OptText(2000) },
  { additionalProperties: false },
);

export const STEP_ROLES = ['window_clerk', 'approver', 'handling_staff', 'supervisor'] as const;

const Step = Type.Object(
  {
    key: Key,
    name: Text(100),
    /** Who acts at this step: a staff role of the implementing unit (or of `unitCode`). */
    role: Type.Enum(STEP_ROLES),
    unitCode: Type.Optional(UnitCode),
    budget: TimeLimit,
    description: OptText(1000),
  },
  { additionalProperties: false },
);

export const MATERIAL_SOURCES = ['applicant', 'licence', 'shared_data', 'item_result'] as const;

const MaterialSource = Type.Object(
  {
    /** applicant 申请人提供 · licence 电子证照 · shared_data 数据共享 · item_result 另一事项的办理结果 */
    kind: Type.Enum(MATERIAL_SOURCES),
    licenceTypeCode: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
    resourceCode: Type.Optional(Type.String({ minLength: 1, maxLength: 60 })),
    itemCode: Type.Optional(ItemCode),
  },
  { additionalProperties: false },
);

const Material = Type.Object(
  {
    key: Key,
    name: Text(200),
    /** 原件 · 复印件 · 电子件 */
    forms: Type.Array(Type.Union([Type.Literal('original'), Type.Literal('copy'), Type.Literal('electronic')]), { minItems: 1, uniqueItems: true }),
    /** false: needed only when `condition` holds (情形材料). */
    isRequired: Type.Boolean(),
    condition: OptText(500),
    source: MaterialSource,
    blankForm: Type.Optional(FileRef),
    sample: Type.Optional(FileRef),
    acceptanceStandard: Text(1000),
    copies: Type.Object({ original: Type.Integer({ minimum: 0, maximum: 20 }), copy: Type.Integer({ minimum: 0, maximum: 20 }) }, { additionalProperties: false }),
    /** 可容缺: a case may be accepted without it against a written commitment. */
    isDeferrable: Type.Optional(Type.Boolean()),
    note: OptText(500),
  },
  { additionalProperties: false },
);
export type Material = Static<typeof Material>;

const Fee = Type.Object(
  { name: Text(200), standard: Text(500), basis: Text(500), waiver: OptText(500) },
  { additionalProperties: false },
);

const Result = Type.Object(
  {
    name: Text(200),
    kindCode: Code('办理结果类型'),
    licenceTypeCode: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
    sample: Type.Optional(FileRef),
  },
  { additionalProperties: false },
);

const FORM_FIELD_TYPES = ['text', 'textarea', 'number', 'date', 'select', 'id_number', 'phone', 'uscc', 'address'] as const;
export const FormField = Type.Object(
  {
    key: Key,
    label: Text(100),
    type: Type.Enum(FORM_FIELD_TYPES),
    isRequired: Type.Boolean(),
    options: Type.Optional(Type.Array(Text(100), { minItems: 1 })),
  },
  { additionalProperties: false },
);
export type FormField = Static<typeof FormField>;

export const Office = Type.Object(
  {
    address: Text(300),
    hours: Text(300),
    phone: Text(50),
    complaintPhone: Text(50),
    windows: OptText(200),
  },
  { additionalProperties: false },
);

const Faq = Type.Object({ question: Text(300), answer: Text(2000) }, { additionalProperties: false });

/** The element set of one version of a service item: what the guide says and what a case follows. */
export const ItemElements = Type.Object(
  {
    name: Text(200),
    shortName: OptText(100),
    /** Words citizens use for it (开饭店, 营业执照 …): indexed for search. */
    keywords: Type.Array(Text(50), { maxItems: 30 }),
    summary: OptText(2000),
    typeCode: Code('A.1 事项类型'),
    legalBasis: Type.Array(LegalBasis, { minItems: 1 }),
    levelCode: Code('A.2 行使层级'),
    implementingBody: Type.Object(
      { name: Text(200), uscc: Type.String({ minLength: 18, maxLength: 18 }), natureCode: Code('A.3 实施主体性质') },
      { additionalProperties: false },
    ),
    objectCodes: Type.Array(Code('A.4 服务对象'), { minItems: 1, uniqueItems: true }),
    formCodes: Type.Array(Code('A.5 办理形式'), { minItems: 1, uniqueItems: true }),
    caseTypeCode: Code('A.6 办件类型'),
    /** 法定办结时限; null where no law sets one (many public services). */
    legalLimit: Type.Union([TimeLimit, Type.Null()]),
    /** 承诺办结时限; 0 for 即办件. */
    promisedLimit: TimeLimit,
    acceptanceConditions: Type.Array(Text(1000), { minItems: 1 }),
    steps: Type.Array(Step, { minItems: 1 }),
    materials: Type.Array(Material),
    /** Empty: 不收费. */
    fees: Type.Array(Fee),
    results: Type.Array(Result, { minItems: 1 }),
    /** 到办事现场次数: 0 = 不用跑. */
    visits: Type.Integer({ minimum: 0, maximum: 10 }),
    onlineDepthCode: Code('网上办理深度'),
    onlineUrl: OptText(500),
    isAppointmentSupported: Type.Boolean(),
    isMailSupported: Type.Boolean(),
    isSelfServiceSupported: Type.Boolean(),
    crossRegionScopeCode: Code('通办范围'),
    intermediaryServices: Type.Array(
      Type.Object({ name: Text(200), isRequired: Type.Boolean(), basis: OptText(500) }, { additionalProperties: false }),
    ),
    specialProcedures: Type.Array(
      Type.Object({ code: Code('A.7 特别程序种类'), name: Text(100), limit: Type.Optional(TimeLimit), note: OptText(500) }, { additionalProperties: false }),
    ),
    formFields: Type.Array(FormField),
    faqs: Type.Array(Faq),
    office: Office,
  },
  { additionalProperties: false },
);
export type ItemElements = Static<typeof ItemElements>;

export const VERSION_STATUSES = ['draft', 'review', 'published', 'withdrawn'] as const;
export type VersionStatus = (typeof VERSION_STATUSES)[number];
const VersionStatus = Type.Enum(VERSION_STATUSES);

const versionFields = {
  version: Type.Integer({ minimum: 1, maximum: 100000 }),
  status: VersionStatus,
  /** Required once published: the first day the version applies. */
  effectiveFrom: Type.Optional(DateText),
  /** The first day it no longer applies (a later version's start, or the item's cancellation). */
  effectiveUntil: Type.Optional(DateText),
};

export const HANDLING_ACTIONS = ['new', 'change', 'renew', 'cancel'] as const;

/** 业务办理项 split of an implementation entry: by action (新设/变更/延续/注销), object or scale. */
export const HandlingVariant = Type.Object(
  {
    action: Type.Optional(Type.Enum(HANDLING_ACTIONS)),
    object: OptText(100),
    scale: OptText(100),
  },
  { additionalProperties: false },
);

export const BundleItem = Type.Object(
  {
    itemCode: ItemCode,
    /** Not every applicant needs every item (户外招牌 only with a sign): `condition` says when. */
    isOptional: Type.Boolean(),
    condition: OptText(300),
    /** Items whose result this one needs first; all others run in parallel. */
    dependsOn: Type.Array(ItemCode),
  },
  { additionalProperties: false },
);

export const BundleDefinition = Type.Object(
  {
    name: Text(200),
    keywords: Type.Array(Text(50), { maxItems: 30 }),
    summary: Text(2000),
    objectCodes: Type.Array(Code('A.4 服务对象'), { minItems: 1, uniqueItems: true }),
    items: Type.Array(BundleItem, { minItems: 2 }),
    /** Fields of the one combined form beyond those the items already ask. */
    formFields: Type.Array(FormField),
    /** The bundle's own promise; when absent the combined limit follows from the items. */
    promisedLimit: Type.Optional(TimeLimit),
    visits: Type.Integer({ minimum: 0, maximum: 10 }),
    onlineDepthCode: Code('网上办理深度'),
    faqs: Type.Array(Faq),
    office: Office,
  },
  { additionalProperties: false },
);
export type BundleDefinition = Static<typeof BundleDefinition>;

export const CatalogFile = Type.Object(
  {
    format: Type.Literal('yiwang.catalog/1'),
    about: OptText(2000),
    /** 基本目录: main items (主项) and their sub items (子项), as published above the district. */
    basicEntries: Type.Array(
      Type.Object(
        { code: ItemCode, name: Text(200), typeCode: Code('A.1 事项类型'), parentCode: Type.Optional(ItemCode) },
        { additionalProperties: false },
      ),
    ),
    /** 权责清单: every power of every unit, whether or not it takes applications. */
    powerList: Type.Array(
      Type.Object(
        {
          code: ItemCode,
          name: Text(200),
          typeCode: Code('A.1 事项类型'),
          unitCode: UnitCode,
          legalBasis: Type.Array(LegalBasis, { minItems: 1 }),
          responsibilities: Type.Array(Text(1000)),
          accountability: Type.Array(Text(1000)),
        },
        { additionalProperties: false },
      ),
    ),
    /** 实施清单 entries and their 业务办理项, each with its versions. */
    items: Type.Array(
      Type.Object(
        {
          kind: Type.Union([Type.Literal('implementation'), Type.Literal('handling')]),
          basicCode: ItemCode,
          implementationCode: ItemCode,
          handlingCode: Type.Optional(ItemCode),
          unitCode: UnitCode,
          powerCode: ItemCode,
          variant: Type.Optional(HandlingVariant),
          /** 事项取消: from this date no version applies. */
          cancellation: Type.Optional(Type.Object({ date: DateText, reason: Text(500) }, { additionalProperties: false })),
          versions: Type.Array(Type.Object({ ...versionFields, elements: ItemElements }, { additionalProperties: false }), { minItems: 1 }),
        },
        { additionalProperties: false },
      ),
    ),
    bundles: Type.Array(
      Type.Object(
        {
          code: ItemCode,
          unitCode: UnitCode,
          versions: Type.Array(Type.Object({ ...versionFields, definition: BundleDefinition }, { additionalProperties: false }), { minItems: 1 }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type CatalogFile = Static<typeof CatalogFile>;
export type CatalogFileItem = CatalogFile['items'][number];
export type CatalogFileBundle = CatalogFile['bundles'][number];
export type CatalogFileItemVersion = CatalogFileItem['versions'][number];
export type CatalogFileBundleVersion = CatalogFileBundle['versions'][number];

// ---------------------------------------------------------------- API shapes

export const ItemKind = Type.Union([Type.Literal('implementation'), Type.Literal('handling')]);

/** One version of an item, as the cases module and the editor read it. */
export const ItemVersion = Type.Object({
  id: Type.String({ format: 'uuid' }),
  itemId: Type.String({ format: 'uuid' }),
  code: Type.String(),
  kind: ItemKind,
  basicCode: Type.String(),
  implementationCode: Type.String(),
  handlingCode: Type.Union([Type.String(), Type.Null()]),
  parentCode: Type.Union([Type.String(), Type.Null()]),
  unitCode: Type.String(),
  powerCode: Type.String(),
  version: Type.Integer(),
  status: VersionStatus,
  effectiveFrom: Type.Union([DateText, Type.Null()]),
  effectiveUntil: Type.Union([DateText, Type.Null()]),
  acceptsApplications: Type.Boolean(),
  elements: ItemElements,
});
export type ItemVersion = Static<typeof ItemVersion>;

export const VersionSummary = Type.Object({
  id: Type.String({ format: 'uuid' }),
  version: Type.Integer(),
  status: VersionStatus,
  effectiveFrom: Type.Union([DateText, Type.Null()]),
  effectiveUntil: Type.Union([DateText, Type.Null()]),
  name: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  submittedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  publishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  returnReason: Type.Union([Type.String(), Type.Null()]),
});
export type VersionSummary = Static<typeof VersionSummary>;

const LimitReply = Type.Union([TimeLimit, Type.Null()]);

export const SearchHit = Type.Object({
  type: Type.Union([Type.Literal('item'), Type.Literal('bundle')]),
  code: Type.String(),
  name: Type.String(),
  unitName: Type.String(),
  visits: Type.Integer(),
  onlineDepthCode: Type.String(),
  onlineDepth: Type.String(),
  promisedLimit: LimitReply,
  score: Type.Number(),
});
export type SearchHit = Static<typeof SearchHit>;

export const SearchReply = Type.Object({ query: Type.String(), total: Type.Integer(), items: Type.Array(SearchHit) });

const Named = Type.Object({ code: Type.String(), name: Type.String() });

/** The public guide (办事指南): the current published version with its codes named. */
export const Guide = Type.Object({
  code: Type.String(),
  kind: ItemKind,
  basicCode: Type.String(),
  implementationCode: Type.String(),
  handlingCode: Type.Union([Type.String(), Type.Null()]),
  variant: Type.Union([HandlingVariant, Type.Null()]),
  parent: Type.Union([Named, Type.Null()]),
  handlingItems: Type.Array(Named),
  bundles: Type.Array(Named),
  unitCode: Type.String(),
  versionId: Type.String({ format: 'uuid' }),
  version: Type.Integer(),
  effectiveFrom: DateText,
  effectiveUntil: Type.Union([DateText, Type.Null()]),
  acceptsApplications: Type.Boolean(),
  /** Chinese names of every coded element, keyed like the elements (type, level, objects …). */
  names: Type.Object({
    type: Type.String(),
    level: Type.String(),
    bodyNature: Type.String(),
    objects: Type.Array(Type.String()),
    forms: Type.Array(Type.String()),
    caseType: Type.String(),
    onlineDepth: Type.String(),
    crossRegionScope: Type.String(),
    results: Type.Array(Type.String()),
    specialProcedures: Type.Array(Type.String()),
  }),
  elements: ItemElements,
});
export type Guide = Static<typeof Guide>;

export const MergedMaterial = Type.Object({
  key: Type.String(),
  name: Type.String(),
  forms: Type.Array(Type.String()),
  isRequired: Type.Boolean(),
  conditions: Type.Array(Type.String()),
  source: MaterialSource,
  copies: Type.Object({ original: Type.Integer(), copy: Type.Integer() }),
  acceptanceStandard: Type.String(),
  /** The bundle items that ask for it. */
  itemCodes: Type.Array(Type.String()),
});
export type MergedMaterial = Static<typeof MergedMaterial>;

export const CombinedLimit = Type.Object({
  /** The limit the bundle promises (its own, or the critical path through its items). */
  promised: TimeLimit,
  /** Critical path of the items' promised working-day limits, parallel except `dependsOn`. */
  criticalPathWorkingDays: Type.Integer(),
  /** Longest natural-day limit among the items (counted in parallel), if any item uses natural days. */
  longestNaturalDays: Type.Union([Type.Integer(), Type.Null()]),
});
export type CombinedLimit = Static<typeof CombinedLimit>;

export const BundleGuide = Type.Object({
  code: Type.String(),
  unitCode: Type.String(),
  versionId: Type.String({ format: 'uuid' }),
  version: Type.Integer(),
  effectiveFrom: DateText,
  effectiveUntil: Type.Union([DateText, Type.Null()]),
  definition: BundleDefinition,
  items: Type.Array(
    Type.Object({
      code: Type.String(),
      name: Type.String(),
      versionId: Type.String({ format: 'uuid' }),
      unitName: Type.String(),
      isOptional: Type.Boolean(),
      condition: Type.Union([Type.String(), Type.Null()]),
      dependsOn: Type.Array(Type.String()),
      promisedLimit: TimeLimit,
      visits: Type.Integer(),
    }),
  ),
  materials: Type.Array(MergedMaterial),
  formFields: Type.Array(FormField),
  limit: CombinedLimit,
  /** Materials asked by the items in total, before deduplication (so the saving can be shown). */
  materialsBeforeMerge: Type.Integer(),
});
export type BundleGuide = Static<typeof BundleGuide>;

export const BundleSummary = Type.Object({
  code: Type.String(),
  name: Type.String(),
  summary: Type.String(),
  itemCount: Type.Integer(),
  visits: Type.Integer(),
  promisedLimit: LimitReply,
});

export const PowerEntry = Type.Object({
  code: Type.String(),
  name: Type.String(),
  typeCode: Type.String(),
  typeName: Type.String(),
  unitCode: Type.String(),
  acceptsApplications: Type.Boolean(),
  legalBasis: Type.Array(LegalBasis),
  responsibilities: Type.Array(Type.String()),
  accountability: Type.Array(Type.String()),
  itemCodes: Type.Array(Type.String()),
});
export type PowerEntry = Static<typeof PowerEntry>;

export const ImportSummary = Type.Object({
  basicEntries: Type.Integer(),
  powerEntries: Type.Integer(),
  items: Type.Integer(),
  itemsCreated: Type.Integer(),
  versionsCreated: Type.Integer(),
  versionsUpdated: Type.Integer(),
  bundles: Type.Integer(),
  bundleVersionsCreated: Type.Integer(),
});
export type ImportSummary = Static<typeof ImportSummary>;

export const CreateItemBody = Type.Object(
  {
    kind: ItemKind,
    basicCode: ItemCode,
    implementationCode: ItemCode,
    handlingCode: Type.Optional(ItemCode),
    unitCode: UnitCode,
    powerCode: ItemCode,
    variant: Type.Optional(HandlingVariant),
    elements: ItemElements,
  },
  { additionalProperties: false },
);
export type CreateItemBody = Static<typeof CreateItemBody>;

export const ItemListEntry = Type.Object({
  code: Type.String(),
  kind: ItemKind,
  unitCode: Type.String(),
  name: Type.String(),
  cancelledOn: Type.Union([DateText, Type.Null()]),
  latestVersion: Type.Integer(),
  latestStatus: VersionStatus,
  currentVersion: Type.Union([Type.Integer(), Type.Null()]),
});

export const CatalogStats = Type.Object({
  items: Type.Integer(),
  bundles: Type.Integer(),
  /** 时限压缩率 = Σ(legal − promised) / Σ legal over items with a legal limit in the same unit. */
  timeLimitCompressionRate: Type.Union([Type.Number(), Type.Null()]),
  itemsWithLegalLimit: Type.Integer(),
  zeroVisitItems: Type.Integer(),
  fullyOnlineItems: Type.Integer(),
  onTheSpotItems: Type.Integer(),
});
export type CatalogStats = Static<typeof CatalogStats>;
