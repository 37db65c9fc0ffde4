"""The retry policy for `httpx`: transports that wrap the real one.

    client = httpx.Client(transport=RetryTransport())
    response = raise_for_error(client.get(url))

    async with httpx.AsyncClient(transport=AsyncRetryTransport()) as client: ...

The last response is returned when the policy says stop, so `raise_for_error` raises the
typed error it stands for.
"""

from __future__ import annotations

import httpx

from .policy import RetryPolicy


class RetryTransport(httpx.BaseTransport):
    def __init__(
        self, transport: httpx.BaseTransport | None = None, policy: RetryPolicy | None = None
    ) -> None:
        self.transport = transport or httpx.HTTPTransport()
        self.policy = policy or RetryPolicy()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = self.policy.clock()
        retries_done = 0
        while True:
            response = self.transport.handle_request(request)
            wait = _wait(self.policy, request, response, retries_done, started)
            if wait is None:
                return response
            response.close()
            self.policy.sleep(wait)
            retries_done += 1

    def close(self) -> None:
        self.transport.close()


class AsyncRetryTransport(httpx.AsyncBaseTransport):
    def __init__(
        self,
        transport: httpx.AsyncBaseTransport | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.transport = transport or httpx.AsyncHTTPTransport()
        self.policy = policy or RetryPolicy()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        started = self.policy.clock()
        retries_done = 0
        while True:
            response = await self.transport.handle_async_request(request)
            wait = _wait(self.policy, request, response, retries_done, started)
            if wait is None:
                return response
            await response.aclose()
            await self.policy.async_sleep(wait)
            retries_done += 1

    async def aclose(self) -> None:
        await self.transport.aclose()


def _wait(
    policy: RetryPolicy,
    request: httpx.Request,
    response: httpx.Response,
    retries_done: int,
    started: float,
) -> float | None:
    return policy.wait_before_retry(
        method=request.method,
        status=response.status_code,
        request_headers=request.headers,
        response_headers=response.headers,
        retries_done=retries_done,
        elapsed=policy.clock() - started,
    )
