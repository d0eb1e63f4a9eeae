-- AlterTable
ALTER TABLE "PortingOrder" ADD COLUMN     "carrierReference" TEXT,
ADD COLUMN     "submissions" INTEGER NOT NULL DEFAULT 0;
