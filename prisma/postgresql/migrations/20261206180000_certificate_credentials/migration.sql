-- AlterEnum
ALTER TYPE "SecretKind" ADD VALUE 'certificateKey';

-- CreateEnum
CREATE TYPE "CredentialMode" AS ENUM ('certificate', 'secret');

-- AlterTable
ALTER TABLE "Connection" ADD COLUMN     "credentialMode" "CredentialMode";
-- Every cloud connection made before certificate mode signs in with a client secret.
UPDATE "Connection" SET "credentialMode" = 'secret' WHERE "authMode" = 'cloud' AND "clientId" IS NOT NULL;
