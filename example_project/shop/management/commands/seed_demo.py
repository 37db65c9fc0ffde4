import os
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from shop.models import Account, Product

PRODUCTS = [
    ("MUG-1", "Coffee mug", "9.50", 40),
    ("TEE-M", "T-shirt, medium", "19.00", 12),
    ("CAP-1", "Baseball cap", "15.00", 0),
]


class Command(BaseCommand):
    help = "Creates demo products, a customer (demo/demo) and a staff user (admin/admin)."

    def handle(self, *args: Any, **options: Any) -> None:
        for sku, name, price, stock in PRODUCTS:
            Product.objects.get_or_create(
                sku=sku, defaults={"name": name, "price": Decimal(price), "stock": stock}
            )
        users = get_user_model().objects
        if not users.filter(username="demo").exists():
            demo = users.create_user("demo", password="demo")
            Account.objects.create(user=demo, balance=Decimal("50.00"))
        if not users.filter(username="admin").exists():
            users.create_user("admin", password="admin", is_staff=True)
        base = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"  # make run's PORT
        self.stdout.write(
            "Demo data ready: the customer demo/demo (50.00 on the account) and the staff "
            "user admin/admin. Try:\n"
            f"  curl -i {base}/api/products/NOPE/\n"
            "  curl -i -u demo:demo -H 'Content-Type: application/json' "
            '-d \'{"items": [{"sku": "MUG-1", "quantity": 0}]}\' '
            f"{base}/api/orders/\n"
        )
