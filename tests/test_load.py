"""The limit holds across processes: gunicorn with 4 workers sharing Redis, loaded from 32
connections at once; and Redis failing in the middle of the load."""

import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter

import pytest
from django_ratelimit.core import _get_window

from .contract import assert_contract
from .servers import EXAMPLE, WireResponse, example_server, fetch, fire, redis_server, wait_until

pytestmark = pytest.mark.load

LIMIT = 40
WINDOW = 600  # "40/10m"
SEARCH = "/api/catalog/search/?q=mug"


def limits_env(redis_url: str, **extra: str) -> dict[str, str]:
    return {
        "REDIS_URL": redis_url,
        "RATELIMIT_CACHE_PREFIX": f"rl-load-{uuid.uuid4().hex}:",
        "SEARCH_RATE": f"{LIMIT}/10m",
        "SEARCH_BURST_RATE": "100000/s",
        **extra,
    }


def example_cache_backend(env: dict[str, str]) -> str:
    """The cache backend the example project's settings choose under `env`."""
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "from example_project import settings as s; print(s.CACHES['default']['BACKEND'])",
        ],
        env={**os.environ, **env, "PYTHONPATH": str(EXAMPLE)},
        capture_output=True,
        text=True,
        check=True,
    )
    return shown.stdout.strip()


def fresh_window(margin: float = 12) -> int:
    """The end of the current window for 127.0.0.1, after waiting out one about to end."""
    window_end = _get_window("127.0.0.1", WINDOW)
    if window_end - time.time() < margin:
        time.sleep(window_end - time.time() + 1)
        window_end = _get_window("127.0.0.1", WINDOW)
    return window_end


@pytest.mark.skipif(
    not os.environ.get("REDIS_URL"),
    reason="set REDIS_URL=redis://127.0.0.1:6379/0 to run the load test",
)
def test_exactly_the_limit_succeeds_across_four_processes(tmp_path):
    env = limits_env(os.environ["REDIS_URL"])
    # The counters are counted by django_apierrors.cache.RedisCache: SET NX, then its
    # one-script incr (EVALSHA), from four processes at once.
    assert example_cache_backend(env) == "django_apierrors.cache.RedisCache"
    with example_server(tmp_path, env) as base_url:
        window_end = fresh_window()
        responses = fire(base_url + SEARCH, count=5 * LIMIT, concurrency=32)
        assert time.time() < window_end, "the load must fit in one window"

    statuses = Counter(response.status_code for response in responses)
    assert statuses == {200: LIMIT, 429: 4 * LIMIT}
    successes = [r for r in responses if r.status_code == 200]
    # Every count from the limit down to zero was handed out exactly once.
    assert sorted(int(r["X-RateLimit-Remaining"]) for r in successes) == list(range(LIMIT))
    # The window counts its last second, window_end: the next one begins a second later.
    reset = window_end + 1
    for response in responses:
        assert response["X-RateLimit-Limit"] == str(LIMIT)
        assert response["X-RateLimit-Reset"] == str(reset)
        assert response["X-Request-ID"]
    for response in (r for r in responses if r.status_code == 429):
        body = assert_contract(response, 429, "rate_limited")
        assert response["X-RateLimit-Remaining"] == "0"
        retry_after = int(response["Retry-After"])
        assert 1 <= retry_after <= WINDOW
        assert body["meta"]["retry_after"] == retry_after
        assert body["meta"]["reset"] == reset


def load_while(url: str, stop: threading.Event, results: list, threads: int = 8) -> list:
    """Requests from `threads` connections until `stop` is set (at most 60 s)."""
    deadline = time.monotonic() + 60

    def worker() -> None:
        while not stop.is_set() and time.monotonic() < deadline:
            results.append((time.monotonic(), fetch(url, timeout=5)))
            time.sleep(0.005)

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in workers:
        thread.start()
    return workers


@pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server on PATH")
@pytest.mark.parametrize("fail_open", [False, True], ids=["fail-closed", "fail-open"])
def test_redis_dies_mid_load_and_comes_back(tmp_path, fail_open):
    env_extra = {"RATELIMIT_FAIL_OPEN": "1"} if fail_open else {}
    with redis_server() as (redis_url, redis_process):
        port = int(redis_url.rsplit(":", 1)[1].split("/")[0])
        server = example_server(tmp_path, limits_env(redis_url, **env_extra))
        base_url = server.__enter__()
        try:
            fresh_window()
            stop = threading.Event()
            results: list[tuple[float, WireResponse]] = []
            workers = load_while(base_url + SEARCH, stop, results)
            time.sleep(1.0)
            redis_process.terminate()  # Redis goes away in the middle of the load
            redis_process.wait(10)
            killed_at = time.monotonic()
            time.sleep(1.5)
            stop.set()
            for thread in workers:
                thread.join()

            statuses = Counter(response.status_code for _, response in results)
            assert not any(status >= 500 and status != 503 for status in statuses), statuses
            after = [response for at, response in results if at > killed_at + 0.6]
            assert after, "no request was answered while Redis was down"
            if fail_open:
                assert {r.status_code for r in after} == {200}
                assert all("X-RateLimit-Limit" not in r for r in after)
                log = (tmp_path / "gunicorn.log").read_text()
                warnings = log.count("Rate limiting is off")
                assert 1 <= warnings <= 4, log  # once per interval, per worker process
            else:
                assert {r.status_code for r in after} == {503}
                for response in after[:20]:
                    assert_contract(response, 503, "service_unavailable")
                    assert response["Retry-After"] == "5"

            # Redis comes back on the same port: limiting resumes with no restart.
            with redis_server(port):
                wait_until(
                    lambda: "X-RateLimit-Limit" in fetch(base_url + SEARCH),
                    10,
                    "limiting did not resume",
                )
                responses = fire(base_url + SEARCH, count=LIMIT + 10, concurrency=8)
                statuses = Counter(response.status_code for response in responses)
                assert statuses[429] >= 10 and set(statuses) <= {200, 429}, statuses
        finally:
            server.__exit__(None, None, None)
