from django.db import models


class ContentGeneration(models.Model):
    """A counter raised in the same transaction as every change to public content.

    Cached public pages carry the generation in their cache key, so a change
    (an actor unpublished, a tie removed) is visible to the next visitor on every
    worker at once: the counter lives in the database, not in one process.
    """

    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="contentgeneration_single_row")]

    def __str__(self):
        return f"generation {self.value}"
