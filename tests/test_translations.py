from pathlib import Path

import polib
from django.conf import settings
from django.utils import translation

PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"


def test_english_catalogue_has_no_untranslated_or_fuzzy_entries():
    catalogue = polib.pofile(str(PO))
    missing = [entry.msgid for entry in catalogue if not entry.obsolete and not entry.translated()]
    assert missing == []


def test_placeholders_survive_translation():
    for entry in polib.pofile(str(PO)):
        for placeholder in ("%s", "%d", "%(name)s", "%(dup)s", "%(actor)s"):
            if placeholder in entry.msgid:
                translated = entry.msgstr or entry.msgstr_plural.get(0, "")
                assert placeholder in translated, entry.msgid


def test_compiled_catalogue_is_used():
    with translation.override("en"):
        assert translation.gettext("Akteure") == "Actors"
        assert translation.pgettext("level", "Land") == "State"
        assert translation.gettext("Land") == "Country"
