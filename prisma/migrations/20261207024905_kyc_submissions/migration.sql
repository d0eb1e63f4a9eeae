-- CreateEnum
CREATE TYPE "KycDocumentKind" AS ENUM ('REGISTRATION_CERTIFICATE', 'PROOF_OF_ADDRESS', 'IDENTITY_DOCUMENT', 'OTHER');

-- AlterEnum
ALTER TYPE "KycStatus" ADD VALUE 'SUBMITTED';

-- CreateTable
CREATE TABLE "KycSubmission" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "legalName" TEXT NOT NULL,
    "registrationNumber" TEXT NOT NULL,
    "addressLine1" TEXT NOT NULL,
    "addressLine2" TEXT,
    "city" TEXT NOT NULL,
    "region" TEXT,
    "postalCode" TEXT NOT NULL,
    "country" CHAR(2) NOT NULL,
    "contactName" TEXT NOT NULL,
    "contactEmail" TEXT NOT NULL,
    "contactPhone" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "KycSubmission_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "KycDocument" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "kycSubmissionId" UUID,
    "kind" "KycDocumentKind" NOT NULL,
    "filename" TEXT NOT NULL,
    "contentType" TEXT NOT NULL,
    "sizeBytes" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "storageKey" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "KycDocument_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "KycSubmission_organizationId_createdAt_id_idx" ON "KycSubmission"("organizationId", "createdAt", "id");

-- CreateIndex
CREATE UNIQUE INDEX "KycSubmission_organizationId_id_key" ON "KycSubmission"("organizationId", "id");

-- CreateIndex
CREATE INDEX "KycDocument_organizationId_createdAt_id_idx" ON "KycDocument"("organizationId", "createdAt", "id");

-- AddForeignKey
ALTER TABLE "KycSubmission" ADD CONSTRAINT "KycSubmission_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "KycDocument" ADD CONSTRAINT "KycDocument_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "KycDocument" ADD CONSTRAINT "KycDocument_organizationId_kycSubmissionId_fkey" FOREIGN KEY ("organizationId", "kycSubmissionId") REFERENCES "KycSubmission"("organizationId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;
