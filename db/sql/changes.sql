-- The change log, derived from what is stored (no row is written per change): every insert
-- (results.inserted_run: the run that first stored the row), every update (each
-- results_history row is a version replaced, by replaced_by_run at replaced_at; the next
-- version gives the new value), and every flag raised or cleared (the flags table:
-- unconfirmed, implausible, superseded, withdrawn, delisted, underived ...), with when (at,
-- UTC), which run and why. change: insert | update | flag | unflag; flag: which flag. No ORDER
-- BY here (it would make every count or facet sort the whole log): readers sort by `at` (the CLI
-- and Datasette newest first). The atom_* columns make /sota/changes.atom a feed of it.
WITH hist AS (
  SELECT h.*,
         lead(h.value) OVER w AS next_value,
         lead(h.paper_version) OVER w AS next_version,
         lead(h.evidence) OVER w AS next_evidence,
         row_number() OVER w AS n
  FROM results_history h
  WINDOW w AS (PARTITION BY h.result_id ORDER BY h.id)
),
events AS (
  SELECT coalesce(c.finished, c.started, r.fetched_at) AS at, 'insert' AS change, NULL AS flag,
         r.id AS result_id, NULL AS old_value, coalesce(h.value, r.value) AS new_value,
         r.inserted_run AS run,
         CASE c.kind WHEN 'baseline' THEN 'seeded from the bundled baseline'
                     WHEN 'reprocess' THEN 'derived from the archive by new code or rules'
                     ELSE 'first seen by ' || coalesce(c.kind, 'crawl') || ' run ' || coalesce(r.inserted_run, '?') END AS why,
         'insert:' || r.id AS event
  FROM results r
  LEFT JOIN crawl_runs c ON c.id = r.inserted_run
  LEFT JOIN hist h ON h.result_id = r.id AND h.n = 1
  UNION ALL
  SELECT h.replaced_at, 'update', NULL, h.result_id, h.value, coalesce(h.next_value, r.value),
         h.replaced_by_run,
         CASE WHEN h.crawl_run IS NULL AND h.evidence IS NULL AND coalesce(h.next_evidence, r.evidence) IS NOT NULL
                THEN 'live data replaced the bundled baseline row'
              WHEN h.value != coalesce(h.next_value, r.value) THEN 'the value changed'
              ELSE 'details changed (evidence, model, setting, params or paper)' END
         || CASE WHEN h.paper_version IS NOT NULL
                  AND h.paper_version != coalesce(h.next_version, r.paper_version)
                THEN ': v' || h.paper_version || ' of the paper said ' || h.value || ', v'
                     || coalesce(h.next_version, r.paper_version) || ' says ' || coalesce(h.next_value, r.value)
                ELSE '' END,
         'update:' || h.id
  FROM hist h JOIN results r ON r.id = h.result_id
  UNION ALL
  SELECT f.raised_at, 'flag', f.flag, f.result_id, NULL, r.value, f.run, coalesce(f.reason, f.flag),
         'flag:' || f.id
  FROM flags f JOIN results r ON r.id = f.result_id
  UNION ALL
  SELECT f.cleared_at, 'unflag', f.flag, f.result_id, NULL, r.value, f.cleared_run,
         f.flag || ' no longer holds', 'unflag:' || f.id
  FROM flags f JOIN results r ON r.id = f.result_id
  WHERE f.cleared_at IS NOT NULL
)
SELECT e.at,
       e.change,
       e.flag,
       r.key,
       r.model,
       r.dataset,
       r.metric,
       e.old_value,
       e.new_value,
       r.source,
       e.run,
       e.why,
       r.source_url,
       r.locator,
       e.result_id,
       'urn:sota-tracker:change:' || e.event AS atom_id,
       e.at AS atom_updated,
       e.change || coalesce(' ' || e.flag, '') || ': ' || r.model || ' '
         || coalesce(e.old_value || ' → ', '') || coalesce(e.new_value, '') || ' ' || r.metric
         || ' on ' || r.dataset || ' (' || r.source || ')' AS atom_title,
       r.source_url AS atom_link,
       '<p>' || replace(replace(replace(e.why, '&', '&amp;'), '<', '&lt;'), '>', '&gt;')
         || ' (run ' || coalesce(e.run, '?') || ', ' || e.at || ').</p>'
         || coalesce('<p>Where: ' || replace(replace(replace(r.locator, '&', '&amp;'), '<', '&lt;'), '>', '&gt;') || '</p>', '')
         || '<p>Source: <a href="' || replace(r.source_url, '"', '%22') || '">'
         || replace(replace(replace(r.source_url, '&', '&amp;'), '<', '&lt;'), '>', '&gt;') || '</a></p>'
         AS atom_content_html
FROM events e
JOIN results r ON r.id = e.result_id
