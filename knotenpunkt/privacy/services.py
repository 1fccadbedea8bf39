"""The office's data-protection settings, changed in the back office and recorded like any change.

Retention rules decide what the nightly check proposes for deletion, consent texts what a person's
consent refers to: the data-protection officer must be able to see who changed them and when.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from knotenpunkt.accounts import roles
from knotenpunkt.changes import values
from knotenpunkt.changes.kinds import Audience, ChangeKind
from knotenpunkt.changes.services import atomic, record
from knotenpunkt.privacy.models import ConsentText, RetentionRule

RULE_FIELDS = ("kind", "months", "active", "note")
CONSENT_TEXT_FIELDS = ("version", "valid_from", "text")


@atomic
def retention_rule_save(*, user, rule: RetentionRule) -> RetentionRule:
    """Create or change a retention rule (`rule` carries the new values)."""
    return _save(user=user, instance=rule, names=RULE_FIELDS, kind=ChangeKind.RETENTION_RULE_SAVED)


@atomic
def consent_text_save(*, user, text: ConsentText) -> ConsentText:
    """Create or change a consent text (`text` carries the new values)."""
    return _save(user=user, instance=text, names=CONSENT_TEXT_FIELDS, kind=ChangeKind.CONSENT_TEXT_SAVED)


def _save(*, user, instance, names, kind):
    if user is not None and not roles.can_manage_personal_data(user):
        raise PermissionDenied
    model = type(instance)
    before = values.snapshot(model.objects.select_for_update().get(pk=instance.pk), names) if instance.pk else None
    instance.full_clean()
    instance.save()
    after = values.snapshot(instance, names)
    if before is None:
        record(user=user, kind=kind, record=instance, values=after, audience=Audience.COORDINATION)
    elif fields := values.diff(before, after):
        record(user=user, kind=kind, record=instance, fields=fields, audience=Audience.COORDINATION)
    return instance
