"""Backups: `manage.py backup` writes one verified archive, `manage.py restore` brings it back.

The app has no models. `services.py` holds the two flows, `archive.py` the archive format,
`databases.py` what differs between SQLite and PostgreSQL, and `checksums.py` the per-table row
counts and checksums that tie a restored database to the manifest.
"""
