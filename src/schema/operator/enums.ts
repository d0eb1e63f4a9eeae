import { errorCodeValues } from '../../domain/errors.js';
import { KycStatus as KycStatusValues, OrganizationStatus as OrganizationStatusValues } from '../../generated/prisma/enums.js';
import { operatorBuilder as builder } from './builder.js';

export const KycStatus = builder.enumType(KycStatusValues, { name: 'KycStatus' });
export const OrganizationStatus = builder.enumType(OrganizationStatusValues, { name: 'OrganizationStatus' });
export const ErrorCode = builder.enumType('ErrorCode', { values: errorCodeValues });
export const KycDecision = builder.enumType('KycDecision', { values: ['START_REVIEW', 'APPROVE', 'DECLINE'] as const });
