"""Calendar views (placeholder until the calendar UI lands in this change)."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


calendar = activity_create = activity_detail = activity_edit = activity_cancel = exception_save = _todo
