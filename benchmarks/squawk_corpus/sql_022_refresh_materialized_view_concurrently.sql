-- Needs the unique index below; readers keep the old contents during the refresh.
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS tenant_revenue_daily_key
    ON tenant_revenue_daily (tenant_id, day);
REFRESH MATERIALIZED VIEW CONCURRENTLY tenant_revenue_daily;
