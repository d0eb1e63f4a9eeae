import { createConnection } from '../domain/connections.js';
import type { Connection } from '../generated/prisma/client.js';
import { builder } from './builder.js';
import { asPayload, mutationPayload } from './mutation-payload.js';
import { pageSelection } from './page-selection.js';
import { namedConnection, newestFirstConnection } from './relay-lists.js';

// "Connection" is the domain's name for a group of numbers serving one sub-customer,
// not the Relay pattern; its list type is therefore ConnectionConnection.
const ConnectionRef = builder.prismaNode('Connection', {
  id: { field: 'id' },
  description: 'A named group of numbers for one sub-customer.',
  fields: (t) => ({
    name: t.exposeString('name'),
    phoneNumberCount: t.relationCount('phoneNumbers'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.queryField('connections', (t) =>
  t.connection(
    {
      type: ConnectionRef,
      resolve: (_root, args, ctx, info) => {
        const selection = pageSelection(ctx, info);
        return newestFirstConnection(
          ctx,
          args,
          'connections',
          {},
          selection,
          (query) => ctx.db.connection.findMany(query),
          (where) => ctx.db.connection.count({ where }),
        );
      },
    },
    ...namedConnection('Connection'),
  ),
);

const CreateConnectionInput = builder.inputType('CreateConnectionInput', {
  fields: (t) => ({ name: t.string({ required: true, description: '1 to 100 characters, unique among your connections.' }) }),
});

const CreateConnectionPayload = mutationPayload<{ connection: Connection }>('CreateConnectionPayload', { rows: { connection: 'Connection' } });

builder.mutationField('createConnection', (t) =>
  t.field({
    type: CreateConnectionPayload,
    authScopes: { member: true },
    args: { input: t.arg({ type: CreateConnectionInput, required: true }) },
    resolve: (_root, { input }, ctx) => asPayload(async () => ({ connection: await createConnection(ctx.db, input) })),
  }),
);
