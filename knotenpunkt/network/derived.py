"""Derived relationships: actors who meet at the same activities (see issue 3).

Placeholder interface; the implementation follows in this change.
"""


def refresh_pairs(actor_ids: set[int]) -> None:
    """Recompute the derived relationships between these actors (all pairs among them)."""
    return None
