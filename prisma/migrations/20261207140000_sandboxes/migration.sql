-- CreateEnum
CREATE TYPE "Environment" AS ENUM ('LIVE', 'TEST');

-- AlterTable
ALTER TABLE "Organization" ADD COLUMN     "environment" "Environment" NOT NULL DEFAULT 'LIVE',
ADD COLUMN     "liveOrganizationId" UUID;

-- AlterTable
ALTER TABLE "InventoryNumber" ADD COLUMN     "sandboxId" UUID;

-- DropIndex
DROP INDEX "InventoryNumber_e164_key";
DROP INDEX "InventoryNumber_state_countryCode_areaCode_e164_idx";
DROP INDEX "InventoryNumber_state_countryCode_numberType_e164_idx";
DROP INDEX "InventoryNumber_state_countryCode_locality_e164_idx";
DROP INDEX "InventoryNumber_state_e164_idx";

-- CreateIndex
CREATE UNIQUE INDEX "Organization_liveOrganizationId_key" ON "Organization"("liveOrganizationId");
CREATE UNIQUE INDEX "InventoryNumber_sandboxId_e164_key" ON "InventoryNumber"("sandboxId", "e164");
-- Live stock (no sandbox) holds each number once: the index above lets NULLs repeat.
CREATE UNIQUE INDEX "InventoryNumber_live_e164_key" ON "InventoryNumber"("e164") WHERE "sandboxId" IS NULL;
CREATE INDEX "InventoryNumber_sandboxId_state_countryCode_areaCode_e164_idx" ON "InventoryNumber"("sandboxId", "state", "countryCode", "areaCode", "e164");
CREATE INDEX "InventoryNumber_sandboxId_state_countryCode_numberType_e164_idx" ON "InventoryNumber"("sandboxId", "state", "countryCode", "numberType", "e164");
CREATE INDEX "InventoryNumber_sandboxId_state_countryCode_locality_e164_idx" ON "InventoryNumber"("sandboxId", "state", "countryCode", "locality", "e164");
CREATE INDEX "InventoryNumber_sandboxId_state_e164_idx" ON "InventoryNumber"("sandboxId", "state", "e164");

-- A sandbox belongs to a live organization, and a live organization has no parent. Test stock belongs to a sandbox.
ALTER TABLE "Organization" ADD CONSTRAINT "Organization_liveOrganizationId_fkey" FOREIGN KEY ("liveOrganizationId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "Organization" ADD CONSTRAINT "Organization_environment_parent_check" CHECK (("environment" = 'TEST') = ("liveOrganizationId" IS NOT NULL));
ALTER TABLE "InventoryNumber" ADD CONSTRAINT "InventoryNumber_sandboxId_fkey" FOREIGN KEY ("sandboxId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;
