from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api, views

router = SimpleRouter()
router.register("products", api.ProductViewSet)
router.register("orders", api.OrderViewSet, basename="order")

urlpatterns = [
    path("catalog/import/", views.import_products),
    path("catalog/search/", views.search_products),
    path("catalog/batch/", views.batch_products),
    path("catalog/<slug:sku>/", views.product_detail),
    path("stock/<slug:sku>/", views.stock_level),
    path("shipping/quote/", api.ShippingQuoteView.as_view()),
    *router.urls,
]
