"""Every curl command of docs/example-project.md, sent as written with the real curl binary to
the example project under gunicorn (DEBUG off, the demo data of `make run`): each answers
the status and the body `code` of the `# <status> <code>` comment above it.

How the page's ```sh blocks are read (blocks without a status comment are left alone):

- `# <status> <code>` (or `# <status>` followed by a colon or a parenthesis) names what the
  `curl -i` commands after it answer, up to the next blank line or status comment;
- other commands (a `for` loop, a `curl` without `-i`) set the stage and are run as written;
- `# (server started with NAME=value ... make run)` starts a part of its own: the commands
  after it, up to the next such line, go to a fresh server started with that environment;
- lines indented under `#` (`#   python3 ...`) are commands for another terminal, started
  before that server: stubs of the carrier, on port 8009 (rewritten to a free port).

Each part runs in document order on a fresh server (stock, balances and limits carry from
one command to the next), with only the base URL http://127.0.0.1:8000 rewritten.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from django_apierrors.catalog import catalog

from .servers import example_server, free_port, port_open, wait_until

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "example-project.md"
DOC_BASE_URL = "http://127.0.0.1:8000"
#: The port the page's carrier stubs listen on; each test gives them a free one instead.
STUB_PORT = "8009"

SH_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)
FENCED = re.compile(r"^```.*?^```", re.S | re.M)
HEADING = re.compile(r"^#{1,6} (.+)$", re.M)
STATUS_COMMENT = re.compile(r"^# (\d{3})(?: ([a-z][a-z0-9_]*))?(?=$|[:( ])")
SERVER_LINE = re.compile(r"^# \(server started with ((?:[A-Z][A-Z0-9_]*=\S+ )+)")
TERMINAL_PREFIX = "#   "
#: The example's environment variables: the servers get only those the page names.
EXAMPLE_VARIABLES = (
    "DJANGO_DEBUG",
    "REDIS_URL",
    "REDIS_SOCKET_TIMEOUT",
    "SEARCH_RATE",
    "SEARCH_BURST_RATE",
    "STOCK_RATE",
    "CATALOG_READ_RATE",
    "ORDERS_RATE",
    "API_ERRORS_ENVELOPE",
    "API_ERRORS_DOCS_URL",
    "RATELIMIT_FAIL_OPEN",
    "RATELIMIT_HEADER_STYLES",
    "RATELIMIT_CACHE_PREFIX",
    "SHIPPING_API_URL",
    "SHIPPING_API_TIMEOUT",
    "MAINTENANCE_MODE",
)
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY")
COMMAND_TIMEOUT = 30


@dataclass
class Step:
    line: int
    command: str
    #: The `# <status> <code>` row the command belongs to (None: before any).
    row: int | None
    status: int | None
    code: str | None
    checked: bool  # a `curl -i` whose answer is compared


@dataclass
class Part:
    """Commands for one server: `make run` as it ships, or started with `env`."""

    name: str
    line: int
    env: dict[str, str] = field(default_factory=dict)
    stubs: list[str] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)


def complete(command: str) -> bool:
    if command.rstrip().endswith("\\"):
        return False
    try:
        shlex.split(command, comments=True)
    except ValueError:  # a quote still open
        return False
    return True


def slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def parse_block(text: str, first_line: int, section: str) -> list[Part]:
    parts: list[Part] = []
    part: Part | None = None
    stubs: list[str] = []
    terminal: list[str] = []  # a command for another terminal, still being read
    statement: list[str] = []
    statement_line = 0
    row: int | None = None
    expected: tuple[int, str | None] | None = None

    def where(number: int) -> str:
        return f"{DOC.name}:{number}"

    for number, line in enumerate(text.splitlines(), first_line):
        if statement:
            statement.append(line)
        elif terminal and line.startswith(TERMINAL_PREFIX):
            terminal.append(line[len(TERMINAL_PREFIX) :])
        elif terminal:
            raise AssertionError(f"{where(number)}: a terminal command without its end")
        elif line.startswith(TERMINAL_PREFIX):
            terminal.append(line[len(TERMINAL_PREFIX) :])
        elif not line.strip():
            row, expected = None, None
            continue
        elif server := SERVER_LINE.match(line):
            env = dict(item.split("=", 1) for item in server.group(1).split())
            summary = "+".join(env)
            part = Part(f"{section}-L{number}-{summary}", number, env, stubs)
            parts.append(part)
            stubs, expected = [], None
            continue
        elif comment := STATUS_COMMENT.match(line):
            row = number
            expected = (int(comment.group(1)), comment.group(2))
            continue
        elif line.startswith("#"):
            continue
        else:
            statement, statement_line = [line], number
        if terminal:
            if complete("\n".join(terminal)):
                stubs.append("\n".join(terminal))
                terminal = []
            continue
        command = "\n".join(statement)
        if not complete(command):
            continue
        statement = []
        words = shlex.split(command, comments=True)
        if words[0] not in ("curl", "for"):
            raise AssertionError(f"{where(statement_line)}: neither curl nor a for loop")
        checked = words[0] == "curl" and "-i" in words
        if checked and expected is None:
            raise AssertionError(f"{where(statement_line)}: curl -i without a status comment")
        if part is None:
            part = Part(f"{section}-L{statement_line}", statement_line)
            parts.append(part)
        status, code = expected or (None, None)
        part.steps.append(Step(statement_line, command, row, status, code, checked))
    assert not statement and not terminal, f"{where(first_line)}: the block ends mid-command"
    assert not stubs, f"{where(first_line)}: a stub without a (server started with ...) line"
    return parts


def parse_doc(text: str) -> list[Part]:
    parts = []
    for block in SH_BLOCK.finditer(text):
        if not any(STATUS_COMMENT.match(line) for line in block.group(1).splitlines()):
            continue  # `make run` and the like: not requests
        first_line = text.count("\n", 0, block.start(1)) + 1
        headings = HEADING.findall(FENCED.sub("", text[: block.start()]))
        parts += parse_block(block.group(1), first_line, slug(headings[-1]))
    return parts


DOC_TEXT = DOC.read_text()
PARTS = parse_doc(DOC_TEXT)


# The page as the test reads it.


def test_the_page_has_its_commands():
    checked = [step for part in PARTS for step in part.steps if step.checked]
    assert len(checked) >= 50, len(checked)
    assert any(part.env for part in PARTS), "no command for another server environment"
    for part in PARTS:
        assert any(step.checked for step in part.steps), f"{part.name}: nothing is checked"
        assert len(part.stubs) <= 1, f"{part.name}: one carrier stub at most"
        for name in part.env:
            assert name in EXAMPLE_VARIABLES, f"{part.name}: {name} is no variable of the example"


def test_every_status_comment_names_a_code_of_the_catalog():
    codes = {entry.code for entry in catalog}
    for part in PARTS:
        for step in part.steps:
            assert step.code is None or step.code in codes, f"line {step.line}: {step.code}"


def test_every_row_of_the_status_table_has_a_curl_command():
    """The rows of "What it is" (402, "502 / 504", ...) each have a checked command between
    the table and the next section."""
    start = DOC_TEXT.index("| status | request |")
    end = DOC_TEXT.index("\n## ", start)
    table_end = DOC_TEXT.index("\n\n", start)
    rows = re.findall(r"^\| ([\d /]+) \|", DOC_TEXT[start:table_end], re.M)
    statuses = {int(status) for row in rows for status in row.split("/")}
    first, last = DOC_TEXT.count("\n", 0, start), DOC_TEXT.count("\n", 0, end)
    shown = {
        step.status
        for part in PARTS
        for step in part.steps
        if step.checked and first < step.line < last
    }
    assert statuses, "no status table found"
    assert statuses <= shown, f"no curl command for {sorted(statuses - shown)}"


# The commands, against the example under gunicorn.


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


def read_curl_output(raw: bytes) -> Answer:
    """What `curl -i` printed: the final response (1xx ones skipped) and its body."""
    rest = raw
    while True:
        head, separator, rest = rest.partition(b"\r\n\r\n")
        assert separator, f"no response head in curl's output: {raw[:300]!r}"
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split()[1])
        if not 100 <= status < 200:
            break
    headers = {}
    for header in header_lines:
        name, _, value = header.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Answer(status, headers, rest)


def curl_env(home: Path) -> dict[str, str]:
    """The user's environment, without a proxy or a ~/.curlrc of the machine running the
    test between curl and the server."""
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES}
    return {**env, "HOME": str(home), "CURL_HOME": str(home), "XDG_CONFIG_HOME": str(home)}


def run(command: str, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        ["bash", "-c", command], env=env, capture_output=True, timeout=COMMAND_TIMEOUT
    )


def mismatch(step: Step, result: subprocess.CompletedProcess[bytes]) -> str | None:
    """None when the command answered as its comment says, else what it answered."""
    if result.returncode != 0:
        return f"curl exited {result.returncode}: {result.stderr.decode(errors='replace')}"
    if not step.checked:
        return None
    answer = read_curl_output(result.stdout)
    try:
        body = answer.json()
    except ValueError:
        body = None
    got = (answer.status, body.get("code") if isinstance(body, dict) else None)
    wanted = (step.status, step.code if step.code is not None else got[1])
    if got != wanted:
        return f"answered {got}, not {wanted}: {answer.body[:300]!r}"
    if answer.status >= 400 and (not isinstance(body, dict) or body.get("status") != got[0]):
        return f"no error body of the contract: {answer.body[:300]!r}"
    return None


def start_of_a_second() -> None:
    """A fixed window of the limits (10/s) must not end between a loop and its check."""
    fraction = time.time() % 1
    if fraction > 0.05:
        time.sleep(1 - fraction)


def rows_of(part: Part) -> list[list[Step]]:
    rows: list[list[Step]] = []
    for step in part.steps:
        if rows and rows[-1][0].row == step.row:
            rows[-1].append(step)
        else:
            rows.append([step])
    return rows


def run_part(part: Part, base_url: str, env: dict[str, str]) -> list[str]:
    failures = []
    for row in rows_of(part):
        # Rate limits count in fixed windows: one ending mid-row gives the check a fresh
        # count. A 429 row is started on a second's start and tried twice.
        limited = row[0].status == 429
        for _ in range(2 if limited else 1):
            if limited:
                start_of_a_second()
            results = []
            for step in row:
                command = step.command.replace(DOC_BASE_URL, base_url)
                results.append((step, mismatch(step, run(command, env))))
            if all(problem is None for _, problem in results):
                break
        failures += [
            f"line {step.line} ({step.status} {step.code}): {problem}\n  {step.command}"
            for step, problem in results
            if problem is not None
        ]
    return failures


@pytest.fixture
def curl():
    binary = shutil.which("curl")
    if binary is None:
        pytest.skip("the curl binary is not installed: the page's commands need it")
    return binary


@pytest.mark.parametrize("part", PARTS, ids=[part.name for part in PARTS])
def test_curl_commands_answer_as_the_page_says(part, curl, tmp_path, monkeypatch):
    for name in EXAMPLE_VARIABLES:
        monkeypatch.delenv(name, raising=False)  # only the page's variables, as `make run`
    env = dict(part.env)
    stubs = []
    try:
        for stub in part.stubs:
            port = str(free_port())
            env = {name: value.replace(f":{STUB_PORT}", f":{port}") for name, value in env.items()}
            stubs.append(
                subprocess.Popen(
                    ["bash", "-c", "exec " + stub.replace(STUB_PORT, port)],
                    cwd=tmp_path,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            wait_until(lambda port=port: port_open(int(port)), 15, f"stub did not start: {stub}")
        home = tmp_path / "home"
        home.mkdir()
        with example_server(tmp_path, env, workers=1, seed=True) as base_url:
            failures = run_part(part, base_url, curl_env(home))
    finally:
        for process in stubs:
            process.terminate()
            process.wait(10)
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)
