"""Compile the gettext catalogues (.po → .mo) without GNU gettext.

`manage.py compilemessages` needs the msgfmt binary, which a fresh machine
with only Python lacks; polib does the same in pure Python.
"""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Übersetzungskataloge (.po) zu .mo kompilieren."

    def handle(self, *args, **options):
        count = 0
        for locale_dir in settings.LOCALE_PATHS:
            for po_path in Path(locale_dir).glob("*/LC_MESSAGES/*.po"):
                mo_path = po_path.with_suffix(".mo")
                if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
                count += 1
        if options["verbosity"] > 1:
            self.stdout.write(f"{count} Katalog(e) kompiliert.")
