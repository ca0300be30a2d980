-- Every result with its canonical model, protocol group, source tier and a direction-free score.
-- protocol: end-to-end supervised results (fine-tuned, from scratch, or unstated) compare with
-- each other; zero-shot, linear-probe, few-shot and semi-supervised results stand apart.
-- score: higher is better for every metric (error rates are negated).
CREATE VIEW results_canonical AS
SELECT r.*,
       m.canonical_key,
       c.name AS canonical,
       coalesce(s.tier, 9) AS tier,
       CASE WHEN r.setting IS NULL OR r.setting IN ('finetuned', 'from_scratch') THEN 'supervised'
            ELSE r.setting END AS protocol,
       CASE WHEN r.metric LIKE '%\_err' ESCAPE '\' OR r.metric = 'mce' THEN -r.value
            ELSE r.value END AS score,
       p.title AS paper_title,
       p.url AS paper_url,
       p.arxiv_id AS arxiv_id
FROM results r
JOIN model_map m ON m.source = r.source AND m.model = r.model
JOIN canonical_models c ON c.key = m.canonical_key
LEFT JOIN sources s ON s.name = r.source
LEFT JOIN papers p ON p.id = r.paper_id
