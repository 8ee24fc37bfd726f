-- Named queries: operations (the metrics snapshot; the job locks are in locks.sql).

-- name: metrics_snapshot
SELECT metric, label, value FROM public.certflow_metrics();
