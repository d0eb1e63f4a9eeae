import { addTestFunds } from '../domain/sandbox.js';
import type { LedgerEntry } from '../generated/prisma/client.js';
import { builder } from './builder.js';
import { LedgerEntryKindEnum } from './enums.js';
import { MoneyType, money } from './money.js';
import { asPayload, mutationPayload } from './mutation-payload.js';
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

const AddTestFundsInput = builder.inputType('AddTestFundsInput', {
  fields: (t) => ({
    amountCents: t.int({ required: true, description: 'Test money to add, in cents: 1 to 10,000,000.' }),
    idempotencyKey: t.string({ required: true, description: 'The same key adds the funds once. 1 to 255 of A-Z a-z 0-9 _ - . :' }),
  }),
});

const AddTestFundsPayload = mutationPayload<{ ledgerEntry: LedgerEntry; replayed: boolean }>('AddTestFundsPayload', {
  rows: { ledgerEntry: 'LedgerEntry' },
  fields: (t) => ({
    replayed: t.boolean({ description: 'True when this key had already added the funds: nothing new was credited.', resolve: (p) => p.replayed ?? false }),
  }),
});

builder.mutationField('addTestFunds', (t) =>
  t.field({
    type: AddTestFundsPayload,
    authScopes: { admin: true },
    description: "Test mode only (ADMIN): adds test money to the sandbox's balance, as a TOP_UP entry. A live key gets FORBIDDEN.",
    args: { input: t.arg({ type: AddTestFundsInput, required: true }) },
    resolve: (_root, { input }, ctx) => asPayload(() => addTestFunds(ctx.db, input)),
  }),
);
