-- Where two sources disagree about the same canonical model, dataset, metric and protocol
-- (found by reconciliation), the larger gaps first; :dataset ('' = every dataset).
SELECT c.model,
       c.dataset,
       c.metric,
       c.protocol,
       c.field,
       c.source_a,
       c.value_a,
       c.source_b,
       c.value_b,
       round(abs(c.value_a - c.value_b), 3) AS difference,
       c.evidence_a,
       c.source_url_a,
       c.evidence_b,
       c.source_url_b,
       c.result_a,
       c.result_b,
       c.id
FROM conflicts c
WHERE :dataset = '' OR c.dataset = :dataset
ORDER BY difference DESC, c.model, c.id
