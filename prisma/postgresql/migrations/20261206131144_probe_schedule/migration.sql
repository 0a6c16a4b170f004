-- AlterTable
ALTER TABLE "Connection" ADD COLUMN     "probeDueAt" TIMESTAMP(3),
ADD COLUMN     "probeLeaseOwner" TEXT,
ADD COLUMN     "probeLeaseUntil" TIMESTAMP(3);

-- CreateIndex
CREATE INDEX "Connection_status_probeDueAt_idx" ON "Connection"("status", "probeDueAt");
