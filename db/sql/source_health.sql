-- Per source: its licence and attribution, its newest crawl run (status, counts, error), when a
-- run last succeeded, how many results it holds now, its failed runs in a row, and what the
-- daemon last said it will do next (next_run; backoff_until when it is backing a failing source
-- off; empty once it stopped cleanly — `sota status` also checks that it still runs).
WITH last AS (
  SELECT * FROM crawl_runs WHERE id IN (SELECT max(id) FROM crawl_runs GROUP BY source)
),
ok AS (
  SELECT source, max(coalesce(finished, started)) AS last_success, count(*) AS ok_runs
  FROM crawl_runs WHERE status = 'ok' GROUP BY source
),
runs AS (SELECT source, count(*) AS runs FROM crawl_runs GROUP BY source),
held AS (SELECT source, count(*) AS results FROM results GROUP BY source)
SELECT s.name AS source,
       coalesce(l.status, 'never run') AS status,
       l.started AS last_run,
       ok.last_success,
       coalesce(held.results, 0) AS results,
       l.items_seen AS seen,
       l.items_inserted AS inserted,
       l.items_updated AS updated,
       l.items_unchanged AS unchanged,
       l.items_rejected AS rejected,
       l.error,
       coalesce(runs.runs, 0) AS runs,
       coalesce(ok.ok_runs, 0) AS ok_runs,
       coalesce(fs.failures_in_a_row, 0) AS failures_in_a_row,
       j.next_run,
       j.backoff_until,
       s.default_enabled AS scheduled,
       s.kind,
       s.tier,
       s.licence,
       s.attribution,
       s.url
FROM sources s
LEFT JOIN last l ON l.source = s.name
LEFT JOIN ok ON ok.source = s.name
LEFT JOIN runs ON runs.source = s.name
LEFT JOIN held ON held.source = s.name
LEFT JOIN failure_streaks fs ON fs.source = s.name
LEFT JOIN daemon_jobs j ON j.source = s.name
ORDER BY s.default_enabled DESC, s.name
