import type { Prisma } from '../generated/prisma/client.js';
import type { Capability, NumberType, PhoneNumberStatus } from '../generated/prisma/enums.js';
import { invalidInput } from './errors.js';
import { likeLiteral } from './input-rules.js';

export type PhoneNumberFilter = {
  status?: PhoneNumberStatus[] | null;
  numberType?: NumberType[] | null;
  countryCode?: string | null;
  connectionId?: string | null;
  search?: string | null;
  tags?: string[] | null;
};

export type PhoneNumberOrderField = 'CREATED_AT' | 'E164' | 'UPDATED_AT';

export const phoneNumberOrderColumns: Record<PhoneNumberOrderField, { field: string; kind: 'date' | 'string' }> = {
  CREATED_AT: { field: 'createdAt', kind: 'date' },
  UPDATED_AT: { field: 'updatedAt', kind: 'date' },
  E164: { field: 'e164', kind: 'string' },
};

export const maxSearchLength = 64;
export const maxFilterTags = 20;
/** A tag's longest form, as configurePhoneNumber stores it. */
export const maxTagLength = 50;

/** Where-clause for the owner's list; tenant scope is added by the scoped client, not here. */
export function phoneNumberWhere(filter: PhoneNumberFilter | null | undefined): Prisma.PhoneNumberWhereInput {
  const where: Prisma.PhoneNumberWhereInput = {};
  if (!filter) return where;
  if (filter.status?.length) where.status = { in: filter.status };
  if (filter.numberType?.length) where.numberType = { in: filter.numberType };
  if (filter.countryCode) where.countryCode = filter.countryCode;
  if (filter.connectionId != null) where.connectionId = filter.connectionId;
  if (filter.tags?.length) {
    if (filter.tags.length > maxFilterTags) throw invalidInput(['filter', 'tags'], `At most ${maxFilterTags} tags can be filtered on`);
    if (filter.tags.some((tag) => tag.length > maxTagLength)) throw invalidInput(['filter', 'tags'], `A tag is at most ${maxTagLength} characters`);
    where.tags = { hasEvery: filter.tags };
  }
  const search = filter.search?.trim();
  if (search) {
    if (search.length > maxSearchLength) throw invalidInput(['filter', 'search'], `Search text must be at most ${maxSearchLength} characters`);
    const digits = search.replace(/[\s().-]/g, '');
    const text = likeLiteral(search);
    where.OR = [
      ...(/^\+?\d+$/.test(digits) ? [{ e164: { contains: digits } }] : []),
      { label: { contains: text, mode: 'insensitive' } },
      { customerReference: { contains: text, mode: 'insensitive' } },
      { assignedTo: { contains: text, mode: 'insensitive' } },
    ];
  }
  return where;
}

export type AvailableNumberFilter = {
  countryCode: string;
  numberType?: NumberType | null;
  areaCode?: string | null;
  locality?: string | null;
  region?: string | null;
  contains?: string | null;
  capabilities?: Capability[] | null;
};

/** Purchasable stock matching a search; only numbers nobody holds or owns. */
export function availableNumberWhere(filter: AvailableNumberFilter): Prisma.InventoryNumberWhereInput {
  const where: Prisma.InventoryNumberWhereInput = { state: 'AVAILABLE', countryCode: filter.countryCode };
  if (filter.numberType) where.numberType = filter.numberType;
  if (filter.areaCode != null) {
    if (!/^\d{1,6}$/.test(filter.areaCode)) throw invalidInput(['filter', 'areaCode'], 'Area code must be 1 to 6 digits');
    where.areaCode = filter.areaCode;
  }
  if (filter.locality != null) {
    if (filter.locality.length > 100) throw invalidInput(['filter', 'locality'], 'Locality must be at most 100 characters');
    where.locality = { equals: likeLiteral(filter.locality), mode: 'insensitive' };
  }
  if (filter.region != null) {
    if (filter.region.length > 100) throw invalidInput(['filter', 'region'], 'Region must be at most 100 characters');
    where.region = { equals: likeLiteral(filter.region), mode: 'insensitive' };
  }
  if (filter.contains != null) {
    if (!/^\d{1,15}$/.test(filter.contains)) throw invalidInput(['filter', 'contains'], '"contains" must be 1 to 15 digits');
    where.e164 = { contains: filter.contains };
  }
  if (filter.capabilities?.length) where.capabilities = { hasEvery: filter.capabilities };
  return where;
}
