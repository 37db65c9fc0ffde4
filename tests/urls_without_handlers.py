from django.urls import path

from tests.testapp import views

urlpatterns = [path("api/test/ok/", views.ok)]
