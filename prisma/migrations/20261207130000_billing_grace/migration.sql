-- AlterTable
ALTER TABLE "PhoneNumber" ADD COLUMN     "graceEndsAt" TIMESTAMPTZ(3);

-- Only unpaid numbers carry a grace end: arrears settlement finds them without a scan.
CREATE INDEX "PhoneNumber_unpaid_idx" ON "PhoneNumber"("organizationId") WHERE "graceEndsAt" IS NOT NULL;
