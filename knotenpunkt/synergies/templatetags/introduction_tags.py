"""What the introduction button of a suggestion shows the reader (templates/synergies/_introduction_button.html)."""

from django import template

from knotenpunkt.accounts import roles
from knotenpunkt.actors import permissions as actor_permissions
from knotenpunkt.synergies import introductions, permissions

register = template.Library()


@register.simple_tag(takes_context=True)
def introduction_state(context, actor, partner) -> dict:
    """{"introduction", "can_propose", "can_request"} for the pair and the current user.

    A page listing many suggestions passes `introductions_by_pair` (see
    introductions.introductions_by_pair) so the button costs no query per row.
    """
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    by_pair = context.get("introductions_by_pair")
    key = introductions.ordered_pair(actor, partner)
    introduction = by_pair.get(key) if by_pair is not None else introductions.introduction_for_pair(*key)
    # The same rule as permissions.visible_introductions, without a query per row.
    visible = roles.is_internal_reader(user) or (
        actor_permissions.can_view_internal(user, actor) or actor_permissions.can_view_internal(user, partner)
    )
    manager = permissions.can_manage_introductions(user)
    return {
        "introduction": introduction if visible else None,
        "can_propose": introduction is None and manager,
        "can_request": introduction is None and not manager and permissions.can_request_introduction(user, actor),
    }
