"""Background tasks of the synergies app (Django tasks API; run by `manage.py db_worker`)."""

from django_tasks import task

from knotenpunkt.synergies import emails, suggestions


@task()
def send_introduction_mails() -> dict:
    """Send queued introduction mails and retry failed ones (each mail at most once)."""
    return emails.send_introduction_mails()


@task()
def compute_suggestions() -> dict:
    """Nightly: every actor's partner suggestions, in full."""
    run = suggestions.compute_all()
    return {"actors": run.actor_count, "suggestions": run.suggestion_count, "seconds": run.duration_seconds}


@task()
def refresh_suggestions(actor_ids: list[int]) -> dict:
    """After an actor, a tie or a listing changed: fresh suggestions for the actors concerned
    (enqueued by the reaction to their changes, knotenpunkt/reactions.py)."""
    run = suggestions.compute_for(actor_ids)
    return {"actors": run.actor_count, "suggestions": run.suggestion_count, "seconds": run.duration_seconds}
