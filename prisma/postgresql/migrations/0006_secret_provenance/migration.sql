-- AlterTable
ALTER TABLE "Secret" ADD COLUMN     "applicationObjectId" TEXT,
ADD COLUMN     "tenantId" TEXT;
