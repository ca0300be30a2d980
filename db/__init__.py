"""Database layer: connections, migrations, queries and Datasette metadata."""
