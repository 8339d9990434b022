from django.urls import path

from . import views

app_name = "practices"

urlpatterns = [
    path("", views.home, name="home"),
    path("instrumentos/", views.catalogue, name="catalogue"),
    path("areas/<slug:slug>/", views.ThematicAreaDetailView.as_view(), name="area"),
    path("practicas/<slug:slug>/", views.PracticeDetailView.as_view(), name="practice"),
]
