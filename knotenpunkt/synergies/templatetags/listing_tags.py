"""Offers and needs on the pages of lower apps (the actor profile): the template asks synergies,
so the actors app does not import it."""

from django import template

from knotenpunkt.synergies import listings

register = template.Library()


@register.simple_tag(takes_context=True)
def profile_listings(context, actor) -> dict:
    """The actor's listings as `listings.profile_listings` gives them to the reader of the page."""
    request = context.get("request")
    return listings.profile_listings(user=getattr(request, "user", None), actor=actor)
