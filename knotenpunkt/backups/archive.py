"""The backup archive: one ZIP file holding `manifest.json` and the database dump.

Why ZIP and not tar: a ZIP file ends with its central directory, so a truncated archive is
recognised at once (tar has no end marker a reader insists on, and a tar cut at a block boundary
reads as a shorter but valid archive); every member carries a CRC-32 that the reader checks; the
manifest is read without reading past the dump; and any operating system lists and opens it
(`unzip -l`, the Windows Explorer). Python's `zipfile` writes ZIP64 for dumps above 4 GB. The
PostgreSQL dump is compressed already and is stored as is; the SQLite file is deflated at the fastest
level. On top of the CRC the manifest holds the dump's sha256, checked before anything is restored.

Layout (format "knotenpunkt-backup", version 1):

    manifest.json         format, version, created_at, software, database vendor, applied migrations,
                          the dump's name, size and sha256, and per table rows, sha256 and columns
    database.sqlite3      SQLite: a copy made with the online backup API
    database.pgdump       PostgreSQL: `pg_dump --format=custom`
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import zipfile
import zlib
from pathlib import Path

from django.utils.translation import gettext as _

FORMAT = "knotenpunkt-backup"
VERSION = 1
MANIFEST = "manifest.json"
DUMP_NAMES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
VENDOR_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# A manifest lists every table once; anything this big is not one of ours.
MANIFEST_MAX_BYTES = 20 * 1024 * 1024
READ_BYTES = 1024 * 1024

# What zipfile and zlib raise on a damaged or cut archive.
DAMAGE = (zipfile.BadZipFile, zlib.error, EOFError, ValueError, KeyError, NotImplementedError, RuntimeError)


class BackupError(Exception):
    """A backup or a restore cannot go on; the message says why, in German."""


class ArchiveError(BackupError):
    """The file is no usable Knotenpunkt backup."""


def write(path: Path, manifest: dict, dump: Path) -> None:
    """Write the archive to the new file `path` (the caller's temporary name), mode 0600, and flush
    it to disk."""
    vendor = manifest["database"]["vendor"]
    # Readable by the owner only: the archive holds personal data.
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as raw:
        with zipfile.ZipFile(raw, "w", allowZip64=True) as archive:
            archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2), zipfile.ZIP_DEFLATED)
            if vendor == "sqlite":
                archive.write(dump, DUMP_NAMES[vendor], zipfile.ZIP_DEFLATED, compresslevel=1)
            else:
                archive.write(dump, DUMP_NAMES[vendor], zipfile.ZIP_STORED)
        raw.flush()
        _fsync(raw)


def read_manifest(path: Path) -> dict:
    """The manifest of the archive at `path`, checked to be one of ours; ArchiveError otherwise."""
    try:
        with zipfile.ZipFile(path) as archive:
            try:
                info = archive.getinfo(MANIFEST)
            except KeyError:
                raise ArchiveError(
                    _("%(path)s ist keine Knotenpunkt-Sicherung: Das Archiv enthält kein manifest.json.")
                    % {"path": path}
                ) from None
            if info.file_size > MANIFEST_MAX_BYTES:
                raise ArchiveError(_("%(path)s ist keine Knotenpunkt-Sicherung.") % {"path": path})
            text = archive.read(MANIFEST)
    except FileNotFoundError:
        raise ArchiveError(_("%(path)s gibt es nicht.") % {"path": path}) from None
    except (*DAMAGE, OSError) as exc:
        raise ArchiveError(
            _("%(path)s ist kein vollständiges Sicherungsarchiv (beschädigt, abgeschnitten oder kein ZIP): %(error)s")
            % {"path": path, "error": exc}
        ) from exc
    try:
        manifest = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ArchiveError(_("%(path)s: manifest.json ist beschädigt.") % {"path": path}) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise ArchiveError(
            _("%(path)s ist keine Knotenpunkt-Sicherung (Format %(format)r statt %(expected)r).")
            % {"path": path, "format": found, "expected": FORMAT}
        )
    if manifest.get("version") != VERSION:
        raise ArchiveError(
            _("%(path)s hat die Formatversion %(version)r; diese Programmversion liest nur Version %(expected)s.")
            % {"path": path, "version": manifest.get("version"), "expected": VERSION}
        )
    try:
        vendor = manifest["database"]["vendor"]
        dump = manifest["dump"]
        if dump["name"] != DUMP_NAMES[vendor] or not isinstance(dump["sha256"], str):
            raise ValueError(dump)
        for table in manifest["tables"].values():
            if not (isinstance(table["rows"], int) and isinstance(table["sha256"], str)):
                raise ValueError(table)
            if not all(isinstance(column, str) for column in table["columns"]):
                raise ValueError(table)
        if datetime.datetime.fromisoformat(manifest["created_at"]).tzinfo is None:
            raise ValueError(manifest["created_at"])
        if not all(isinstance(name, str) for name in manifest["migrations"]):
            raise ValueError(manifest["migrations"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ArchiveError(_("%(path)s: manifest.json ist unvollständig.") % {"path": path}) from exc
    return manifest


def extract_dump(path: Path, manifest: dict, target: Path) -> None:
    """Copy the archive's dump to the file `target`, checking its size and sha256 against the manifest."""
    dump = manifest["dump"]
    digest = hashlib.sha256()
    size = 0
    try:
        with zipfile.ZipFile(path) as archive, archive.open(dump["name"]) as source, open(target, "wb") as out:
            while block := source.read(READ_BYTES):
                digest.update(block)
                size += len(block)
                out.write(block)
            out.flush()
            _fsync(out)
    except DAMAGE as exc:
        raise ArchiveError(
            _("%(path)s ist beschädigt: Die Datenbanksicherung darin ist nicht lesbar (%(error)s).")
            % {"path": path, "error": exc}
        ) from exc
    if digest.hexdigest() != dump["sha256"] or size != dump.get("bytes", size):
        raise ArchiveError(
            _("%(path)s ist beschädigt: Die Prüfsumme (sha256) der Datenbanksicherung stimmt nicht.") % {"path": path}
        )


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while block := file.read(READ_BYTES):
            digest.update(block)
    return digest.hexdigest()


def _fsync(file) -> None:
    os.fsync(file.fileno())
