-- Per source: its crawl runs that failed since its last ok one (reprocess runs aside; an
-- interrupted run neither breaks nor extends a streak), and when the newest of them ended.
-- One success resets the streak. The daemon backs a source off after a few
-- (schedules/backoff.py); source_health shows the streak.
CREATE VIEW failure_streaks AS
SELECT c.source,
       count(*) AS failures_in_a_row,
       max(coalesce(c.finished, c.started)) AS last_failure
FROM crawl_runs c
WHERE c.kind != 'reprocess' AND c.status = 'failed'
  AND c.id > coalesce((SELECT max(o.id) FROM crawl_runs o
                       WHERE o.source = c.source AND o.kind != 'reprocess' AND o.status = 'ok'), 0)
GROUP BY c.source
