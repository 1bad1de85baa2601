-- Nightly rebuild of the dashboard rollup.
REFRESH MATERIALIZED VIEW tenant_revenue_daily;
