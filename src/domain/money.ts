export type Money = { amountCents: number; currency: string };

const formatters = new Map<string, Intl.NumberFormat>();

export function formatMoney({ amountCents, currency }: Money): string {
  let formatter = formatters.get(currency);
  if (!formatter) {
    formatter = new Intl.NumberFormat('en-US', { style: 'currency', currency, minimumFractionDigits: 2 });
    formatters.set(currency, formatter);
  }
  // Integer cents in, string out: never via floating-point arithmetic on money.
  const negative = amountCents < 0;
  const abs = Math.abs(amountCents);
  const decimal = `${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
  // Intl formats a decimal string exactly; Number() would round cents away above 2^53.
  const formatted = formatter.format(decimal as unknown as number);
  return negative ? `-${formatted}` : formatted;
}

/** `150` → `"1.50"`, as finance exports want. */
export function centsToDecimal(amountCents: number): string {
  const sign = amountCents < 0 ? '-' : '';
  const abs = Math.abs(amountCents);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
