-- Accuracy claims extracted from arXiv abstracts in the 7 days up to :as_of (YYYY-MM-DD;
-- '' = the newest arXiv claim's date), newest first, with the exact evidence text and its
-- offsets in the abstract.
WITH bound AS (
  SELECT substr(coalesce(nullif(:as_of, ''),
                         (SELECT max(published) FROM results WHERE source = 'arxiv')), 1, 10) AS until
)
SELECT r.published AS date,
       r.model,
       r.value,
       r.metric,
       r.dataset,
       r.setting,
       r.extra_data,
       r.confidence,
       p.title AS paper,
       coalesce(p.url, r.source_url) AS paper_url,
       p.arxiv_id,
       r.evidence,
       r.evidence_start,
       r.evidence_end,
       r.flags,
       r.fetched_at,
       r.id AS result_id
FROM results r
CROSS JOIN bound b
LEFT JOIN papers p ON p.id = r.paper_id
WHERE r.source = 'arxiv'
  AND r.published > date(b.until, '-7 days')
  AND r.published <= b.until
ORDER BY r.published DESC, p.arxiv_id, r.confidence DESC, r.id
