from django.urls import path

from . import views

app_name = "programs"

urlpatterns = [
    path("instrumentos/<slug:slug>/", views.InstrumentDetailView.as_view(), name="instrument"),
    path("grupos/", views.target_group_list, name="target_group_list"),
    path("grupos/<slug:slug>/", views.target_group_detail, name="target_group"),
    path("instituciones/", views.InstitutionListView.as_view(), name="institution_list"),
    path("instituciones/<slug:slug>/", views.InstitutionDetailView.as_view(), name="institution"),
    path("glosario/", views.glossary, name="glossary"),
    path("cronologia/", views.timeline, name="timeline"),
]
