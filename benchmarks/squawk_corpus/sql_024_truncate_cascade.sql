-- Reset the staging import tables.
TRUNCATE import_batches CASCADE;
