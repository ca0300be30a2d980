-- Every conflict found by reconciliation, as a view: Datasette routes /sota/conflicts to the
-- Conflicts canned query, so the table's rows, facets and filters are reached through this name.
CREATE VIEW conflicts_all AS
SELECT * FROM conflicts
