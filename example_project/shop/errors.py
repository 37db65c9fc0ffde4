"""The shop's own error codes; django-apierrors autodiscovers this module at startup."""

from django.utils.translation import gettext_lazy as _

from django_apierrors import PaymentRequired, UnprocessableEntity


class OutOfStock(UnprocessableEntity):
    """An ordered quantity exceeds the product's stock; `param` names the item."""

    code = "out_of_stock"
    message = _("Not enough stock for this item.")
    # What the errors page shows (api.py raises it so for the first order line).
    example = {"param": "items[0].quantity", "meta": {"available": 2}}


class InsufficientBalance(PaymentRequired):
    """The order total exceeds the account's prepaid balance; top the account up."""

    code = "insufficient_balance"
    message = _("The account balance does not cover this order.")
