from django.urls import path

from core.caching import public_page

from . import views

app_name = "programs"

urlpatterns = [
    path(
        "instrumentos/<slug:slug>/",
        public_page(views.InstrumentDetailView.as_view()),
        name="instrument",
    ),
    path(
        "instituciones/<slug:slug>/",
        public_page(views.InstitutionDetailView.as_view()),
        name="institution",
    ),
    path("glosario/", public_page(views.glossary), name="glossary"),
]
