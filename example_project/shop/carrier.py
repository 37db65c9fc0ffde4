"""Client of the carrier's quote API (SHIPPING_API_URL): its failures become 502/504."""

import json
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from django_apierrors import BadGateway, GatewayTimeout, ServiceUnavailable


def fetch_quote(postcode: str) -> dict[str, Any]:
    base_url = settings.SHIPPING_API_URL
    if not base_url:
        # An operator's mistake, not the client's: a 500, logged with its traceback.
        raise ImproperlyConfigured("SHIPPING_API_URL is not set.")
    url = f"{base_url.rstrip('/')}/quote?{urllib.parse.urlencode({'postcode': postcode})}"
    try:
        with urllib.request.urlopen(url, timeout=settings.SHIPPING_API_TIMEOUT) as response:
            data = json.load(response)
        price = Decimal(str(data["price"]))
    except TimeoutError as exc:
        raise GatewayTimeout("The carrier did not answer in time.") from exc
    except urllib.error.HTTPError as exc:
        if exc.code == 503:
            # The carrier says it is briefly down: so are quotes, for as long as it says.
            raise ServiceUnavailable(
                "The carrier is temporarily unavailable.",
                retry_after=_seconds(exc.headers.get("Retry-After")),
            ) from exc
        raise BadGateway("The carrier answered with an error.") from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise GatewayTimeout("The carrier did not answer in time.") from exc
        raise BadGateway("The carrier cannot be reached.") from exc
    except (ValueError, KeyError, TypeError, InvalidOperation, RecursionError) as exc:
        raise BadGateway("The carrier's answer could not be read.") from exc
    return {"postcode": postcode, "price": str(price), "carrier": str(data.get("carrier", ""))}


def _seconds(retry_after: str | None) -> int | None:
    """A Retry-After in whole seconds (HTTP dates are not worth honouring from a carrier)."""
    if retry_after and retry_after.strip().isdigit():
        return min(int(retry_after), 3600)
    return None
