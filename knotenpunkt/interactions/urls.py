from django.urls import path

from knotenpunkt.interactions import views

app_name = "interactions"

urlpatterns = [
    path("schreibtisch/", views.dashboard, name="dashboard"),
    path("kontakte/", views.interaction_list, name="list"),
    path("kontakte/neu/", views.interaction_create, name="create"),
    path("kontakte/auswahl/<str:kind>/", views.pick, name="pick"),
    path("kontakte/<int:pk>/", views.interaction_detail, name="detail"),
    path("kontakte/<int:pk>/bearbeiten/", views.interaction_edit, name="edit"),
    path("kontakte/<int:pk>/loeschen/", views.interaction_delete, name="delete"),
    path("kontakte/<int:pk>/wiedervorlagen/", views.followup_add, name="followup_add"),
    path("wiedervorlagen/neu/", views.followup_new, name="followup_new"),
    path("wiedervorlagen/<int:pk>/erledigt/", views.followup_complete, name="followup_complete"),
    path("wiedervorlagen/<int:pk>/wieder-offen/", views.followup_reopen, name="followup_reopen"),
    path("wiedervorlagen/<int:pk>/loeschen/", views.followup_delete, name="followup_delete"),
]
