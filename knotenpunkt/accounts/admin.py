from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from knotenpunkt.accounts import services
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
    # Set by Django's login and by user_create; not edited by hand.
    readonly_fields = ["last_login", "date_joined"]

    def has_delete_permission(self, request, obj=None):
        # An account is deactivated, not deleted: deleting it would take its follow-ups with it
        # (unrecorded) and leave its history without a name. "Aktiv" off locks it out.
        return False

    def save_model(self, request, obj, form, change):
        # Through the services, so every change of a role or right is recorded (USER_ROLE_CHANGED).
        # Django's forms keep the password: the creation form has hashed it onto `obj` already,
        # the change form only shows it.
        data = {name: form.cleaned_data[name] for name in services.RECORDED_FIELDS if name in form.cleaned_data}
        if change:
            saved = services.user_update(user=request.user, target=obj, data=data)
        else:
            saved = services.user_create(user=request.user, target=obj, data=data)
        obj.pk = saved.pk

    def save_related(self, request, form, formsets, change):
        # The service has set the many-to-many fields (edited actors …); there are no inlines.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


# Roles live on the user (accounts.roles); Django's groups and per-model permissions are not used.
admin.site.unregister(Group)


# Two-factor devices are set up and switched off by their owners (Mein Konto) and reset by IT
# (`manage.py two_factor_reset`), each recorded: django-otp's own admin would change them unrecorded
# and show their secrets.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)
