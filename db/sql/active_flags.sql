-- Every flag in force now, with the result it is on and why: what a reader can act on
-- (unconfirmed, implausible, superseded, withdrawn, delisted, underived), newest first.
SELECT f.flag,
       f.reason,
       r.model,
       r.value,
       r.metric,
       r.dataset,
       r.setting,
       r.source,
       r.source_url,
       r.locator,
       f.raised_at,
       f.run,
       f.result_id
FROM flags f
JOIN results r ON r.id = f.result_id
WHERE f.cleared_at IS NULL
ORDER BY f.raised_at DESC, f.id DESC
