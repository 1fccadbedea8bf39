"""Connection counts for lists of actors (directory cards), by the one definition: selectors.direct_tie_counts."""

from django import template

from knotenpunkt.network import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def count_direct_ties(context, actors):
    """Set `direct_ties` on each actor of a page, in one grouped query for the whole page; renders nothing."""
    actors = list(actors)
    counts = selectors.direct_tie_counts(user=context["request"].user, actor_ids=[a.pk for a in actors])
    for actor in actors:
        actor.direct_ties = counts.get(actor.pk, 0)
    return ""
