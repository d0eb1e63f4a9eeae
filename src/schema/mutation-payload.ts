import type { FieldMap } from '@pothos/core';
import { DomainError, DomainErrors } from '../domain/errors.js';
import type PrismaTypes from '../generated/pothos-types.js';
import { builder } from './builder.js';
import type { Context } from './context.js';
import { ErrorInterface, type UserError } from './errors.js';

type Payload<T> = Partial<T> & { errors: UserError[] };

/** Runs a mutation; a DomainError becomes `errors: [...]` in the payload, anything else stays a top-level error. */
export async function asPayload<T extends object>(run: () => Promise<T>): Promise<Payload<T>> {
  try {
    return { ...(await run()), errors: [] };
  } catch (error) {
    if (error instanceof DomainError) {
      const all = error instanceof DomainErrors ? error.errors : [error];
      return {
        errors: all.map((one) => {
          const phoneNumbers = one.details.phoneNumbers as string[] | undefined;
          return { message: one.message, code: one.code, field: one.field, ...(phoneNumbers ? { phoneNumbers } : {}) };
        }),
      } as Payload<T>;
    }
    throw error;
  }
}

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;
type Model = keyof PrismaTypes & string;
/** The Prisma model whose rows are `Row` (never when there is none), so a payload field can only name its own model. */
type ModelOf<Row> = { [M in Model]: PrismaTypes[M]['Shape'] extends Row ? M : never }[Model];
type Delegate = { findUnique: (args: { where: { id: string } }) => Promise<PrismaTypes[Model]['Shape'] | null> };

/**
 * A mutation's payload type: `errors` (the DomainErrors asPayload caught), a nullable field per row the
 * mutation wrote (`rows: { reservation: 'Reservation' }`), and any other fields (`fields`: lists, results,
 * secrets). A row field re-reads its row with the selection the client asked for, which the mutation's own
 * row may lack (relations, counts).
 */
export function mutationPayload<Shape extends object>(
  name: string,
  options: {
    rows?: { [Field in keyof Shape]?: ModelOf<Shape[Field]> };
    fields?: (t: PothosSchemaTypes.ObjectFieldBuilder<Types, Payload<Shape>>) => FieldMap;
  },
) {
  return builder.objectRef<Payload<Shape>>(name).implement({
    fields: (t) => {
      const rowFields: FieldMap = {};
      for (const [field, model] of Object.entries(options.rows ?? {}) as [string, Model][]) {
        rowFields[field] = t.prismaField({
          type: model,
          nullable: true,
          resolve: (query, payload, _args, ctx) => {
            const row = (payload as Record<string, { id: string } | undefined>)[field];
            return row ? delegateOf(ctx, model).findUnique({ ...query, where: { id: row.id } }) : null;
          },
        });
      }
      return { ...rowFields, ...options.fields?.(t), errors: t.field({ type: [ErrorInterface], resolve: (payload) => payload.errors }) };
    },
  });
}

function delegateOf(ctx: Context, model: Model): Delegate {
  const delegate = (ctx.db as unknown as Record<string, Delegate | undefined>)[model.charAt(0).toLowerCase() + model.slice(1)];
  if (!delegate) throw new Error(`No Prisma delegate for model ${model}`);
  return delegate;
}
