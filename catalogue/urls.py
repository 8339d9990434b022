from django.contrib.sitemaps import views as sitemaps
from django.urls import path

from core.caching import public_page

from . import export, views
from .feeds import knowledge_base_feed
from .filters import PARAMETERS
from .sitemaps import SITEMAPS

app_name = "catalogue"
# A list page's address with `formato` is its download (catalogue/export.py): the page
# cache keeps the format in its key.
catalogue_page = public_page(params=(*PARAMETERS, export.PARAMETER))
paginated = public_page(params=("pagina", export.PARAMETER))

urlpatterns = [
    path("novedades.atom", public_page(knowledge_base_feed), name="feed"),
    path("datos/datapackage.json", public_page(views.data_package), name="datapackage"),
    path("datos/<slug:name>.csv", public_page(views.data_resource), name="data_resource"),
    path("robots.txt", public_page(views.robots), name="robots"),
    path(
        "sitemap.xml",
        public_page(sitemaps.index),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "catalogue:sitemap"},
        name="sitemap_index",
    ),
    path(
        "sitemap-<section>.xml",
        public_page(sitemaps.sitemap, params=("p",)),
        {"sitemaps": SITEMAPS},
        name="sitemap",
    ),
    path("", public_page(views.home), name="home"),
    path("areas/", public_page(views.area_list), name="area_list"),
    path("areas/<slug:slug>/", paginated(views.ThematicAreaDetailView.as_view()), name="area"),
    path("instrumentos/", catalogue_page(views.catalogue), name="catalogue"),
    path("grupos/", public_page(views.target_group_list), name="target_group_list"),
    path("grupos/<slug:slug>/", catalogue_page(views.target_group_detail), name="target_group"),
    path("instituciones/", paginated(views.institution_list), name="institution_list"),
    path("cronologia/", catalogue_page(views.timeline), name="timeline"),
    path("acerca/", public_page(views.about), name="about"),
    path("acerca/fuentes/<slug:slug>.txt", public_page(views.source_text), name="source_text"),
]
