from django.urls import path

from . import views
from .caching import public_page

app_name = "programs"

urlpatterns = [
    path(
        "instrumentos/<slug:slug>/",
        public_page(views.InstrumentDetailView.as_view()),
        name="instrument",
    ),
    path("grupos/", public_page(views.target_group_list), name="target_group_list"),
    path("grupos/<slug:slug>/", public_page(views.target_group_detail), name="target_group"),
    path("instituciones/", public_page(views.institution_list), name="institution_list"),
    path(
        "instituciones/<slug:slug>/",
        public_page(views.InstitutionDetailView.as_view()),
        name="institution",
    ),
    path("glosario/", public_page(views.glossary), name="glossary"),
    path("cronologia/", public_page(views.timeline), name="timeline"),
]
