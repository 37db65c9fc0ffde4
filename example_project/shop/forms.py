from django import forms
from django.core.validators import RegexValidator

from .models import MAX_STOCK


class ProductForm(forms.Form):
    # Uniqueness of the SKU is left to the database: under concurrency only the
    # constraint is reliable, and its IntegrityError answers 409 conflict.
    sku = forms.CharField(
        max_length=32, validators=[RegexValidator(r"^[A-Z0-9-]+$", code="invalid_sku")]
    )
    name = forms.CharField(max_length=200)
    price = forms.DecimalField(max_digits=10, decimal_places=2, min_value=0)
    stock = forms.IntegerField(min_value=0, max_value=MAX_STOCK, required=False)
