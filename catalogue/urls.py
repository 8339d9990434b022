from django.urls import path

from core.caching import public_page

from . import views

app_name = "catalogue"

urlpatterns = [
    path("instrumentos/", public_page(views.catalogue), name="catalogue"),
    path("grupos/<slug:slug>/", public_page(views.target_group_detail), name="target_group"),
    path("cronologia/", public_page(views.timeline), name="timeline"),
]
