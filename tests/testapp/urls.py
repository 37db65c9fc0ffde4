from django.urls import path

from . import limited, views

urlpatterns = [
    path("limited/two/", limited.two_limits),
    path("limited/two-exhausted/", limited.two_exhausted),
    path("limited/ip/", limited.per_ip),
    path("limited/user/", limited.per_user),
    path("limited/not-blocking/", limited.not_blocking),
    path("limited/posts/", limited.posts_only),
    path("limited/async/", limited.async_view),
    path("limited/class/", limited.ClassBased.as_view()),
    path("limited/drf-method/", limited.DRFMethodDecorated.as_view()),
    path("limited/drf-throttle/", limited.drf_throttled),
    path("limited/upstream/", limited.upstream_limited),
    path("limited/upstream-and-ours/", limited.upstream_and_ours),
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
