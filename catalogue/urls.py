from django.urls import path

from core.caching import public_page

from . import export, views
from .feeds import knowledge_base_feed
from .filters import PARAMETERS

app_name = "catalogue"
# A list page's address with `formato` is its download (catalogue/export.py): the page
# cache keeps the format in its key.
catalogue_page = public_page(params=(*PARAMETERS, export.PARAMETER))
paginated = public_page(params=("pagina", export.PARAMETER))

urlpatterns = [
    path("novedades.atom", public_page(knowledge_base_feed), name="feed"),
    path("", public_page(views.home), name="home"),
    path("areas/<slug:slug>/", paginated(views.ThematicAreaDetailView.as_view()), name="area"),
    path("instrumentos/", catalogue_page(views.catalogue), name="catalogue"),
    path("grupos/", public_page(views.target_group_list), name="target_group_list"),
    path("grupos/<slug:slug>/", catalogue_page(views.target_group_detail), name="target_group"),
    path("instituciones/", paginated(views.institution_list), name="institution_list"),
    path("cronologia/", catalogue_page(views.timeline), name="timeline"),
]
