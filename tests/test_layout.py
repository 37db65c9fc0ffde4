"""The house's layout: the core road imports no optional package, each framework has one
room, imports between floors point down, and the core works with DRF and Ninja absent."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import django_apierrors

PACKAGE = Path(django_apierrors.__file__).parent
OPTIONAL = ("rest_framework", "ninja", "drf_spectacular", "django_ratelimit")
#: The rooms of the integrations: the only modules that may import an optional package.
ROOMS = ("drf", "ninja", "ratelimit")
#: What the floors hold (modules not named here: entry points, the top floor).
GROUND = {"catalog", "conf", "field_errors", "exceptions", "private_apis"}
ROAD = {
    "translate",
    "render",
    "handling",
    "request_id",
    "headers",
    "log",
    "rate_limit_headers",
    "openapi",
    "cache",
    "unreadable",
}


def modules() -> dict[str, Path]:
    """Dotted names below the package ("drf.handler", "render") -> files."""
    found = {}
    for file in sorted(PACKAGE.rglob("*.py")):
        parts = file.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = file
    return found


def imports(module: str, file: Path, *, module_level: bool) -> set[str]:
    """Absolute names `module` imports (relative imports resolved), at any depth or at the
    module level only."""
    tree = ast.parse(file.read_text())
    package = ["django_apierrors", *module.split(".")]
    if file.name != "__init__.py":
        package = package[:-1]
    nodes = tree.body if module_level else list(ast.walk(tree))
    names = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            names.add(target)
            names |= {f"{target}.{alias.name}" for alias in node.names}
    return names


def room_of(module: str) -> str | None:
    first = module.split(".")[0]
    return first if first in ROOMS else None


def ours(name: str) -> str | None:
    """ "django_apierrors.drf.handler" -> "drf.handler"; None for others' modules."""
    if name == "django_apierrors" or not name.startswith("django_apierrors."):
        return None
    return name.removeprefix("django_apierrors.")


CORE = [name for name in modules() if name and room_of(name) is None and name != "client"]


def test_the_package_carries_its_data_files():
    """What the wheel must ship beside the modules (make test-compat runs this suite
    against the installed wheel)."""
    for name in (
        "py.typed",
        "errors_page/errors.html",
        "errors_page/schema.json",
        "locale/de/LC_MESSAGES/django.mo",
        "locale/zh_Hans/LC_MESSAGES/django.mo",
    ):
        assert (PACKAGE / name).is_file(), name


def test_the_suite_runs_against_the_wheel_when_asked():
    wheel = os.environ.get("APIERRORS_TEST_WHEEL")
    if not wheel:
        pytest.skip("make test-compat runs the suite against the built wheel")
    assert "site-packages" in PACKAGE.parts, PACKAGE


def test_the_walk_sees_the_package():
    assert {"render", "translate", "drf.handler", "ninja", "errors_page.page"} <= set(modules())
    assert "drf.handler" not in CORE and "ninja.openapi" not in CORE and "render" in CORE


@pytest.mark.parametrize("module", CORE)
def test_no_core_module_imports_an_optional_package(module):
    names = imports(module, modules()[module], module_level=False)
    offending = sorted(n for n in names if n.split(".")[0] in OPTIONAL)
    assert offending == [], f"{module} imports {offending}"


@pytest.mark.parametrize("module", CORE)
def test_no_core_module_imports_a_room_when_it_is_imported(module):
    # translate hands DRF's and Ninja's exceptions to their rooms, imported on first use
    # (the framework is loaded then): a function-level import, never a module-level one.
    names = imports(module, modules()[module], module_level=True)
    rooms = sorted(n for n in names if (ours(n) or "").split(".")[0] in ROOMS)
    assert rooms == [], f"{module} imports {rooms} when it is imported"


@pytest.mark.parametrize("module", sorted(GROUND | ROAD))
def test_imports_point_down(module):
    allowed = GROUND if module in GROUND else GROUND | ROAD
    names = {ours(n) for n in imports(module, modules()[module], module_level=True)}
    ups = sorted(n for n in names if n and n.split(".")[0] in modules() and n not in allowed)
    ups = [n for n in ups if n.split(".")[0] not in allowed]
    assert ups == [], f"{module} imports {ups} from a higher floor"


@pytest.mark.parametrize("room", ROOMS)
def test_rooms_do_not_import_each_other_but_the_rate_limiter(room):
    for module in (name for name in modules() if room_of(name) == room):
        names = imports(module, modules()[module], module_level=True)
        others = {name for name in map(ours, names) if name is not None}
        neighbours = sorted(n for n in others if room_of(n) not in (None, room))
        # DRF's RatelimitThrottle is built on the rate limiter: DRF -> ratelimit only.
        assert neighbours in ([], ["ratelimit"], ["ratelimit", "ratelimit.ALL"]) or (
            module == "drf.throttling"
        ), (module, neighbours)


def test_the_client_imports_nothing_from_django():
    for module, file in modules().items():
        if module.startswith("client"):
            names = imports(module, file, module_level=False)
            assert not [n for n in names if n.split(".")[0] == "django"], module


def test_modules_do_not_shadow_the_standard_library():
    shadowing = sorted(name for name in modules() if name.split(".")[-1] in sys.stdlib_module_names)
    assert shadowing == [], shadowing


PROGRAM = textwrap.dedent(
    """
    import json, importlib, sys
    if {absent!r}:
        # Absent: an import of any of these raises ImportError, as without the package.
        for name in {optional!r}:
            sys.modules[name] = None
    import django
    from django.conf import settings
    from django.http import Http404
    from django.urls import path

    import django_apierrors

    def missing(request):
        raise Http404("No such thing")

    def crash(request):
        raise RuntimeError("boom")

    def invalid(request):
        raise django_apierrors.ValidationFailed(errors={{"email": ["Enter a valid email."]}})

    urlpatterns = [path("missing/", missing), path("crash/", crash), path("invalid/", invalid)]
    settings.configure(
        DEBUG=False, SECRET_KEY="x", ALLOWED_HOSTS=["*"], ROOT_URLCONF=__name__,
        INSTALLED_APPS=["django_apierrors"],
        MIDDLEWARE=["django_apierrors.middleware.APIErrorsMiddleware"],
        LOGGING_CONFIG=None,
    )
    django.setup()
    for module in {core!r}:
        importlib.import_module("django_apierrors." + module)
    from django.core.management import call_command
    from django.test import Client
    from django_apierrors.testing import assert_api_error

    call_command("check")
    client = Client(raise_request_exception=False)
    assert_api_error(client.get("/missing/"), 404, "not_found")
    assert_api_error(client.get("/crash/"), 500, "internal_error")
    assert_api_error(client.get("/invalid/"), 400, "validation_failed", param="email")
    assert_api_error(client.get("/nowhere/"), 404, "not_found")
    print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {optional!r}
                            and sys.modules[m] is not None)))
    """
)


@pytest.mark.parametrize("absent", [True, False], ids=["absent", "installed but unused"])
def test_the_core_imports_and_answers_without_drf_and_ninja(absent):
    """With the optional packages absent, and installed but not configured: the core runs,
    and imports none of them."""
    program = PROGRAM.format(optional=OPTIONAL, core=CORE, absent=absent)
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == []
