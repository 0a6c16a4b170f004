-- AlterTable
ALTER TABLE "Connection" ADD COLUMN "probeDueAt" DATETIME;
ALTER TABLE "Connection" ADD COLUMN "probeLeaseOwner" TEXT;
ALTER TABLE "Connection" ADD COLUMN "probeLeaseUntil" DATETIME;

-- CreateIndex
CREATE INDEX "Connection_status_probeDueAt_idx" ON "Connection"("status", "probeDueAt");
