-- AlterTable
ALTER TABLE "Connection" ADD COLUMN "credentialMode" TEXT;
-- Every cloud connection made before certificate mode signs in with a client secret.
UPDATE "Connection" SET "credentialMode" = 'secret' WHERE "authMode" = 'cloud' AND "clientId" IS NOT NULL;
