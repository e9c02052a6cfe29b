// Keystone v3 request and response shapes (the subset Starling serves).

import { Type, type Static } from 'typebox';

const Name = Type.String({ minLength: 1, maxLength: 255 });
const DomainRef = Type.Object(
  { id: Type.Optional(Name), name: Type.Optional(Name) },
  { additionalProperties: false },
);

export const AuthRequest = Type.Object(
  {
    auth: Type.Object(
      {
        identity: Type.Object(
          {
            methods: Type.Array(Type.Literal('password'), { minItems: 1, maxItems: 1 }),
            password: Type.Object(
              {
                user: Type.Object(
                  {
                    id: Type.Optional(Name),
                    name: Type.Optional(Name),
                    domain: Type.Optional(DomainRef),
                    password: Type.String({ minLength: 1, maxLength: 4096 }),
                  },
                  { additionalProperties: false },
                ),
              },
              { additionalProperties: false },
            ),
          },
          { additionalProperties: false },
        ),
        scope: Type.Optional(
          Type.Object(
            {
              project: Type.Object(
                { id: Type.Optional(Name), name: Type.Optional(Name), domain: Type.Optional(DomainRef) },
                { additionalProperties: false },
              ),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type AuthRequest = Static<typeof AuthRequest>;

export const UserCreate = Type.Object(
  {
    user: Type.Object(
      {
        name: Name,
        password: Type.String({ minLength: 1, maxLength: 4096 }),
        domain_id: Type.Optional(Name),
        default_project_id: Type.Optional(Name),
        enabled: Type.Optional(Type.Boolean()),
        email: Type.Optional(Type.String({ maxLength: 255 })),
        description: Type.Optional(Type.String({ maxLength: 255 })),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const UserUpdate = Type.Object(
  {
    user: Type.Object(
      {
        name: Type.Optional(Name),
        password: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
        enabled: Type.Optional(Type.Boolean()),
        default_project_id: Type.Optional(Type.Union([Name, Type.Null()])),
        email: Type.Optional(Type.String({ maxLength: 255 })),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const PasswordChange = Type.Object(
  {
    user: Type.Object(
      {
        password: Type.String({ minLength: 1, maxLength: 4096 }),
        original_password: Type.String({ minLength: 1, maxLength: 4096 }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const ProjectCreate = Type.Object(
  {
    project: Type.Object(
      {
        name: Type.String({ minLength: 1, maxLength: 64 }),
        description: Type.Optional(Type.String({ maxLength: 255 })),
        domain_id: Type.Optional(Name),
        enabled: Type.Optional(Type.Boolean()),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const NameFilter = Type.Object(
  { name: Type.Optional(Name), domain_id: Type.Optional(Name) },
  { additionalProperties: false },
);

export const AssignmentFilter = Type.Object(
  {
    'user.id': Type.Optional(Name),
    'scope.project.id': Type.Optional(Name),
    include_names: Type.Optional(Type.Boolean()),
    effective: Type.Optional(Type.Union([Type.Boolean(), Type.Literal('')])),
  },
  { additionalProperties: false },
);

export const IdParam = (name: string) => Type.Object({ [name]: Type.String({ minLength: 1, maxLength: 64 }) });
export const GrantParams = Type.Object({
  project_id: Type.String({ minLength: 1, maxLength: 64 }),
  user_id: Type.String({ minLength: 1, maxLength: 64 }),
  role_id: Type.String({ minLength: 1, maxLength: 64 }),
});

export const TokenQuery = Type.Object({ nocatalog: Type.Optional(Type.String()) }, { additionalProperties: false });
