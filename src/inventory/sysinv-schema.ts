// Building blocks of inventory's response schemas (fastify serializes answers with them). Every
// field is optional and nullable as sysinv answers, and objects stay open (additionalProperties):
// the filler fields of sysinv-fields.ts are listed too, and a column added to a row can never
// vanish from an answer because a schema was not updated (StarlingX's clients read many fields).

import { Type, type TProperties } from 'typebox';

export const Str = Type.Optional(Type.Unsafe<string | null>({ type: ['string', 'null'] }));
export const Num = Type.Optional(Type.Unsafe<number | null>({ type: ['number', 'null'] }));
export const Bool = Type.Optional(Type.Unsafe<boolean | null>({ type: ['boolean', 'null'] }));
/** Objects (capabilities, location, ranges…) and fields sysinv leaves null here. */
export const Any = Type.Optional(Type.Unknown());
export const Links = Type.Optional(
  Type.Array(Type.Object({ href: Type.String(), rel: Type.String() }, { additionalProperties: true })),
);

export const SysinvObject = <P extends TProperties>(properties: P) =>
  Type.Object(properties, { additionalProperties: true });

/** A collection answer: `{"<key>": [row, …]}` (sysinv's list shape). */
export const ListOf = <K extends string, T extends ReturnType<typeof SysinvObject>>(key: K, row: T) =>
  Type.Object({ [key]: Type.Array(row) } as Record<K, ReturnType<typeof Type.Array<T>>>, {
    additionalProperties: true,
  });
