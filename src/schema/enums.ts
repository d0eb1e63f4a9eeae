import { errorCodeValues } from '../domain/errors.js';
import {
  ApiKeyMode,
  ApiKeyRole,
  Capability,
  InboundCallScreening,
  KycDocumentKind,
  KycStatus,
  LedgerEntryKind,
  NumberOrderStatus,
  NumberType,
  OrganizationStatus,
  PhoneNumberStatus,
  PortingOrderStatus,
  TollFreeVerificationStatus,
} from '../generated/prisma/enums.js';
import { builder } from './builder.js';

export const KycStatusEnum = builder.enumType(KycStatus, { name: 'KycStatus' });
export const KycDocumentKindEnum = builder.enumType(KycDocumentKind, { name: 'KycDocumentKind' });
export const OrganizationStatusEnum = builder.enumType(OrganizationStatus, { name: 'OrganizationStatus' });
export const ApiKeyRoleEnum = builder.enumType(ApiKeyRole, { name: 'ApiKeyRole' });
export const ApiKeyModeEnum = builder.enumType(ApiKeyMode, { name: 'ApiKeyMode' });
export const NumberTypeEnum = builder.enumType(NumberType, { name: 'NumberType' });
export const CapabilityEnum = builder.enumType(Capability, { name: 'Capability' });
export const PhoneNumberStatusEnum = builder.enumType(PhoneNumberStatus, { name: 'PhoneNumberStatus' });
export const InboundCallScreeningEnum = builder.enumType(InboundCallScreening, { name: 'InboundCallScreening' });
export const TollFreeVerificationStatusEnum = builder.enumType(TollFreeVerificationStatus, { name: 'TollFreeVerificationStatus' });
export const LedgerEntryKindEnum = builder.enumType(LedgerEntryKind, { name: 'LedgerEntryKind' });
export const NumberOrderStatusEnum = builder.enumType(NumberOrderStatus, { name: 'NumberOrderStatus' });
export const PortingOrderStatusEnum = builder.enumType(PortingOrderStatus, { name: 'PortingOrderStatus' });
export const ErrorCodeEnum = builder.enumType('ErrorCode', { values: errorCodeValues });
export const SortDirectionEnum = builder.enumType('SortDirection', { values: ['ASC', 'DESC'] as const });
