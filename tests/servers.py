"""Real servers on 127.0.0.1 for the load and fault tests: the example project under
gunicorn with several worker processes, and a redis-server of the test's own."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "example_project"


def port_open(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=0.2):
        return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class WireResponse:
    """A response as read off the wire, shaped for django_apierrors.testing."""

    status_code: int
    headers: dict[str, str]
    content: bytes
    streaming: bool = field(default=False)

    def get(self, name: str, default: Any = None) -> Any:
        return self.headers.get(name.lower(), default)

    def __getitem__(self, name: str) -> str:
        return self.headers[name.lower()]

    def __contains__(self, name: str) -> bool:
        return name.lower() in self.headers

    def json(self) -> Any:
        return json.loads(self.content)


def fetch(url: str, timeout: float = 10) -> WireResponse:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            status, headers, content = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, headers, content = error.code, error.headers, error.read()
    return WireResponse(status, {k.lower(): v for k, v in headers.items()}, content)


def fire(url: str, count: int, concurrency: int = 32) -> list[WireResponse]:
    """`count` GETs from `concurrency` connections at once; bounded, ends by itself."""
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return list(pool.map(lambda _: fetch(url), range(count)))


def wait_until(predicate: Any, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(message)


@contextmanager
def redis_server(port: int | None = None) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A redis-server of our own on its own port, stopped afterwards."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is not installed"
    port = port or free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: port_open(port), 10, f"redis-server did not start on port {port}")
        yield f"redis://127.0.0.1:{port}/0", process
    finally:
        process.terminate()
        process.wait(10)


def example_env(database: Path) -> dict[str, str]:
    """The environment the example project runs in here, on the SQLite file `database`."""
    return {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "DJANGO_SETTINGS_MODULE": "example_project.settings",
        "DJANGO_DEBUG": "0",
        "DATABASE_URL": f"sqlite:///{database}",
        "PYTHONPATH": str(EXAMPLE),
    }


#: The example's database, migrated (and seeded), built once per test process and copied
#: for each server: `migrate` and `seed_demo` (two password hashes) take seconds each time.
_migrated: dict[bool, Path] = {}


def migrated_database(seed: bool) -> Path:
    """A SQLite file of the example project, migrated, with the demo data if `seed`."""
    if seed not in _migrated:
        folder = Path(tempfile.mkdtemp(prefix="apierrors-example-db-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        database = folder / "db.sqlite3"
        env = example_env(database)
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=ROOT)
        if seed:
            subprocess.run(
                [*manage, "seed_demo"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL
            )
        _migrated[seed] = database
    return _migrated[seed]


@contextmanager
def example_server(
    tmp_path: Path,
    env: dict[str, str],
    workers: int = 4,
    seed: bool = False,
    asgi: bool = False,
) -> Iterator[str]:
    """The example project under gunicorn (`workers` processes), or with `asgi` under
    uvicorn (one process), on a free local port, on a fresh copy of a migrated SQLite
    database (with the demo data if `seed`). Yields the base URL; the log is
    tmp_path/gunicorn.log (or uvicorn.log)."""
    port = free_port()
    database = tmp_path / "db.sqlite3"
    full_env = {
        **example_env(database),
        **env,
    }
    shutil.copyfile(migrated_database(seed), database)
    if asgi:
        server = "uvicorn"
        command = ["uvicorn", "example_project.asgi:application", "--port", str(port)]
        command += ["--host", "127.0.0.1", "--log-level", "warning"]
    else:
        server = "gunicorn"
        command = ["gunicorn", "example_project.wsgi:application", "--workers", str(workers)]
        command += ["--bind", f"127.0.0.1:{port}", "--graceful-timeout", "3", "--timeout", "30"]
    log_path = tmp_path / f"{server}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", *command],
            env=full_env,
            cwd=EXAMPLE,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_until(
                # 404, or 503 for every /api/ path under MAINTENANCE_MODE: up either way.
                lambda: fetch(base_url + "/api/nowhere/", timeout=1).status_code in (404, 503),
                30,
                f"{server} did not start; see {log_path}",
            )
            yield base_url
        finally:
            process.terminate()
            process.wait(15)
