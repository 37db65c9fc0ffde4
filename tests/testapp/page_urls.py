from django.urls import path

from . import views

# Outside PATH_PREFIXES: Django's own HTML pages are kept here.
urlpatterns = [
    path("raise/<str:name>/", views.raise_sync),
]
