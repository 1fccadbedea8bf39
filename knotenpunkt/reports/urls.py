from django.urls import path

from knotenpunkt.reports import views

app_name = "reports"

urlpatterns = [
    path("berichte/jahresbericht/", views.annual, name="annual"),
    path("berichte/jahresbericht.pdf", views.annual_pdf, name="annual_pdf"),
    path("berichte/jahresbericht.xlsx", views.annual_xlsx, name="annual_xlsx"),
    path("berichte/jahresbericht/<slug:table>.csv", views.annual_csv, name="annual_csv"),
    path("vorhaben/<int:pk>/bericht/", views.initiative_report, name="initiative"),
]
