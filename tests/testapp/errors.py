"""Autodiscovered by django_apierrors at startup (tests check that it was)."""

from django_apierrors import AlreadyExists


class EmailTaken(AlreadyExists):
    """The email address belongs to another account."""

    code = "email_taken"
    message = "This email address is already registered."
