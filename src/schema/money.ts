import { formatMoney, type Money } from '../domain/money.js';
import { builder } from './builder.js';

export const MoneyType = builder.objectRef<Money>('Money').implement({
  description: 'An exact amount of money in the smallest unit of its currency.',
  fields: (t) => ({
    amountCents: t.exposeInt('amountCents'),
    currency: t.field({ type: 'Currency', resolve: (money) => money.currency }),
    formatted: t.string({ resolve: (money) => formatMoney(money) }),
  }),
});

export const money = (amountCents: number, currency: string): Money => ({ amountCents, currency });
