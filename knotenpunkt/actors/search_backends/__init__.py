"""Database-specific halves of knotenpunkt.actors.search, one module per `connection.vendor`.

Each module provides write_documents(), remove(), clear(), rebuilt(), words_starting_with(prefix)
and search(queryset, terms), where `terms` is a list of (folded query word, [vocabulary words one
typo away]).
"""
