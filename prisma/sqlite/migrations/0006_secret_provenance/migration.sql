-- AlterTable
ALTER TABLE "Secret" ADD COLUMN "applicationObjectId" TEXT;
ALTER TABLE "Secret" ADD COLUMN "tenantId" TEXT;
