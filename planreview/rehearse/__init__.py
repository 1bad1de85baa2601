"""Migration rehearsal: run a plan's schema changes on a real, private PostgreSQL."""
