# Django finds commands here; the command lives with the errors page it writes.
from django_apierrors.errors_page.command import Command

__all__ = ["Command"]
