"""Rates read from settings when a request comes, so deployments (and tests) can set them."""

from django.conf import settings
from django.http import HttpRequest


def search(group: str, request: HttpRequest) -> str:
    return str(settings.SEARCH_RATE)


def search_burst(group: str, request: HttpRequest) -> str:
    return str(settings.SEARCH_BURST_RATE)


def stock(group: str, request: HttpRequest) -> str:
    return str(settings.STOCK_RATE)


def catalog_read(group: str, request: HttpRequest) -> str:
    return str(settings.CATALOG_READ_RATE)
