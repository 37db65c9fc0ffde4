"""A DRF throttle on django-ratelimit's counters, so DRF views answer like @ratelimit ones.

class SearchBurst(RatelimitThrottle):
    rate = "10/s"
    key = "user_or_ip"

class SearchView(APIView):
    throttle_classes = [SearchBurst, SearchSustained]
"""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from ..rate_limit_headers import RateLimitUsage
from ..ratelimit import ALL, measure_rate_limit


class RatelimitThrottle(BaseThrottle):
    """Set `rate` (and `key`, `group`, `method` as django-ratelimit takes them) on a subclass.

    Without a `group`, each throttle class counts separately per view class. HEAD counts as
    GET, and a failing cache follows RATELIMIT_FAIL_OPEN, as for `@ratelimit`.
    """

    rate: Any = None
    key: Any = "user_or_ip"
    group: str | None = None
    method: Any = ALL

    usage: RateLimitUsage | None = None

    def allow_request(self, request: Request, view: APIView) -> bool:
        group = self.group or (
            f"{type(view).__module__}.{type(view).__qualname__}:{type(self).__qualname__}"
        )
        self.usage = measure_rate_limit(
            request, group=group, key=self.key, rate=self.rate, method=self.method
        )
        return self.usage is None or not self.usage.exceeded

    def wait(self) -> float | None:
        # Whole seconds, rounded up from the moment the window ends (DRF rounds up again).
        return None if self.usage is None else float(self.usage.retry_after)
