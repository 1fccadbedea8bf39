"""Countries for forms and filters: the ones in use first, all names in the interface language.

django-countries' German names are corrected in settings.COUNTRIES_OVERRIDE (Grenada, Kiribati, Mosambik …).
"""

from __future__ import annotations

import functools

from django.db import connection
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from knotenpunkt.actors.models import Actor, ActorCountry


@functools.lru_cache(maxsize=8)
def all_countries(language: str) -> tuple[tuple[str, str], ...]:
    """ISO 3166 countries as (code, name) sorted by their name in `language` (translating and sorting is slow)."""
    return tuple((code, str(name)) for code, name in countries)


def in_order(codes) -> list[tuple[str, str]]:
    """(code, name) of `codes` in the alphabetical order of the current language; unknown codes are left out."""
    wanted = {str(code).upper() for code in codes}
    return [(code, name) for code, name in all_countries(get_language()) if code in wanted]


def actor_countries_in_use() -> list[str]:
    """The codes of the countries at least one published actor works in or with (public knowledge: an
    unpublished actor's country is not offered in any list, not even to the office).

    Read as a skip scan along the index actorcountry_country: one step per country in use, instead of
    reading every row for a DISTINCT (12 ms on every directory page at 64,000 rows; both databases
    know recursive queries).
    """
    table = connection.ops.quote_name(ActorCountry._meta.db_table)
    actors = connection.ops.quote_name(Actor._meta.db_table)
    step = (
        f"SELECT c.country FROM {table} c JOIN {actors} a ON a.id = c.actor_id"  # noqa: S608 - model tables
        f" WHERE c.country > used.country AND a.published ORDER BY c.country LIMIT 1"
    )
    first = f"SELECT c.country FROM {table} c JOIN {actors} a ON a.id = c.actor_id WHERE a.published"  # noqa: S608
    sql = (
        f"WITH RECURSIVE used(country) AS ("  # noqa: S608 - model tables, no input
        f" SELECT * FROM ({first} ORDER BY c.country LIMIT 1) AS start"
        f" UNION ALL SELECT ({step}) FROM used WHERE used.country IS NOT NULL"
        f") SELECT country FROM used WHERE country IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [row[0] for row in cursor.fetchall()]


def grouped_choices(in_use) -> list:
    """Choices for a country select: the countries in use in Knotenpunkt, then all others."""
    used = {str(code).upper() for code in in_use}
    everything = all_countries(get_language())
    return [
        (_("In Knotenpunkt verwendet"), [(code, name) for code, name in everything if code in used]),
        (_("Weitere Länder"), [(code, name) for code, name in everything if code not in used]),
    ]
