import type { NumberType } from '../generated/prisma/enums.js';
import { type CountryCode, countryPlans, isReservedNumber } from './catalog.js';

// Where a number belongs, from its digits alone: country by calling code and
// plan length, type and area code by the longest known prefix. Used for port-ins,
// where the number comes from another carrier, not from our stock.

export type NumberClass = {
  countryCode: CountryCode;
  numberType: NumberType;
  areaCode: string;
  region: string | null;
  locality: string | null;
  /** Typical monthly price for this country and type, in cents. */
  monthlyPriceCents: number;
};

type Prefix = NumberClass & { callingCode: string; nsnLengths: readonly number[] };

const prefixes: Prefix[] = countryPlans.flatMap((plan) =>
  Object.entries(plan.types).flatMap(([numberType, typePlan]) => {
    if (!typePlan) return [];
    const monthlyPriceCents = typePlan.price.monthlyCents[0];
    return typePlan.ranges.map((range) => ({
      callingCode: plan.callingCode,
      nsnLengths: plan.nsnLengths,
      countryCode: plan.countryCode,
      numberType: numberType as NumberType,
      areaCode: range.areaCode,
      region: range.region,
      locality: range.locality,
      monthlyPriceCents,
    }));
  }),
);

export function classifyNumber(e164: string): NumberClass | null {
  let best: Prefix | undefined;
  for (const prefix of prefixes) {
    const national = e164.slice(1 + prefix.callingCode.length);
    if (!e164.startsWith(`+${prefix.callingCode}`)) continue;
    if (!prefix.nsnLengths.includes(national.length)) continue;
    if (national.startsWith(prefix.areaCode) && (!best || prefix.areaCode.length > best.areaCode.length)) best = prefix;
  }
  if (!best) return null;
  const { callingCode: _callingCode, nsnLengths: _nsnLengths, ...numberClass } = best;
  return numberClass;
}

/** A number set aside for fiction and tests (NANP 555, Ofcom's drama ranges): in service with no carrier. */
export function isFictionalNumber(e164: string): boolean {
  const plan = classifyNumber(e164);
  const callingCode = plan && countryPlans.find((country) => country.countryCode === plan.countryCode)?.callingCode;
  return Boolean(plan && callingCode && isReservedNumber(plan.countryCode, e164.slice(1 + callingCode.length)));
}
