"""The product's URLs, plus the floor `make bench` compares every page with: a view that
does nothing, through the same server and middleware."""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as product_urlpatterns


def floor(request):
    return HttpResponse("ok")


urlpatterns = [path("bench/floor/", floor, name="floor"), *product_urlpatterns]
