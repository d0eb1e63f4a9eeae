import { countryPlans, type SeedCountryCode } from '../../prisma/seed-data.js';
import type { NumberType } from '../generated/prisma/enums.js';

// Where a number belongs, from its digits alone: country by calling code and
// plan length, type and area code by the longest known prefix. Used for port-ins,
// where the number comes from another carrier, not from our stock.

export type NumberClass = {
  countryCode: SeedCountryCode;
  numberType: NumberType;
  areaCode: string;
  region: string | null;
  locality: string | null;
  /** Typical monthly price for this country and type, in cents. */
  monthlyPriceCents: number;
};

type Prefix = Omit<NumberClass, 'monthlyPriceCents'> & { monthlyPriceCents: number; callingCode: string };

const prefixes: Prefix[] = countryPlans.flatMap((plan) =>
  Object.entries(plan.types).flatMap(([numberType, typePlan]) =>
    typePlan!.ranges.map((range) => ({
      callingCode: plan.callingCode,
      countryCode: plan.countryCode,
      numberType: numberType as NumberType,
      areaCode: range.areaCode,
      region: range.region,
      locality: range.locality,
      monthlyPriceCents: typePlan!.price.monthlyCents[0],
    })),
  ),
);

export function classifyNumber(e164: string): NumberClass | null {
  let best: Prefix | undefined;
  for (const prefix of prefixes) {
    const national = e164.slice(1 + prefix.callingCode.length);
    if (!e164.startsWith(`+${prefix.callingCode}`)) continue;
    const plan = countryPlans.find((p) => p.countryCode === prefix.countryCode)!;
    if (!plan.nsnLengths.includes(national.length)) continue;
    if (national.startsWith(prefix.areaCode) && (!best || prefix.areaCode.length > best.areaCode.length)) best = prefix;
  }
  if (!best) return null;
  const { callingCode: _callingCode, ...numberClass } = best;
  return numberClass;
}
