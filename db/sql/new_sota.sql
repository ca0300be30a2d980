-- New state of the art: every record-breaking result (the `progression_all` view: each beats every
-- earlier dated result of its dataset, metric and protocol, from all sources; withdrawn ones
-- left out), newest first, with the atom_* columns datasette-atom needs for the feed (the web
-- page hides them; result_id opens the paper and evidence there).
-- atom_id: the result's stable key (hex, so any model name gives a valid URI);
-- atom_updated: the result's date as a timezone-aware timestamp. flags: the row's active flags
-- (JSON array); the entry's title and text name them, with their reasons.
WITH flagged AS (
  SELECT result_id, group_concat(flag, ', ') AS names,
         group_concat(flag || ': ' || coalesce(reason, ''), '; ') AS reasons
  FROM (SELECT * FROM flags WHERE cleared_at IS NULL ORDER BY flag)
  GROUP BY result_id
)
SELECT p.published AS date,
       p.model,
       p.value,
       p.metric,
       p.dataset,
       p.protocol,
       p.setting,
       p.source,
       p.paper_title AS paper,
       p.paper_url,
       p.source_url,
       p.evidence,
       p.locator,
       p.date_precision,
       p.flags,
       p.result_id,
       'urn:sota-tracker:result:' || lower(hex(r.key)) AS atom_id,
       p.model || ': ' || p.value || ' ' || p.metric || ' on ' || p.dataset
         || ' (' || p.protocol || ', ' || p.source || ')'
         || coalesce(' [' || fl.names || ']', '') AS atom_title,
       substr(p.published, 1, 10) || 'T00:00:00+00:00' AS atom_updated,
       coalesce(p.paper_url, p.source_url) AS atom_link,
       '<p><b>' || replace(replace(replace(p.model, '&', '&amp;'), '<', '&lt;'), '>', '&gt;')
         || '</b>: ' || p.value || ' ' || p.metric || ' on ' || p.dataset || ', ' || p.protocol
         || ', reported by ' || p.source || ' (dated ' || p.published || ', '
         || coalesce(p.date_precision, 'day') || ' precision).</p>'
         || coalesce('<p>Paper: ' || replace(replace(replace(p.paper_title, '&', '&amp;'), '<', '&lt;'), '>', '&gt;') || '</p>', '')
         || coalesce('<p>Flags: ' || replace(replace(replace(fl.reasons, '&', '&amp;'), '<', '&lt;'), '>', '&gt;') || '</p>', '')
         || coalesce('<blockquote>' || replace(replace(replace(p.evidence, '&', '&amp;'), '<', '&lt;'), '>', '&gt;') || '</blockquote>', '')
         || coalesce('<p>Where: ' || replace(replace(replace(p.locator, '&', '&amp;'), '<', '&lt;'), '>', '&gt;') || '</p>', '')
         || '<p>Source: <a href="' || replace(p.source_url, '"', '%22') || '">'
         || replace(replace(replace(p.source_url, '&', '&amp;'), '<', '&lt;'), '>', '&gt;') || '</a></p>'
         AS atom_content_html
FROM progression_all p
JOIN results r ON r.id = p.result_id
LEFT JOIN flagged fl ON fl.result_id = p.result_id
ORDER BY p.published DESC, p.dataset, p.metric, p.protocol, p.value DESC
