"""iCal in views (placeholder until the importer lands in this change)."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


source_list = source_refresh = source_delete = _todo
