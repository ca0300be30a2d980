-- Where two sources disagree about the same canonical model (found by reconciliation, numbers
-- compared in one unit, beyond the precision the sources print): value conflicts first (one
-- paper's number as two sources give it), then parameter counts; the larger relative gaps
-- first. shown_a / shown_b / shown_difference: the numbers in readable units (91.0%, 2,440M);
-- note: what differs, and which paper version said what; :dataset ('' = every dataset).
WITH c AS (
  SELECT *,
         abs(value_a - value_b) / max(abs(value_a), abs(value_b), 1e-9) AS relative
  FROM conflicts
  WHERE :dataset = '' OR dataset = :dataset OR dataset IS NULL
),
shown AS (
  SELECT c.*,
         CASE WHEN unit = 'params' THEN rtrim(rtrim(printf('%,.3f', value_a / 1e6), '0'), '.') || 'M'
              WHEN value_a = round(value_a, 1) THEN printf('%.1f', value_a) || coalesce(unit, '')
              ELSE rtrim(printf('%.3f', value_a), '0') || coalesce(unit, '') END AS shown_a,
         CASE WHEN unit = 'params' THEN rtrim(rtrim(printf('%,.3f', value_b / 1e6), '0'), '.') || 'M'
              WHEN value_b = round(value_b, 1) THEN printf('%.1f', value_b) || coalesce(unit, '')
              ELSE rtrim(printf('%.3f', value_b), '0') || coalesce(unit, '') END AS shown_b,
         CASE WHEN unit = 'params'
              THEN rtrim(rtrim(printf('%,.3f', abs(value_a - value_b) / 1e6), '0'), '.') || 'M'
              ELSE rtrim(rtrim(printf('%.3f', abs(value_a - value_b)), '0'), '.') || coalesce(unit, '') END
           AS shown_difference
  FROM c
)
SELECT model,
       field,
       dataset,
       metric,
       protocol,
       source_a,
       shown_a,
       source_b,
       shown_b,
       shown_difference,
       note,
       value_a,
       value_b,
       round(abs(value_a - value_b), 3) AS difference,
       unit,
       version_a,
       locator_a,
       source_url_a,
       evidence_a,
       version_b,
       locator_b,
       source_url_b,
       evidence_b,
       result_a,
       result_b,
       id
FROM shown
ORDER BY field = 'value' DESC, relative DESC, model, id
