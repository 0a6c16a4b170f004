-- AlterTable
ALTER TABLE "Connection" ADD COLUMN "currentRunId" TEXT;
ALTER TABLE "Connection" ADD COLUMN "failingErrorCode" TEXT;
ALTER TABLE "Connection" ADD COLUMN "failingStep" TEXT;
ALTER TABLE "Connection" ADD COLUMN "statusChangedAt" DATETIME;

-- AlterTable
ALTER TABLE "ProvisioningRun" ADD COLUMN "connectionStatusBefore" TEXT;
ALTER TABLE "ProvisioningRun" ADD COLUMN "stagedFacts" JSONB;
ALTER TABLE "ProvisioningRun" ADD COLUMN "tenantId" TEXT;

-- AlterTable
ALTER TABLE "ProvisioningStep" ADD COLUMN "action" JSONB;
ALTER TABLE "ProvisioningStep" ADD COLUMN "actionKind" TEXT;

-- CreateIndex
CREATE INDEX "Connection_failingErrorCode_statusChangedAt_idx" ON "Connection"("failingErrorCode", "statusChangedAt");

-- CreateIndex
CREATE INDEX "Connection_statusChangedAt_idx" ON "Connection"("statusChangedAt");

-- CreateIndex
CREATE INDEX "Connection_currentRunId_idx" ON "Connection"("currentRunId");
