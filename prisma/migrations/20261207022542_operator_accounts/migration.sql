-- CreateEnum
CREATE TYPE "OrganizationStatus" AS ENUM ('ACTIVE', 'SUSPENDED');

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "EventType" ADD VALUE 'KYC_STATUS_CHANGED';
ALTER TYPE "EventType" ADD VALUE 'ACCOUNT_STATUS_CHANGED';

-- AlterTable
ALTER TABLE "LedgerEntry" ADD COLUMN     "externalReference" TEXT;

-- AlterTable
ALTER TABLE "Organization" ADD COLUMN     "billingEmail" TEXT,
ADD COLUMN     "country" CHAR(2),
ADD COLUMN     "kycDeclineReason" TEXT,
ADD COLUMN     "status" "OrganizationStatus" NOT NULL DEFAULT 'ACTIVE',
ADD COLUMN     "statusReason" TEXT;

-- CreateTable
CREATE TABLE "OperatorKey" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "secretHash" TEXT NOT NULL,
    "displayPrefix" TEXT NOT NULL,
    "lastUsedAt" TIMESTAMPTZ(3),
    "revokedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "OperatorKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditRecord" (
    "id" UUID NOT NULL,
    "operatorKeyId" UUID NOT NULL,
    "action" TEXT NOT NULL,
    "organizationId" UUID,
    "reason" TEXT,
    "before" JSONB,
    "after" JSONB,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AuditRecord_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "OperatorKey_secretHash_key" ON "OperatorKey"("secretHash");

-- CreateIndex
CREATE INDEX "AuditRecord_createdAt_id_idx" ON "AuditRecord"("createdAt", "id");

-- CreateIndex
CREATE INDEX "AuditRecord_organizationId_createdAt_id_idx" ON "AuditRecord"("organizationId", "createdAt", "id");

-- AddForeignKey
ALTER TABLE "AuditRecord" ADD CONSTRAINT "AuditRecord_operatorKeyId_fkey" FOREIGN KEY ("operatorKeyId") REFERENCES "OperatorKey"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AuditRecord" ADD CONSTRAINT "AuditRecord_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE SET NULL ON UPDATE CASCADE;
