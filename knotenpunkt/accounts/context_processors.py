from knotenpunkt.accounts import roles


def role_flags(request):
    """Role flags for templates (navigation only; views check on their own)."""
    user = getattr(request, "user", None)
    return {
        "is_coordinator": roles.is_coordinator(user),
        "is_internal_reader": roles.is_internal_reader(user),
        "can_use_admin": roles.can_use_admin(user),
    }
