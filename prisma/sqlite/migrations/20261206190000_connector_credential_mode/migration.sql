-- The CredentialMode enum gains 'connector' (Act-On's multi-tenant connector app). SQLite stores enums as TEXT, so
-- no table changes.
SELECT 1;
