from django.urls import path

from core.caching import public_page

from . import views
from .filters import PARAMETERS

app_name = "catalogue"
catalogue_page = public_page(params=PARAMETERS)
paginated = public_page(params=("pagina",))

urlpatterns = [
    path("", public_page(views.home), name="home"),
    path("areas/", public_page(views.area_list), name="area_list"),
    path("areas/<slug:slug>/", paginated(views.ThematicAreaDetailView.as_view()), name="area"),
    path("instrumentos/", catalogue_page(views.catalogue), name="catalogue"),
    path("grupos/", public_page(views.target_group_list), name="target_group_list"),
    path("grupos/<slug:slug>/", catalogue_page(views.target_group_detail), name="target_group"),
    path("instituciones/", paginated(views.institution_list), name="institution_list"),
    path("cronologia/", catalogue_page(views.timeline), name="timeline"),
]
