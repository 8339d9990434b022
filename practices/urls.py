from django.urls import path

from core.caching import public_page

from . import views

app_name = "practices"

urlpatterns = [
    path(
        "practicas/<slug:slug>/",
        public_page(views.PracticeDetailView.as_view()),
        name="practice",
    ),
]
