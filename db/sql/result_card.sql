-- One result's paper, source and evidence: what the web pages open from a `result_id` cell.
SELECT r.id, r.model, r.value, r.raw_value, r.metric, r.dataset, r.source, r.source_url,
       r.evidence, r.published, r.kind,
       p.title AS paper, coalesce(p.url, CASE WHEN r.source = 'arxiv' THEN r.source_url END) AS paper_url
FROM results r
LEFT JOIN papers p ON p.id = r.paper_id
WHERE r.id = :id
