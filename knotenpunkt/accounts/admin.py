from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from knotenpunkt.accounts.models import User
from knotenpunkt.core.admin_site import CoordinatorAdmin


@admin.register(User)
class UserAdmin(CoordinatorAdmin, DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Rolle in Knotenpunkt"), {"fields": ("role", "department", "edited_actors")}),
    )
    list_display = ["username", "first_name", "last_name", "role", "department", "is_active"]
    list_filter = ["role", "is_active"]
    autocomplete_fields = ["department", "edited_actors"]


# Roles live on the user (accounts.permissions); Django's groups and per-model permissions are not used.
admin.site.unregister(Group)
