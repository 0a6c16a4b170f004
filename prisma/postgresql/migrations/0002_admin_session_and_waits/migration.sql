-- AlterEnum
ALTER TYPE "SecretKind" ADD VALUE 'adminTokenCache';

-- AlterTable
ALTER TABLE "ProvisioningStep" ADD COLUMN     "waitingFor" TEXT;
