from django.urls import path

from . import views

app_name = "programs"

urlpatterns = [
    path("instrumentos/<slug:slug>/", views.InstrumentDetailView.as_view(), name="instrument"),
    path("instituciones/<slug:slug>/", views.InstitutionDetailView.as_view(), name="institution"),
    path("grupos/<slug:slug>/", views.TargetGroupDetailView.as_view(), name="target_group"),
]
