import re
from decimal import Decimal
from typing import Any

from rest_framework import serializers

from .models import MAX_STOCK, SKU_REGEX, Order, OrderItem, Product


class ProductSerializer(serializers.ModelSerializer):
    # A duplicate SKU is a 409 already_exists (see ProductViewSet), not a field error, so
    # the field is declared without the model's unique validator.
    sku = serializers.RegexField(SKU_REGEX, max_length=32)
    # Bounded on every database (SQLite stores larger, PostgreSQL refuses them).
    stock = serializers.IntegerField(min_value=0, max_value=MAX_STOCK, required=False)
    # A negative price would pay customers for ordering.
    price = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0"))

    class Meta:
        model = Product
        fields = ["sku", "name", "price", "stock", "version"]
        read_only_fields = ["version"]


class ProductSkuField(serializers.SlugRelatedField):
    """A product by its SKU. A value that cannot be a SKU (a NUL byte, which PostgreSQL
    refuses with a DataError) is refused before it reaches the database."""

    def to_internal_value(self, data: Any) -> Product:
        if not isinstance(data, str) or not re.fullmatch(SKU_REGEX, data):
            self.fail("invalid")
        product: Product = super().to_internal_value(data)
        return product


class OrderItemSerializer(serializers.ModelSerializer):
    sku = ProductSkuField(slug_field="sku", source="product", queryset=Product.objects.all())
    quantity = serializers.IntegerField(min_value=1, max_value=1000)

    class Meta:
        model = OrderItem
        fields = ["sku", "quantity", "unit_price"]
        read_only_fields = ["unit_price"]


class OrderSerializer(serializers.ModelSerializer):
    # DRF 3.14+ takes min_length and max_length for many=True; the stubs do not know yet.
    items = OrderItemSerializer(many=True, allow_empty=False, min_length=1, max_length=50)  # type: ignore[call-arg]

    class Meta:
        model = Order
        fields = ["id", "items", "total", "created_at"]
        read_only_fields = ["total", "created_at"]


class BatchResultSerializer(serializers.Serializer):
    results = serializers.ListField(child=serializers.DictField())
    succeeded = serializers.IntegerField()
    failed = serializers.IntegerField()


class ShippingQuoteSerializer(serializers.Serializer):
    postcode = serializers.CharField()
    price = serializers.DecimalField(max_digits=10, decimal_places=2)
    carrier = serializers.CharField()
