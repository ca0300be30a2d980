-- Record-breaking results in date order: each beats every earlier dated result of its
-- dataset, metric and protocol, from all sources. Results without a date cannot break a
-- record; withdrawn ones are left out unless :include_withdrawn = 1, rows their source no
-- longer lists unless :include_delisted = 1. flags: the row's active flags (JSON array).
-- /*filter*/ is replaced by fixed extra conditions (dataset, metric, protocol) by db/views.py.
WITH scoped AS (
  SELECT * FROM results_canonical
  WHERE published IS NOT NULL AND coalesce(role, 'proposed') = 'proposed'
    AND (NOT hidden OR (:include_delisted = 1 AND hidden_by = 'delisted'))
    AND (:include_withdrawn = 1 OR coalesce(flags, '') NOT LIKE '%withdrawn%')
    /*filter*/
),
running AS (
  SELECT *, max(score) OVER (PARTITION BY dataset, metric, protocol
                             ORDER BY published, score DESC, id
                             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS previous_best
  FROM scoped
)
SELECT published, canonical AS model, value, metric, dataset, setting, protocol, source,
       source_url, evidence, locator, date_precision,
       (SELECT json_group_array(flag) FROM (SELECT f.flag FROM flags f WHERE f.result_id = running.id
          AND f.cleared_at IS NULL ORDER BY f.flag)) AS flags,
       paper_title, paper_url, id AS result_id
FROM running
WHERE previous_best IS NULL OR score > previous_best
ORDER BY dataset, metric, protocol, published, score DESC
