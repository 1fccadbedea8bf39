from django.core.paginator import Paginator
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
        found = self.object_list.order_by()[: self.cap + 1].count()
        self.capped = found > self.cap
        return min(found, self.cap)
