import { Type, type Static } from 'typebox';
import { STAFF_ROLES } from '../../platform/auth/roles.ts';

export const RoleId = Type.Union([
  Type.Literal('admin'), Type.Literal('window_clerk'), Type.Literal('approver'), Type.Literal('hotline_agent'),
  Type.Literal('handling_staff'), Type.Literal('supervisor'), Type.Literal('data_officer'),
]) satisfies { anyOf: { const: (typeof STAFF_ROLES)[number] }[] };

export const Me = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('staff'), Type.Literal('citizen'), Type.Literal('enterprise'), Type.Literal('system')]),
  displayName: Type.String(),
  username: Type.Union([Type.String(), Type.Null()]),
  phoneMasked: Type.Union([Type.String(), Type.Null()]),
  roles: Type.Array(Type.Object({ role: Type.String(), orgUnitCode: Type.String(), orgUnitName: Type.String() })),
  permissions: Type.Array(Type.String()),
});
export type Me = Static<typeof Me>;

export const SessionReply = Type.Object({ user: Me, csrfToken: Type.String() });

export const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64, description: 'Username, or phone number for citizens' }),
    password: Type.String({ minLength: 1, maxLength: 128 }),
  },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBody>;

export const RegisterBody = Type.Object(
  {
    kind: Type.Union([Type.Literal('citizen'), Type.Literal('enterprise')]),
    phone: Type.String({ minLength: 5, maxLength: 20 }),
    password: Type.String({ minLength: 1, maxLength: 128 }),
    displayName: Type.String({ minLength: 1, maxLength: 100 }),
    idNumber: Type.Optional(Type.String({ maxLength: 32, description: '居民身份证号 (GB 11643)' })),
    uscc: Type.Optional(Type.String({ maxLength: 32, description: '统一社会信用代码 (GB 32100), enterprises' })),
  },
  { additionalProperties: false },
);
export type RegisterBody = Static<typeof RegisterBody>;

export const CreateStaffBody = Type.Object(
  {
    username: Type.String({ pattern: '^[a-z][a-z0-9_.-]{2,31}$' }),
    displayName: Type.String({ minLength: 1, maxLength: 100 }),
    password: Type.String({ minLength: 1, maxLength: 128 }),
    phone: Type.Optional(Type.String({ maxLength: 20 })),
    grants: Type.Array(Type.Object({ role: RoleId, unitCode: Type.String() }, { additionalProperties: false }), {
      minItems: 1,
    }),
  },
  { additionalProperties: false },
);
export type CreateStaffBody = Static<typeof CreateStaffBody>;

export const AccountSummary = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  username: Type.Union([Type.String(), Type.Null()]),
  displayName: Type.String(),
  phoneMasked: Type.Union([Type.String(), Type.Null()]),
  idNumberMasked: Type.Union([Type.String(), Type.Null()]),
  uscc: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(),
  roles: Type.Array(Type.Object({ role: Type.String(), orgUnitCode: Type.String(), orgUnitName: Type.String() })),
});
export type AccountSummary = Static<typeof AccountSummary>;

export const AccountPii = Type.Object({
  id: Type.String(),
  phone: Type.Union([Type.String(), Type.Null()]),
  idNumber: Type.Union([Type.String(), Type.Null()]),
});

export const CreateTokenBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    grants: Type.Array(Type.Object({ role: RoleId, unitCode: Type.String() }, { additionalProperties: false }), { minItems: 1 }),
    expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
  },
  { additionalProperties: false },
);
export type CreateTokenBody = Static<typeof CreateTokenBody>;

export const CreatedToken = Type.Object({
  id: Type.String(),
  name: Type.String(),
  token: Type.String({ description: 'Shown once; send as Authorization: Bearer <token>' }),
  expiresAt: Type.Union([Type.String(), Type.Null()]),
});
