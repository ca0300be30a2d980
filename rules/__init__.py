"""Rules as data: the files people edit to change how sources are read and compared.

Each rule lives in exactly one TOML file of this package (`aliases`, `corpora`, `settings`,
`metrics`); a user override directory (`--rules DIR` or `$SOTA_RULES`) may hold files of the
same names that extend or replace them (see `rules.files`). Every reader asks this package
at the moment it needs a rule, and the package re-reads a file whenever it changed on disk, so
a daemon running for months sees an edit at its next run without a restart.

This package sits at the bottom of the import layers: it imports nothing of ours.
"""
