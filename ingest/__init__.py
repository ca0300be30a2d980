"""Turning source records into database rows: normalisation, extraction, loading."""
