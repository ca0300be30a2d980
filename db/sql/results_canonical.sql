-- Every result with its canonical model, protocol group, source tier and a direction-free score.
-- protocol: from rule_protocols (rules/settings.toml): end-to-end supervised results (fine-tuned,
-- from scratch, or unstated) compare with each other; zero-shot, linear-probe, few-shot and
-- semi-supervised results stand apart.
-- score: higher is better for every metric (rule_metrics.higher_is_better = 0 is negated).
-- canonical_key: the trained model (model_map; model_paper_map when the name is used by several
-- papers, each paper's own model); family: the browsing level above it ("ViT-H").
-- hidden: the row carries an active flag that takes it off leaderboards (no longer derived from
-- the archive, or no longer listed by its source); hidden_by: which ('underived', 'delisted').
CREATE VIEW results_canonical AS
SELECT r.*,
       coalesce(mp.canonical_key, m.canonical_key) AS canonical_key,
       c.name AS canonical,
       c.family AS family,
       coalesce(s.tier, 9) AS tier,
       coalesce(rp.protocol, r.setting) AS protocol,
       CASE WHEN rm.higher_is_better = 0 THEN -r.value ELSE r.value END AS score,
       p.title AS paper_title,
       p.url AS paper_url,
       p.arxiv_id AS arxiv_id,
       EXISTS (SELECT 1 FROM flags f WHERE f.result_id = r.id AND f.cleared_at IS NULL
               AND f.flag IN ('underived', 'delisted')) AS hidden,
       (SELECT group_concat(f.flag, ',') FROM flags f WHERE f.result_id = r.id AND f.cleared_at IS NULL
               AND f.flag IN ('underived', 'delisted')) AS hidden_by
FROM results r
LEFT JOIN papers p ON p.id = r.paper_id
JOIN model_map m ON m.source = r.source AND m.model = r.model
LEFT JOIN model_paper_map mp ON mp.source = r.source AND mp.model = r.model
      AND mp.paper = coalesce(p.arxiv_id, r.paper_id, '')
JOIN canonical_models c ON c.key = coalesce(mp.canonical_key, m.canonical_key)
LEFT JOIN sources s ON s.name = r.source
LEFT JOIN rule_protocols rp ON rp.setting = coalesce(r.setting, '')
LEFT JOIN rule_metrics rm ON rm.metric = r.metric
