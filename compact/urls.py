from django.urls import path

from core.caching import public_page

from . import views

app_name = "compact"

urlpatterns = [
    path("pacto/", public_page(views.objective_list), name="objective_list"),
    path(
        "pacto/objetivo/<int:number>/",
        public_page(views.objective_detail),
        name="objective",
    ),
    path("pacto/matriz/", public_page(views.objective_matrix), name="matrix"),
]
