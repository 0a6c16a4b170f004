-- At most one unfinished run per connection, enforced by the database so that two portal instances (or a retry
-- racing a new start) can never provision the same connection twice at once. Prisma's schema language cannot express
-- a partial index, so it lives here only (SQLite and PostgreSQL both support it).
CREATE UNIQUE INDEX "ProvisioningRun_one_active_per_connection" ON "ProvisioningRun"("connectionId") WHERE "status" NOT IN ('succeeded', 'failed', 'cancelled');
