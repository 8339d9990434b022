from django.urls import path

from programs.caching import public_page

from . import views

app_name = "practices"

urlpatterns = [
    path("", public_page(views.home), name="home"),
    path("instrumentos/", public_page(views.catalogue), name="catalogue"),
    path("areas/<slug:slug>/", public_page(views.ThematicAreaDetailView.as_view()), name="area"),
    path(
        "practicas/<slug:slug>/",
        public_page(views.PracticeDetailView.as_view()),
        name="practice",
    ),
]
