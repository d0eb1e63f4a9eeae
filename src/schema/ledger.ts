import { builder } from './builder.js';
import { LedgerEntryKindEnum } from './enums.js';
import { MoneyType, money } from './money.js';
import { pageSelection } from './page-selection.js';
import { namedConnection, newestFirstConnection } from './relay-lists.js';

const LedgerEntryRef = builder.prismaNode('LedgerEntry', {
  id: { field: 'id' },
  description: "One movement of money on the organization's balance. Debits are negative.",
  fields: (t) => ({
    kind: t.expose('kind', { type: LedgerEntryKindEnum }),
    amount: t.field({ type: MoneyType, select: { amountCents: true, currency: true }, resolve: (e) => money(e.amountCents, e.currency) }),
    balanceAfter: t.field({ type: MoneyType, select: { balanceAfterCents: true, currency: true }, resolve: (e) => money(e.balanceAfterCents, e.currency) }),
    description: t.exposeString('description'),
    externalReference: t.exposeString('externalReference', { nullable: true, description: "The operator's reference of a manual credit or debit." }),
    phoneNumber: t.relation('phoneNumber', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryField('ledger', (t) =>
  t.connection(
    {
      type: LedgerEntryRef,
      description: 'Every debit and credit, newest first.',
      resolve: (_root, args, ctx, info) => {
        const selection = pageSelection(ctx, info);
        return newestFirstConnection(
          ctx,
          args,
          'ledger',
          {},
          selection,
          (query) => ctx.db.ledgerEntry.findMany(query),
          (where) => ctx.db.ledgerEntry.count({ where }),
        );
      },
    },
    ...namedConnection('LedgerEntry'),
  ),
);
