"""Autodiscovered by django_apierrors at startup (tests check that it was)."""

from django.utils.translation import gettext_lazy as _

from django_apierrors import AlreadyExists


class EmailTaken(AlreadyExists):
    """The email address belongs to another account."""

    code = "email_taken"
    message = _("This email address is already registered.")
