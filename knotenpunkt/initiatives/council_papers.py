"""Linking an initiative to its council paper (OParl) and keeping what the council system says current.

The paper is read before any transaction opens (a slow council system never holds a row lock); then
one transaction stores it and records the change. A nightly refresh reads every linked paper again:
what changed is stored and recorded, a failure is noted on the paper and keeps the last good values.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from knotenpunkt.changes import values
from knotenpunkt.changes.kinds import ChangeKind
from knotenpunkt.changes.services import atomic, record
from knotenpunkt.initiatives import oparl, permissions
from knotenpunkt.initiatives.models import CouncilPaper, Initiative

logger = logging.getLogger(__name__)
FIELDS = ("url", "name", "reference", "date", "status", "web")


def link(*, user, initiative: Initiative, url: str) -> CouncilPaper:
    """Read the paper at `url` and link it (replacing an earlier link). ValidationError (German) if
    the address is not an OParl paper or does not answer; then nothing is stored."""
    permissions.check_can_manage(user)
    if not (url or "").strip():
        raise ValidationError({"url": _("Bitte die OParl-Adresse der Drucksache angeben.")})
    try:
        paper = oparl.fetch_paper(url)
    except oparl.OParlError as exc:
        raise ValidationError({"url": str(exc)}) from exc
    return _store(user, initiative, paper)


@atomic
def _store(user, initiative: Initiative, paper: oparl.Paper) -> CouncilPaper:
    Initiative.objects.select_for_update().get(pk=initiative.pk)
    current = CouncilPaper.objects.filter(initiative=initiative).first()
    before = values.snapshot(current, FIELDS) if current else None
    current = current or CouncilPaper(initiative=initiative)
    _apply(current, paper)
    current.fetched_at, current.error = timezone.now(), ""
    if before is not None and not values.diff(before, values.snapshot(current, FIELDS)):
        current.save(update_fields=["fetched_at", "error"])
        return current  # the same paper again (a repeated submit): nothing new to record
    if before is not None:
        current.version += 1
    current.full_clean()
    current.save()
    record(
        user=user,
        kind=ChangeKind.COUNCIL_PAPER_LINKED,
        record=initiative,
        values=paper.as_values(),
        extra={"replaced": before["url"] if before and before["url"] != current.url else None},
        public=initiative.public,
    )
    return current


def _apply(current: CouncilPaper, paper: oparl.Paper) -> None:
    current.url, current.name, current.reference = paper.url, paper.name, paper.reference
    current.date, current.status, current.web = paper.date, paper.status, paper.web


@atomic
def unlink(*, user, initiative: Initiative) -> None:
    permissions.check_can_manage(user)
    current = CouncilPaper.objects.select_for_update().filter(initiative=initiative).first()
    if current is None:
        return  # unlinked already (a repeated click)
    snapshot = values.snapshot(current, FIELDS)
    current.delete()
    record(
        user=user, kind=ChangeKind.COUNCIL_PAPER_UNLINKED, record=initiative, values=snapshot,
        public=initiative.public,
    )  # fmt: skip


def refresh(paper: CouncilPaper) -> str:
    """Read a linked paper again (the nightly task): "changed", "unchanged" or "failed"."""
    try:
        fresh = oparl.fetch_paper(paper.url)
    except oparl.OParlError as exc:
        CouncilPaper.objects.filter(pk=paper.pk).update(error=str(exc)[:300])
        return "failed"
    return _refreshed(paper.pk, fresh)


@atomic
def _refreshed(pk: int, fresh: oparl.Paper) -> str:
    current = CouncilPaper.objects.select_for_update().select_related("initiative").filter(pk=pk).first()
    if current is None:
        return "unchanged"  # unlinked meanwhile
    before = values.snapshot(current, FIELDS)
    _apply(current, fresh)
    current.url = before["url"]  # the address the office linked stays the key
    after = values.snapshot(current, FIELDS)
    current.fetched_at, current.error = timezone.now(), ""
    fields = values.diff(before, after)
    if not fields:
        current.save(update_fields=["fetched_at", "error"])
        return "unchanged"
    current.version += 1
    current.save()
    record(
        user=None,
        kind=ChangeKind.COUNCIL_PAPER_UPDATED,
        record=current.initiative,
        fields=fields,
        public=current.initiative.public,
    )
    return "changed"


def refresh_all() -> dict:
    """Every linked paper; one that fails in an unexpected way is noted on that paper and logged, and
    the others are still read."""
    counts = {"changed": 0, "unchanged": 0, "failed": 0}
    for paper in CouncilPaper.objects.order_by("pk").iterator():
        try:
            counts[refresh(paper)] += 1
        except Exception:
            logger.exception("Council paper %s could not be refreshed", paper.pk)
            CouncilPaper.objects.filter(pk=paper.pk).update(
                error=_("Die Antwort des Ratsinformationssystems ließ sich nicht lesen.")
            )
            counts["failed"] += 1
    return counts
