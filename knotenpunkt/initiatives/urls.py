from django.urls import path

from knotenpunkt.initiatives.views import pages, papers, requests, stakeholders

app_name = "initiatives"

urlpatterns = [
    path("vorhaben/", pages.initiative_list, name="list"),
    path("vorhabenliste/", pages.public_list, name="public_list"),
    path("vorhaben/neu/", pages.initiative_create, name="create"),
    path("vorhaben/<int:pk>/", pages.initiative_detail, name="detail"),
    path("vorhaben/<int:pk>/bearbeiten/", pages.initiative_edit, name="edit"),
    path("vorhaben/<int:pk>/loeschen/", pages.initiative_delete, name="delete"),
    # The stakeholder section (views/stakeholders.py)
    path("vorhaben/<int:pk>/vorschlaege/", stakeholders.proposal_list, name="proposals"),
    path("vorhaben/<int:pk>/beteiligte/", stakeholders.stakeholder_add, name="stakeholder_add"),
    path("vorhaben/beteiligte/<int:pk>/", stakeholders.stakeholder_update, name="stakeholder_update"),
    path("vorhaben/beteiligte/<int:pk>/verschieben/", stakeholders.stakeholder_move, name="stakeholder_move"),
    path("vorhaben/beteiligte/<int:pk>/entfernen/", stakeholders.stakeholder_remove, name="stakeholder_remove"),
    path("vorhaben/<int:pk>/verknuepfen/", stakeholders.link_create, name="link"),
    path("vorhaben/<int:pk>/kontakt/", stakeholders.contact_create, name="contact"),
    # The council paper through OParl (views/papers.py)
    path("vorhaben/<int:pk>/drucksache/", papers.paper_link, name="paper_link"),
    path("vorhaben/<int:pk>/drucksache/loesen/", papers.paper_unlink, name="paper_unlink"),
    path("vorhaben/<int:pk>/drucksache/suche/", papers.paper_search, name="paper_search"),
    # „Wir möchten mitwirken" (views/requests.py)
    path("vorhaben/<int:pk>/mitwirken/", requests.request_create, name="request"),
    path("vorhaben/anfragen/<int:pk>/", requests.request_answer, name="request_answer"),
]
