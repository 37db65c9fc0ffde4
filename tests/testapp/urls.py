from django.urls import path

from . import views

urlpatterns = [
    path("raise/<str:name>/", views.raise_sync),
    path("araise/<str:name>/", views.raise_async),
    path("drf/raise/<str:name>/", views.raise_drf),
    path("drf/cart/", views.cart),
    path("drf/lines/", views.lines),
    path("bare-not-found/", views.bare_not_found),
    path("json-not-found/", views.json_not_found),
    path("ok/", views.ok),
    path("write-then-fail/", views.write_then_fail),
    path("drf/write-then-fail/", views.write_then_fail_drf),
]
