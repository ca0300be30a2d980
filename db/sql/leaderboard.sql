-- One row per canonical model and protocol, per dataset and metric.
-- value: the best-attested reported number (lowest tier first: curated leaderboards, then
-- model cards, then abstract claims; the best of that tier); measured: the best independent
-- re-evaluation (timm) beside it — only of the same trained model: a timm checkpoint shares a
-- canonical model with a paper's number only when it is that paper's released weights (model_map
-- reason). family: the browsing level above the model ("ViT-H"). Ranked by the reported value
-- where one exists, else measured.
-- Provenance of the chosen row: source_url, evidence (the text, where crawled), locator (where in
-- the source: a page's table row, a CSV line, an abstract's characters), archive_url (the capture
-- read), crawl_run (the run whose archive holds the bytes; none for baseline rows).
-- confirmations: who else states the chosen value (ingest/confirm.py), confirming_papers: how
-- many other papers among them. flags: the chosen row's active flags and its source's own
-- withdrawn mark (JSON array: unconfirmed, implausible, superseded, withdrawn, delisted ...).
-- Parameters: :as_of (NULL = no limit; undated results stay in), :dated_only (0/1),
-- :extra_data (NULL = any, 1 = trained with extra data, 0 = without),
-- :include_delisted (0/1: rows their source no longer lists count too), :include_flagged (0/1:
-- let withdrawn rows and rows hidden by any active flag count).
-- /*filter*/ is replaced by fixed extra conditions (dataset, metric, protocol) by db/views.py.
WITH scoped AS (
  -- narrow rows (no evidence text): every CTE below copies and sorts them; the chosen rows'
  -- provenance is joined back from results at the end
  SELECT id, dataset, metric, protocol, canonical_key, canonical, family, kind, tier, score, value,
         published, source, setting, extra_data, extra_data_corpus, params, resolution, model,
         paper_id, paper_title, paper_url, arxiv_id
  FROM results_canonical
  WHERE (:include_flagged = 1 OR (coalesce(flags, '') NOT LIKE '%withdrawn%'
         AND (NOT hidden OR (:include_delisted = 1 AND hidden_by = 'delisted'))))
    AND coalesce(role, 'proposed') = 'proposed'   -- a quoted baseline or an ablation makes no row
    AND (:as_of IS NULL OR published IS NULL OR published <= :as_of)
    AND (:extra_data IS NULL OR extra_data = :extra_data)
    /*filter*/
),
rep AS (
  SELECT *, row_number() OVER (PARTITION BY dataset, metric, protocol, canonical_key
                               ORDER BY tier, score DESC, published, id) AS n
  FROM scoped WHERE kind = 'reported'
),
meas AS (
  SELECT *, row_number() OVER (PARTITION BY dataset, metric, protocol, canonical_key
                               ORDER BY score DESC, id) AS n
  FROM scoped WHERE kind = 'measured'
),
grp AS (
  SELECT dataset, metric, protocol, canonical_key, min(canonical) AS model, min(family) AS family,
         json_group_array(DISTINCT source) AS sources, max(CASE WHEN kind = 'reported' THEN params END) AS any_params
  FROM scoped GROUP BY dataset, metric, protocol, canonical_key
),
best AS (SELECT * FROM rep WHERE n = 1),
agree AS (  -- who else states the chosen value (ingest/confirm.py): other sources, the paper's
            -- own table, other papers quoting it as a baseline
  SELECT b.id, count(DISTINCT c.by_source || '|' || coalesce(c.by_paper, '')) AS n_confirm,
         count(DISTINCT CASE WHEN c.by_paper IS NOT NULL AND c.by_paper != coalesce(b.arxiv_id, b.paper_id, '')
                             THEN c.by_paper END) AS n_papers
  FROM best b JOIN confirmations c ON c.result_id = b.id
  GROUP BY b.id
),
joined AS (
  SELECT g.dataset, g.metric, g.protocol, g.canonical_key, g.model, g.family,
         rp.value AS value, mp.value AS measured,
         coalesce(rp.score, mp.score) AS score,
         coalesce(rp.setting, mp.setting) AS setting,
         coalesce(rp.extra_data, mp.extra_data) AS extra_data,
         coalesce(rp.extra_data_corpus, mp.extra_data_corpus) AS extra_data_corpus,
         coalesce(rp.params, g.any_params, mp.params) AS params,
         rp.published AS published,
         coalesce(rp.paper_title, mp.paper_title) AS paper_title,
         coalesce(rp.paper_url, mp.paper_url) AS paper_url,
         coalesce(rp.arxiv_id, mp.arxiv_id) AS arxiv_id,
         g.sources,
         coalesce(rp.source, mp.source) AS source,
         coalesce(rp.id, mp.id) AS result_id,
         coalesce(a.n_confirm, 0) >= 1 AS confirmed,
         coalesce(a.n_confirm, 0) AS confirmations,
         coalesce(a.n_papers, 0) AS confirming_papers,
         mp.model AS measured_model, mp.resolution AS measured_resolution,
         mp.id AS measured_id
  FROM grp g
  LEFT JOIN best rp ON rp.dataset = g.dataset AND rp.metric = g.metric
        AND rp.protocol = g.protocol AND rp.canonical_key = g.canonical_key
  LEFT JOIN meas mp ON mp.dataset = g.dataset AND mp.metric = g.metric
        AND mp.protocol = g.protocol AND mp.canonical_key = g.canonical_key AND mp.n = 1
  LEFT JOIN agree a ON a.id = rp.id
  WHERE :dated_only = 0 OR rp.published IS NOT NULL
)
SELECT row_number() OVER (PARTITION BY j.dataset, j.metric, j.protocol ORDER BY j.score DESC, j.model) AS rank,
       j.dataset, j.metric, j.protocol, j.canonical_key, j.model, j.family, j.value, j.measured, j.score,
       j.setting, j.extra_data, j.extra_data_corpus, j.params, j.published, j.paper_title,
       j.paper_url, j.arxiv_id, j.sources, j.source,
       r.source_url, r.evidence, r.locator, r.archive_url, r.crawl_run,
       j.confirmed, j.confirmations, j.confirming_papers, j.measured_model, j.measured_resolution,
       m.source_url AS measured_source_url, m.evidence AS measured_evidence,
       m.locator AS measured_locator, j.result_id,
       (SELECT json_group_array(flag) FROM (
          SELECT f.flag FROM flags f WHERE f.result_id = j.result_id AND f.cleared_at IS NULL
          UNION SELECT 'withdrawn' WHERE coalesce(r.flags, '') LIKE '%withdrawn%'
          ORDER BY 1)) AS flags
FROM joined j
JOIN results r ON r.id = j.result_id
LEFT JOIN results m ON m.id = j.measured_id
