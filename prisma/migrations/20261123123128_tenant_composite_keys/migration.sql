-- Relations between tenant-owned tables are keyed by (organizationId, id): a row can only
-- link to a row of its own organization, and relation loads carry organizationId.
-- Fails if existing data already links rows across organizations (fix that data first).

-- DropForeignKey
ALTER TABLE "LedgerEntry" DROP CONSTRAINT "LedgerEntry_numberOrderId_fkey";

-- DropForeignKey
ALTER TABLE "LedgerEntry" DROP CONSTRAINT "LedgerEntry_phoneNumberId_fkey";

-- DropForeignKey
ALTER TABLE "NumberOrder" DROP CONSTRAINT "NumberOrder_reservationId_fkey";

-- DropForeignKey
ALTER TABLE "NumberOrderItem" DROP CONSTRAINT "NumberOrderItem_numberOrderId_fkey";

-- DropForeignKey
ALTER TABLE "NumberOrderItem" DROP CONSTRAINT "NumberOrderItem_phoneNumberId_fkey";

-- DropForeignKey
ALTER TABLE "PhoneNumber" DROP CONSTRAINT "PhoneNumber_connectionId_fkey";

-- DropForeignKey
ALTER TABLE "PhoneNumber" DROP CONSTRAINT "PhoneNumber_numberOrderId_fkey";

-- DropForeignKey
ALTER TABLE "PhoneNumber" DROP CONSTRAINT "PhoneNumber_portingOrderId_fkey";

-- DropForeignKey
ALTER TABLE "PortingComment" DROP CONSTRAINT "PortingComment_portingOrderId_fkey";

-- DropForeignKey
ALTER TABLE "PortingDocument" DROP CONSTRAINT "PortingDocument_portingOrderId_fkey";

-- DropForeignKey
ALTER TABLE "PortingOrderNumber" DROP CONSTRAINT "PortingOrderNumber_portingOrderId_fkey";

-- DropForeignKey
ALTER TABLE "PortingOrderTransition" DROP CONSTRAINT "PortingOrderTransition_portingOrderId_fkey";

-- DropForeignKey
ALTER TABLE "ReservationItem" DROP CONSTRAINT "ReservationItem_reservationId_fkey";

-- CreateIndex
CREATE UNIQUE INDEX "Connection_organizationId_id_key" ON "Connection"("organizationId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "NumberOrder_organizationId_id_key" ON "NumberOrder"("organizationId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "PhoneNumber_organizationId_id_key" ON "PhoneNumber"("organizationId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "PortingOrder_organizationId_id_key" ON "PortingOrder"("organizationId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "Reservation_organizationId_id_key" ON "Reservation"("organizationId", "id");

-- AddForeignKey
ALTER TABLE "PhoneNumber" ADD CONSTRAINT "PhoneNumber_organizationId_connectionId_fkey" FOREIGN KEY ("organizationId", "connectionId") REFERENCES "Connection"("organizationId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PhoneNumber" ADD CONSTRAINT "PhoneNumber_organizationId_numberOrderId_fkey" FOREIGN KEY ("organizationId", "numberOrderId") REFERENCES "NumberOrder"("organizationId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PhoneNumber" ADD CONSTRAINT "PhoneNumber_organizationId_portingOrderId_fkey" FOREIGN KEY ("organizationId", "portingOrderId") REFERENCES "PortingOrder"("organizationId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReservationItem" ADD CONSTRAINT "ReservationItem_organizationId_reservationId_fkey" FOREIGN KEY ("organizationId", "reservationId") REFERENCES "Reservation"("organizationId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NumberOrder" ADD CONSTRAINT "NumberOrder_organizationId_reservationId_fkey" FOREIGN KEY ("organizationId", "reservationId") REFERENCES "Reservation"("organizationId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NumberOrderItem" ADD CONSTRAINT "NumberOrderItem_organizationId_numberOrderId_fkey" FOREIGN KEY ("organizationId", "numberOrderId") REFERENCES "NumberOrder"("organizationId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NumberOrderItem" ADD CONSTRAINT "NumberOrderItem_organizationId_phoneNumberId_fkey" FOREIGN KEY ("organizationId", "phoneNumberId") REFERENCES "PhoneNumber"("organizationId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PortingOrderNumber" ADD CONSTRAINT "PortingOrderNumber_organizationId_portingOrderId_fkey" FOREIGN KEY ("organizationId", "portingOrderId") REFERENCES "PortingOrder"("organizationId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PortingDocument" ADD CONSTRAINT "PortingDocument_organizationId_portingOrderId_fkey" FOREIGN KEY ("organizationId", "portingOrderId") REFERENCES "PortingOrder"("organizationId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PortingOrderTransition" ADD CONSTRAINT "PortingOrderTransition_organizationId_portingOrderId_fkey" FOREIGN KEY ("organizationId", "portingOrderId") REFERENCES "PortingOrder"("organizationId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PortingComment" ADD CONSTRAINT "PortingComment_organizationId_portingOrderId_fkey" FOREIGN KEY ("organizationId", "portingOrderId") REFERENCES "PortingOrder"("organizationId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LedgerEntry" ADD CONSTRAINT "LedgerEntry_organizationId_numberOrderId_fkey" FOREIGN KEY ("organizationId", "numberOrderId") REFERENCES "NumberOrder"("organizationId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LedgerEntry" ADD CONSTRAINT "LedgerEntry_organizationId_phoneNumberId_fkey" FOREIGN KEY ("organizationId", "phoneNumberId") REFERENCES "PhoneNumber"("organizationId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;
