-- AlterTable
ALTER TABLE "HealthProbe" ADD COLUMN "state" TEXT;

-- CreateIndex
CREATE INDEX "Connection_healthState_updatedAt_id_idx" ON "Connection"("healthState", "updatedAt", "id");

-- CreateIndex
CREATE INDEX "Connection_healthCause_updatedAt_id_idx" ON "Connection"("healthCause", "updatedAt", "id");
