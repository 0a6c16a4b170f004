-- AlterTable
ALTER TABLE "ProvisioningStep" ADD COLUMN "waitingFor" TEXT;
