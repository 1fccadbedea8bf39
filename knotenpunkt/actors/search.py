"""German-aware actor search (placeholder until the backends land)."""


def index_actors(actor_ids):
    return None


def remove_actors(actor_ids):
    return None


def search_actors(queryset, query):
    return queryset.filter(name__icontains=query)
