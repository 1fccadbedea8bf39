"""Synergies: the offers board, partner suggestions with the free-text question, introductions."""

from django.urls import path

from knotenpunkt.synergies.views import introductions, listings, suggestions

app_name = "synergies"

urlpatterns = [
    # Offers and needs (views/listings.py)
    path("angebote/", listings.board, name="board"),
    path("angebote/<int:pk>/", listings.listing_detail, name="listing_detail"),
    path("angebote/<int:pk>/bearbeiten/", listings.listing_edit, name="listing_edit"),
    path("angebote/<int:pk>/beenden/", listings.listing_end, name="listing_end"),
    path("akteure/<slug:slug>/angebote/neu/", listings.listing_create, name="listing_create"),
    # Partner suggestions and the question (views/suggestions.py)
    path("synergien/", suggestions.overview, name="overview"),
    path("synergien/frage/", suggestions.question, name="question"),
    path("akteure/<slug:slug>/vorschlaege/", suggestions.actor_suggestions, name="actor_suggestions"),
    path("akteure/<slug:slug>/vorschlaege/verzicht/", suggestions.opt_out, name="opt_out"),
    # Introductions (views/introductions.py)
    path("vermittlungen/", introductions.dashboard, name="introductions"),
    path("vermittlungen/neu/", introductions.introduction_create, name="introduction_create"),
    path("vermittlungen/<int:pk>/", introductions.introduction_detail, name="introduction_detail"),
    path("vermittlungen/<int:pk>/stand/", introductions.introduction_advance, name="introduction_advance"),
    path(
        "akteure/<slug:slug>/vorschlaege/<slug:partner>/anfragen/",
        introductions.introduction_request,
        name="introduction_request",
    ),
]
