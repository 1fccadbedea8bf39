from collections.abc import Sequence

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    """A paginator that counts at most `cap` results.

    A broad search word can match tens of thousands of actors; counting them
    all costs more than the page itself. Past the cap the page says "more than
    <cap>" and offers the first `cap` results (settings.DIRECTORY_SEARCH_COUNT_CAP).
    """

    def __init__(self, object_list, per_page, *, cap, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap
        self.capped = False

    @cached_property
    def count(self):
        if isinstance(self.object_list, QuerySet):
            found = self.object_list.order_by()[: self.cap + 1].count()
        else:
            found = len(self.object_list)
        self.capped = found > self.cap
        return min(found, self.cap)


class OrderedIds(Sequence):
    """A result whose order was computed once, as a list of ids; a page loads only its own rows.

    For a paginator: `len()` is the number of ids, a slice is the rows of those ids from
    `queryset`, in the order of the ids (ids whose row `queryset` no longer holds are left out).
    """

    def __init__(self, ids: list, queryset: QuerySet):
        self.ids, self.queryset = ids, queryset

    def __len__(self):
        return len(self.ids)

    def count(self, value=None):
        return len(self.ids) if value is None else self.ids.count(value)

    def __getitem__(self, k):
        if not isinstance(k, slice):
            return self[k : k + 1 or None][0]
        wanted = self.ids[k]
        rows = {row.pk: row for row in self.queryset.filter(pk__in=wanted)}
        return [rows[pk] for pk in wanted if pk in rows]
