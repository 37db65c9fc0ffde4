from decimal import Decimal

from django.conf import settings
from django.db import models

#: What a SKU may be: safe in a URL path segment and in every database.
SKU_REGEX = r"^[A-Za-z0-9_-]{1,32}$"
#: The largest stock every database stores in a PositiveIntegerField (PostgreSQL: 2**31 - 1).
MAX_STOCK = 2**31 - 1


class Product(models.Model):
    sku = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    stock = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["sku"]

    def __str__(self) -> str:
        return self.sku

    @property
    def etag(self) -> str:
        return f'"{self.sku}-v{self.version}"'


class Account(models.Model):
    """A customer's prepaid balance; orders are paid from it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account"
    )
    balance = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))

    def __str__(self) -> str:
        return f"{self.user} ({self.balance})"


class Order(models.Model):
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders"
    )
    total = models.DecimalField(max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"order {self.pk}"


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    # PROTECT: a product that was ever ordered cannot be deleted (DELETE answers 409).
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="order_items")
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product}"
