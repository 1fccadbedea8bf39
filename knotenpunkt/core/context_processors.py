from knotenpunkt.accounts import permissions


def roles(request):
    """Role flags for templates (navigation only; views check on their own)."""
    user = getattr(request, "user", None)
    return {
        "is_coordinator": permissions.is_coordinator(user),
        "is_internal_reader": permissions.is_internal_reader(user),
        "can_use_admin": permissions.can_use_admin(user),
    }
