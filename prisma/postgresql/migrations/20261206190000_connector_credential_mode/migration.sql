-- AlterEnum
ALTER TYPE "CredentialMode" ADD VALUE 'connector';
