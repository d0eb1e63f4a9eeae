-- CreateIndex
CREATE INDEX "PhoneNumber_organizationId_updatedAt_id_idx" ON "PhoneNumber"("organizationId", "updatedAt", "id");
