-- AlterEnum
ALTER TYPE "EventType" ADD VALUE 'API_KEY_REVOKED';

-- CreateTable
CREATE TABLE "Deployment" (
    "singleton" BOOLEAN NOT NULL DEFAULT true,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Deployment_pkey" PRIMARY KEY ("singleton")
);

-- CreateIndex
CREATE UNIQUE INDEX "Deployment_id_key" ON "Deployment"("id");

-- The one row, created with the database: every instance on it reads the same identity.
INSERT INTO "Deployment" ("singleton") VALUES (true);
