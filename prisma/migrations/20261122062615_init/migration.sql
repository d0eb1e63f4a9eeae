-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "KycStatus" AS ENUM ('NOT_SUBMITTED', 'PENDING', 'VERIFIED', 'DECLINED');

-- CreateEnum
CREATE TYPE "ApiKeyRole" AS ENUM ('READ_ONLY', 'MEMBER', 'ADMIN');

-- CreateEnum
CREATE TYPE "ApiKeyMode" AS ENUM ('LIVE', 'TEST');

-- CreateEnum
CREATE TYPE "NumberType" AS ENUM ('LOCAL', 'TOLL_FREE', 'NATIONAL', 'MOBILE');

-- CreateEnum
CREATE TYPE "Capability" AS ENUM ('VOICE', 'SMS', 'MMS', 'FAX');

-- CreateEnum
CREATE TYPE "InventoryState" AS ENUM ('AVAILABLE', 'RESERVED', 'ASSIGNED', 'QUARANTINED');

-- CreateEnum
CREATE TYPE "PhoneNumberStatus" AS ENUM ('PENDING', 'ACTIVE', 'SUSPENDED', 'RELEASED', 'PORTING', 'FAILED');

-- CreateEnum
CREATE TYPE "InboundCallScreening" AS ENUM ('DISABLED', 'FLAG_CALLS', 'REJECT_CALLS');

-- CreateEnum
CREATE TYPE "TollFreeVerificationStatus" AS ENUM ('NOT_SUBMITTED', 'PENDING', 'VERIFIED', 'REJECTED');

-- CreateEnum
CREATE TYPE "ReservationStatus" AS ENUM ('ACTIVE', 'EXPIRED', 'CANCELLED', 'CONVERTED');

-- CreateEnum
CREATE TYPE "NumberOrderStatus" AS ENUM ('PENDING', 'COMPLETED', 'PARTIALLY_FAILED', 'FAILED');

-- CreateEnum
CREATE TYPE "NumberOrderItemStatus" AS ENUM ('PENDING', 'ACTIVE', 'FAILED');

-- CreateEnum
CREATE TYPE "PortingOrderStatus" AS ENUM ('DRAFT', 'SUBMITTED', 'IN_PROCESS', 'FOC_DATE_CONFIRMED', 'PORTED', 'EXCEPTION', 'CANCELLED');

-- CreateEnum
CREATE TYPE "PortingDocumentKind" AS ENUM ('LOA', 'INVOICE', 'OTHER');

-- CreateEnum
CREATE TYPE "LedgerEntryKind" AS ENUM ('TOP_UP', 'ACTIVATION_CHARGE', 'ACTIVATION_REFUND', 'MONTHLY_CHARGE', 'ADJUSTMENT');

-- CreateEnum
CREATE TYPE "EventType" AS ENUM ('NUMBER_STATUS_CHANGED', 'NUMBER_ORDER_UPDATED', 'RESERVATION_CREATED', 'RESERVATION_EXPIRED', 'RESERVATION_CANCELLED', 'PORTING_ORDER_STATUS_CHANGED', 'INVENTORY_LOW', 'NUMBER_CONFIGURED', 'BALANCE_CHANGED');

-- CreateEnum
CREATE TYPE "JobStatus" AS ENUM ('PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED');

-- CreateTable
CREATE TABLE "Organization" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "balanceCents" INTEGER NOT NULL DEFAULT 0,
    "currency" CHAR(3) NOT NULL DEFAULT 'USD',
    "kycStatus" "KycStatus" NOT NULL DEFAULT 'NOT_SUBMITTED',
    "lowStockThreshold" INTEGER NOT NULL DEFAULT 3,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Organization_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "mode" "ApiKeyMode" NOT NULL,
    "role" "ApiKeyRole" NOT NULL,
    "secretHash" TEXT NOT NULL,
    "displayPrefix" TEXT NOT NULL,
    "lastUsedAt" TIMESTAMPTZ(3),
    "revokedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "InventoryNumber" (
    "id" UUID NOT NULL,
    "e164" TEXT NOT NULL,
    "countryCode" CHAR(2) NOT NULL,
    "areaCode" TEXT NOT NULL,
    "region" TEXT,
    "locality" TEXT,
    "numberType" "NumberType" NOT NULL,
    "capabilities" "Capability"[],
    "provider" TEXT NOT NULL,
    "activationPriceCents" INTEGER NOT NULL,
    "monthlyPriceCents" INTEGER NOT NULL,
    "currency" CHAR(3) NOT NULL DEFAULT 'USD',
    "state" "InventoryState" NOT NULL DEFAULT 'AVAILABLE',
    "reservationId" UUID,
    "reservedUntil" TIMESTAMPTZ(3),
    "quarantinedUntil" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "InventoryNumber_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PhoneNumber" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "inventoryNumberId" UUID,
    "numberOrderId" UUID,
    "portingOrderId" UUID,
    "e164" TEXT NOT NULL,
    "countryCode" CHAR(2) NOT NULL,
    "areaCode" TEXT NOT NULL,
    "region" TEXT,
    "locality" TEXT,
    "numberType" "NumberType" NOT NULL,
    "capabilities" "Capability"[],
    "provider" TEXT NOT NULL,
    "activationPriceCents" INTEGER NOT NULL,
    "monthlyPriceCents" INTEGER NOT NULL,
    "currency" CHAR(3) NOT NULL DEFAULT 'USD',
    "status" "PhoneNumberStatus" NOT NULL,
    "customerReference" TEXT,
    "label" TEXT,
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "cnamLookupEnabled" BOOLEAN NOT NULL DEFAULT false,
    "cnamDisplayName" TEXT,
    "techPrefixEnabled" BOOLEAN NOT NULL DEFAULT false,
    "inboundCallScreening" "InboundCallScreening" NOT NULL DEFAULT 'DISABLED',
    "messagingEnabled" BOOLEAN NOT NULL DEFAULT false,
    "connectionId" UUID,
    "forwardingNumber" TEXT,
    "assignedTo" TEXT,
    "allowInbound" BOOLEAN NOT NULL DEFAULT true,
    "allowOutbound" BOOLEAN NOT NULL DEFAULT true,
    "complianceProfileId" TEXT,
    "tfvStatus" "TollFreeVerificationStatus",
    "orderedAt" TIMESTAMPTZ(3),
    "activatedAt" TIMESTAMPTZ(3),
    "assignedAt" TIMESTAMPTZ(3),
    "releasedAt" TIMESTAMPTZ(3),
    "nextBillingAt" TIMESTAMPTZ(3),
    "billingEndsAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "PhoneNumber_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Connection" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Connection_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Reservation" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "status" "ReservationStatus" NOT NULL DEFAULT 'ACTIVE',
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Reservation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReservationItem" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "reservationId" UUID NOT NULL,
    "inventoryNumberId" UUID NOT NULL,
    "e164" TEXT NOT NULL,

    CONSTRAINT "ReservationItem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "NumberOrder" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "reservationId" UUID,
    "idempotencyKey" TEXT NOT NULL,
    "requestHash" TEXT NOT NULL,
    "status" "NumberOrderStatus" NOT NULL DEFAULT 'PENDING',
    "activationTotalCents" INTEGER NOT NULL,
    "monthlyTotalCents" INTEGER NOT NULL,
    "currency" CHAR(3) NOT NULL DEFAULT 'USD',
    "completedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "NumberOrder_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "NumberOrderItem" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "numberOrderId" UUID NOT NULL,
    "phoneNumberId" UUID,
    "e164" TEXT NOT NULL,
    "activationPriceCents" INTEGER NOT NULL,
    "monthlyPriceCents" INTEGER NOT NULL,
    "status" "NumberOrderItemStatus" NOT NULL DEFAULT 'PENDING',
    "failureReason" TEXT,

    CONSTRAINT "NumberOrderItem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PortingOrder" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "status" "PortingOrderStatus" NOT NULL DEFAULT 'DRAFT',
    "countryCode" CHAR(2) NOT NULL,
    "numberType" "NumberType" NOT NULL,
    "customerReference" TEXT,
    "authorizedPerson" TEXT,
    "businessName" TEXT,
    "accountNumber" TEXT,
    "accountPin" TEXT,
    "serviceStreet" TEXT,
    "serviceLocality" TEXT,
    "serviceRegion" TEXT,
    "servicePostalCode" TEXT,
    "serviceCountryCode" CHAR(2),
    "requestedFocDate" TIMESTAMPTZ(3),
    "confirmedFocDate" TIMESTAMPTZ(3),
    "exceptionReason" TEXT,
    "submittedAt" TIMESTAMPTZ(3),
    "portedAt" TIMESTAMPTZ(3),
    "cancelledAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "PortingOrder_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PortingOrderNumber" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "portingOrderId" UUID NOT NULL,
    "e164" TEXT NOT NULL,
    "losingCarrier" TEXT,
    "fastPortable" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PortingOrderNumber_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PortingDocument" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "portingOrderId" UUID NOT NULL,
    "kind" "PortingDocumentKind" NOT NULL,
    "filename" TEXT NOT NULL,
    "contentType" TEXT NOT NULL,
    "sizeBytes" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "storageKey" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PortingDocument_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PortingOrderTransition" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "portingOrderId" UUID NOT NULL,
    "fromStatus" "PortingOrderStatus",
    "toStatus" "PortingOrderStatus" NOT NULL,
    "reason" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PortingOrderTransition_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PortingComment" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "portingOrderId" UUID NOT NULL,
    "author" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PortingComment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LedgerEntry" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "kind" "LedgerEntryKind" NOT NULL,
    "amountCents" INTEGER NOT NULL,
    "balanceAfterCents" INTEGER NOT NULL,
    "currency" CHAR(3) NOT NULL DEFAULT 'USD',
    "description" TEXT NOT NULL,
    "numberOrderId" UUID,
    "phoneNumberId" UUID,
    "dedupeKey" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LedgerEntry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Event" (
    "id" BIGSERIAL NOT NULL,
    "sequence" BIGINT,
    "organizationId" UUID NOT NULL,
    "type" "EventType" NOT NULL,
    "subjectId" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "InventoryAlertState" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "countryCode" CHAR(2) NOT NULL,
    "areaCodePrefix" TEXT NOT NULL,
    "isLow" BOOLEAN NOT NULL DEFAULT false,
    "lastRaisedAt" TIMESTAMPTZ(3),
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "InventoryAlertState_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Job" (
    "id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" "JobStatus" NOT NULL DEFAULT 'PENDING',
    "runAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "maxAttempts" INTEGER NOT NULL DEFAULT 5,
    "lastError" TEXT,
    "lockedBy" TEXT,
    "lockedAt" TIMESTAMPTZ(3),
    "uniqueKey" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Job_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Organization_slug_key" ON "Organization"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_secretHash_key" ON "ApiKey"("secretHash");

-- CreateIndex
CREATE INDEX "ApiKey_organizationId_createdAt_id_idx" ON "ApiKey"("organizationId", "createdAt", "id");

-- CreateIndex
CREATE UNIQUE INDEX "InventoryNumber_e164_key" ON "InventoryNumber"("e164");

-- CreateIndex
CREATE INDEX "InventoryNumber_state_countryCode_areaCode_e164_idx" ON "InventoryNumber"("state", "countryCode", "areaCode", "e164");

-- CreateIndex
CREATE INDEX "InventoryNumber_state_countryCode_numberType_e164_idx" ON "InventoryNumber"("state", "countryCode", "numberType", "e164");

-- CreateIndex
CREATE INDEX "InventoryNumber_state_countryCode_locality_e164_idx" ON "InventoryNumber"("state", "countryCode", "locality", "e164");

-- CreateIndex
CREATE INDEX "InventoryNumber_state_e164_idx" ON "InventoryNumber"("state", "e164");

-- CreateIndex
CREATE INDEX "InventoryNumber_reservationId_idx" ON "InventoryNumber"("reservationId");

-- CreateIndex
CREATE INDEX "PhoneNumber_organizationId_createdAt_id_idx" ON "PhoneNumber"("organizationId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "PhoneNumber_organizationId_e164_id_idx" ON "PhoneNumber"("organizationId", "e164", "id");

-- CreateIndex
CREATE INDEX "PhoneNumber_organizationId_status_createdAt_id_idx" ON "PhoneNumber"("organizationId", "status", "createdAt", "id");

-- CreateIndex
CREATE INDEX "PhoneNumber_organizationId_countryCode_areaCode_idx" ON "PhoneNumber"("organizationId", "countryCode", "areaCode");

-- CreateIndex
CREATE INDEX "PhoneNumber_organizationId_connectionId_createdAt_id_idx" ON "PhoneNumber"("organizationId", "connectionId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "PhoneNumber_tags_idx" ON "PhoneNumber" USING GIN ("tags");

-- CreateIndex
CREATE INDEX "PhoneNumber_status_nextBillingAt_idx" ON "PhoneNumber"("status", "nextBillingAt");

-- CreateIndex
CREATE INDEX "Connection_organizationId_createdAt_id_idx" ON "Connection"("organizationId", "createdAt", "id");

-- CreateIndex
CREATE UNIQUE INDEX "Connection_organizationId_name_key" ON "Connection"("organizationId", "name");

-- CreateIndex
CREATE INDEX "Reservation_organizationId_createdAt_id_idx" ON "Reservation"("organizationId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Reservation_status_expiresAt_idx" ON "Reservation"("status", "expiresAt");

-- CreateIndex
CREATE INDEX "ReservationItem_organizationId_idx" ON "ReservationItem"("organizationId");

-- CreateIndex
CREATE UNIQUE INDEX "ReservationItem_reservationId_e164_key" ON "ReservationItem"("reservationId", "e164");

-- CreateIndex
CREATE INDEX "NumberOrder_organizationId_createdAt_id_idx" ON "NumberOrder"("organizationId", "createdAt", "id");

-- CreateIndex
CREATE UNIQUE INDEX "NumberOrder_organizationId_idempotencyKey_key" ON "NumberOrder"("organizationId", "idempotencyKey");

-- CreateIndex
CREATE INDEX "NumberOrderItem_numberOrderId_idx" ON "NumberOrderItem"("numberOrderId");

-- CreateIndex
CREATE INDEX "NumberOrderItem_organizationId_idx" ON "NumberOrderItem"("organizationId");

-- CreateIndex
CREATE INDEX "PortingOrder_organizationId_createdAt_id_idx" ON "PortingOrder"("organizationId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "PortingOrder_organizationId_status_createdAt_id_idx" ON "PortingOrder"("organizationId", "status", "createdAt", "id");

-- CreateIndex
CREATE INDEX "PortingOrderNumber_e164_idx" ON "PortingOrderNumber"("e164");

-- CreateIndex
CREATE INDEX "PortingOrderNumber_organizationId_idx" ON "PortingOrderNumber"("organizationId");

-- CreateIndex
CREATE UNIQUE INDEX "PortingOrderNumber_portingOrderId_e164_key" ON "PortingOrderNumber"("portingOrderId", "e164");

-- CreateIndex
CREATE INDEX "PortingDocument_portingOrderId_createdAt_idx" ON "PortingDocument"("portingOrderId", "createdAt");

-- CreateIndex
CREATE INDEX "PortingDocument_organizationId_idx" ON "PortingDocument"("organizationId");

-- CreateIndex
CREATE INDEX "PortingOrderTransition_portingOrderId_createdAt_idx" ON "PortingOrderTransition"("portingOrderId", "createdAt");

-- CreateIndex
CREATE INDEX "PortingOrderTransition_organizationId_idx" ON "PortingOrderTransition"("organizationId");

-- CreateIndex
CREATE INDEX "PortingComment_portingOrderId_createdAt_idx" ON "PortingComment"("portingOrderId", "createdAt");

-- CreateIndex
CREATE INDEX "PortingComment_organizationId_idx" ON "PortingComment"("organizationId");

-- CreateIndex
CREATE UNIQUE INDEX "LedgerEntry_dedupeKey_key" ON "LedgerEntry"("dedupeKey");

-- CreateIndex
CREATE INDEX "LedgerEntry_organizationId_createdAt_id_idx" ON "LedgerEntry"("organizationId", "createdAt", "id");

-- CreateIndex
CREATE UNIQUE INDEX "Event_sequence_key" ON "Event"("sequence");

-- CreateIndex
CREATE INDEX "Event_organizationId_sequence_idx" ON "Event"("organizationId", "sequence");

-- CreateIndex
CREATE INDEX "Event_sequence_id_idx" ON "Event"("sequence", "id");

-- CreateIndex
CREATE UNIQUE INDEX "InventoryAlertState_organizationId_countryCode_areaCodePref_key" ON "InventoryAlertState"("organizationId", "countryCode", "areaCodePrefix");

-- CreateIndex
CREATE UNIQUE INDEX "Job_uniqueKey_key" ON "Job"("uniqueKey");

-- CreateIndex
CREATE INDEX "Job_status_runAt_idx" ON "Job"("status", "runAt");

-- AddForeignKey
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InventoryNumber" ADD CONSTRAINT "InventoryNumber_reservationId_fkey" FOREIGN KEY ("reservationId") REFERENCES "Reservation"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PhoneNumber" ADD CONSTRAINT "PhoneNumber_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PhoneNumber" ADD CONSTRAINT "PhoneNumber_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PhoneNumber" ADD CONSTRAINT "PhoneNumber_numberOrderId_fkey" FOREIGN KEY ("numberOrderId") REFERENCES "NumberOrder"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PhoneNumber" ADD CONSTRAINT "PhoneNumber_portingOrderId_fkey" FOREIGN KEY ("portingOrderId") REFERENCES "PortingOrder"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Connection" ADD CONSTRAINT "Connection_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Reservation" ADD CONSTRAINT "Reservation_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReservationItem" ADD CONSTRAINT "ReservationItem_reservationId_fkey" FOREIGN KEY ("reservationId") REFERENCES "Reservation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NumberOrder" ADD CONSTRAINT "NumberOrder_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NumberOrder" ADD CONSTRAINT "NumberOrder_reservationId_fkey" FOREIGN KEY ("reservationId") REFERENCES "Reservation"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NumberOrderItem" ADD CONSTRAINT "NumberOrderItem_numberOrderId_fkey" FOREIGN KEY ("numberOrderId") REFERENCES "NumberOrder"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NumberOrderItem" ADD CONSTRAINT "NumberOrderItem_phoneNumberId_fkey" FOREIGN KEY ("phoneNumberId") REFERENCES "PhoneNumber"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PortingOrder" ADD CONSTRAINT "PortingOrder_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PortingOrderNumber" ADD CONSTRAINT "PortingOrderNumber_portingOrderId_fkey" FOREIGN KEY ("portingOrderId") REFERENCES "PortingOrder"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PortingDocument" ADD CONSTRAINT "PortingDocument_portingOrderId_fkey" FOREIGN KEY ("portingOrderId") REFERENCES "PortingOrder"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PortingOrderTransition" ADD CONSTRAINT "PortingOrderTransition_portingOrderId_fkey" FOREIGN KEY ("portingOrderId") REFERENCES "PortingOrder"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PortingComment" ADD CONSTRAINT "PortingComment_portingOrderId_fkey" FOREIGN KEY ("portingOrderId") REFERENCES "PortingOrder"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LedgerEntry" ADD CONSTRAINT "LedgerEntry_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LedgerEntry" ADD CONSTRAINT "LedgerEntry_numberOrderId_fkey" FOREIGN KEY ("numberOrderId") REFERENCES "NumberOrder"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LedgerEntry" ADD CONSTRAINT "LedgerEntry_phoneNumberId_fkey" FOREIGN KEY ("phoneNumberId") REFERENCES "PhoneNumber"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Event" ADD CONSTRAINT "Event_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
