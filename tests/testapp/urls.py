from django.urls import path
from rest_framework.routers import SimpleRouter

from . import bare, limited, returning, views

router = SimpleRouter()
router.register("drf/tutorial/line-set", returning.LineViewSet, basename="line")

urlpatterns = [
    path("bare/empty-400/", bare.empty_400),
    path("bare/html-403/", bare.html_403),
    path("bare/html-404/", bare.html_404),
    path("bare/text-400/", bare.text_400),
    path("bare/only-get/", bare.OnlyGet.as_view()),
    path("bare/condition/", bare.django_condition),
    path("bare/etag/", bare.django_etag),
    path("bare/last-modified/", bare.django_last_modified),
    path("bare/read-post/", bare.read_post),
    path("preconditions/", bare.ours),
    path("preconditions/async/", bare.ours_async),
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
    path("database-goes-away/", views.database_goes_away),
    path("broken-template/", views.broken_template),
    path("queue-batch/", views.queue_batch),
    path("slow-write/", views.slow_write),
    path("crashing-batch/", views.crashing_batch),
    path("write-then-fail/", views.write_then_fail),
    path("drf/write-then-fail/", views.write_then_fail_drf),
    path("drf/tutorial/cart/", returning.tutorial_cart),
    path("drf/raising/cart/", returning.raising_cart),
    path("drf/tutorial/lines/", returning.TutorialLines.as_view()),
    path("drf/returns/<str:name>/", returning.returns),
    path("drf/ok/", returning.returns_success),
    *router.urls,
]
