"""The errors reference page, generated from the catalog: Markdown, HTML or JSON.

The example bodies are rendered by the same `error_body` the server answers with, so the
page shows what clients receive; the settings that shape responses shape the page too
(ENVELOPE, VALIDATION_STATUS, DOCS_URL, REQUEST_ID_HEADER, RATELIMIT_HEADER_STYLES).
Output is deterministic: the same catalog and settings give the same bytes, so a team can
commit the page and review its diff.

An error class can give its example the arguments it is raised with, such as the input
it names::

    class OutOfStock(UnprocessableEntity):
        code = "out_of_stock"
        example = {"param": "items[0].quantity", "meta": {"available": 2}}

`example` takes the keyword arguments of `APIError`: `param`, `meta`, `errors`, `message`,
`retry_after`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.template import Context, Engine
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from ..catalog import CatalogEntry, catalog, reason_phrase
from ..conf import api_settings
from ..exceptions import APIError, class_for_code
from ..field_errors import FieldError
from ..openapi import rate_limit_header_styles
from ..render import error_body

EXAMPLE_REQUEST_ID = "req_5f2b8c1e9d"
FORMATS = ("markdown", "html", "json")

INTRODUCTION = gettext_lazy(
    "Every response with a status of 400 or more has the same JSON body. 2xx means the "
    "request succeeded. 4xx means the request is wrong: repeating it unchanged gives the "
    "same error (429 aside). 5xx means something failed on our side."
)

BODY_FIELDS = [
    (
        "message",
        "string",
        gettext_lazy("always"),
        gettext_lazy("Human-readable and safe to show; never the text of an unexpected error."),
    ),
    (
        "type",
        "string",
        gettext_lazy("always"),
        gettext_lazy("The category of the error (see the sections below)."),
    ),
    (
        "code",
        "string",
        gettext_lazy("always"),
        gettext_lazy(
            "Stable machine-readable reason, `^[a-z][a-z0-9_]*$`. Branch on this, not on `message`."
        ),
    ),
    (
        "param",
        "string or null",
        gettext_lazy("always"),
        gettext_lazy(
            "The one input at fault (`email`, `items[1].qty`, a query parameter or header "
            "name); null when none or several."
        ),
    ),
    (
        "request_id",
        "string",
        gettext_lazy("always"),
        gettext_lazy("Equals the `%(header)s` header; quote it to support."),
    ),
    ("status", "integer", gettext_lazy("always"), gettext_lazy("The HTTP status again.")),
    (
        "retryable",
        "boolean",
        gettext_lazy("always"),
        gettext_lazy("Whether repeating the same request later may succeed."),
    ),
    (
        "errors",
        "array",
        gettext_lazy("when several inputs failed"),
        gettext_lazy(
            "`{message, code, param, pointer}` per failing input, in request order; `pointer` "
            "is an RFC 6901 JSON pointer (`/items/1/qty`); batch items add `index`; where the "
            "framework says where the input came from (Django Ninja), `location`: `body`, "
            "`query`, `path`, `header`, `cookie`, `form` or `file`."
        ),
    ),
    (
        "doc_url",
        "string",
        gettext_lazy("when configured"),
        gettext_lazy("A link to the code's section of this page."),
    ),
    (
        "meta",
        "object",
        gettext_lazy("sometimes"),
        gettext_lazy("Values the message refers to, such as `limit` and `retry_after`."),
    ),
]

RETRY_POLICY = [
    gettext_lazy("Retry 429 and 5xx only; every other 4xx means the request must change first."),
    gettext_lazy(
        "Wait with exponential backoff: start at 1 second, double each attempt, add random "
        "jitter, and cap the wait near one minute."
    ),
    gettext_lazy("When the response has `Retry-After` (seconds), wait at least that long."),
    gettext_lazy(
        "Retry a POST only with an `Idempotency-Key` header, so a retry cannot act twice."
    ),
]

#: What a 429 says of when the quota refills, per RATELIMIT_HEADER_STYLES style.
REFILL_HINTS = {
    "x-ratelimit": gettext_lazy(
        "After a 429, `X-RateLimit-Reset` (Unix time, UTC) says when the quota refills."
    ),
    "ietf": gettext_lazy(
        "After a 429, the `t` of `RateLimit` (seconds) says when the quota refills."
    ),
}

#: The headers table: (header, meaning, the RATELIMIT_HEADER_STYLES style it needs).
HEADERS: list[tuple[str, Any, str | None]] = [
    ("Retry-After", gettext_lazy("Seconds to wait before retrying (429; 503 when known)."), None),
    ("X-RateLimit-Limit", gettext_lazy("Requests allowed in the current window."), "x-ratelimit"),
    ("X-RateLimit-Remaining", gettext_lazy("Requests left in the current window."), "x-ratelimit"),
    (
        "X-RateLimit-Reset",
        gettext_lazy("When the window ends, as Unix time (UTC seconds)."),
        "x-ratelimit",
    ),
    (
        "RateLimit-Policy",
        gettext_lazy('The limit: `"<policy>";q=<requests>;w=<window seconds>`.'),
        "ietf",
    ),
    (
        "RateLimit",
        gettext_lazy(
            'What is left of it: `"<policy>";r=<requests left>;t=<seconds until the window ends>`.'
        ),
        "ietf",
    ),
    ("{header}", gettext_lazy("The request id, on every response; equals `request_id`."), None),
]


def labels() -> dict[str, str]:
    """The page's headings and table labels, in the active language."""
    return {
        "body": _("The error body"),
        "retrying": _("Retrying"),
        "headers": _("Headers"),
        "field": _("field"),
        "type": _("type"),
        "when": _("when"),
        "meaning": _("meaning"),
        "header": _("header"),
        "retry_yes": _("yes, with backoff"),
        "retry_no": _("no, change the request first"),
        "retry": _("Retry"),
        "badge_retry": _("retry with backoff"),
        "badge_final": _("change the request"),
        "error_type": _("Type"),
        "retryable": _("Retryable"),
        "yes": _("yes"),
        "no": _("no"),
        "statuses": _("Status codes"),
    }


#: Keyword arguments of APIError an error class's `example` may give.
EXAMPLE_KEYS = frozenset({"message", "param", "errors", "meta", "retry_after"})

_EXAMPLE_ARGUMENTS: dict[str, dict[str, Any]] = {
    "validation_failed": {
        "errors": [FieldError.at(("email",), "Enter a valid email address.", "invalid")]
    },
    "invalid_argument": {"param": "limit"},
    "already_exists": {"param": "sku"},
    "failed_precondition": {"param": "If-Match"},
    "idempotency_key_in_use": {"param": "Idempotency-Key"},
    "idempotency_key_reused": {"param": "Idempotency-Key"},
    "rate_limited": {
        "meta": {"limit": 100, "remaining": 0, "reset": 1767225600, "retry_after": 17}
    },
}


def build_document(entries: Iterable[CatalogEntry] | None = None) -> dict[str, Any]:
    """The page as data: what every output format renders."""
    entries = list(catalog if entries is None else entries)
    header = api_settings.request_id_header
    styles = rate_limit_header_styles()
    statuses: dict[int, list[dict[str, Any]]] = {}
    for entry in entries:
        error = APIError.for_code(entry.code, **example_arguments(entry.code))
        statuses.setdefault(error.status, []).append(
            {
                "code": entry.code,
                "type": entry.type,
                "title": str(entry.title),
                "message": str(entry.message),
                "description": str(entry.description),
                "retryable": entry.retryable,
                "example": _example_body(error),
            }
        )
    return {
        "title": _("Errors"),
        "language": get_language() or "en",
        "introduction": str(INTRODUCTION),
        "body_fields": [
            {
                "name": name,
                "type": type_,
                "when": str(when),
                "meaning": str(meaning).replace("%(header)s", header),
            }
            for name, type_, when, meaning in BODY_FIELDS
        ],
        "retry_policy": [
            *(str(rule) for rule in RETRY_POLICY),
            *(str(hint) for style, hint in REFILL_HINTS.items() if style in styles),
        ],
        "headers": [
            {"name": name.replace("{header}", header), "meaning": str(meaning)}
            for name, meaning, style in HEADERS
            if style is None or style in styles
        ],
        "statuses": [
            {
                "status": status,
                "reason": reason_phrase(status),
                "retryable": status == 429 or status >= 500,
                "codes": codes,
            }
            for status, codes in sorted(statuses.items())
        ],
    }


def example_arguments(code: str) -> dict[str, Any]:
    """What the example of `code` is raised with: its class's `example`, else ours."""
    error_class = class_for_code(code)
    example = getattr(error_class, "example", None)
    if example is None:
        return dict(_EXAMPLE_ARGUMENTS.get(code, {}))
    if not isinstance(example, Mapping) or not set(example) <= EXAMPLE_KEYS:
        raise ImproperlyConfigured(
            f"{error_class.__module__}.{error_class.__qualname__}.example is {example!r}; it "
            f"must be a dict of APIError arguments drawn from {sorted(EXAMPLE_KEYS)}."
        )
    return dict(example)


def _example_body(error: APIError) -> dict[str, Any]:
    body = error_body(error, EXAMPLE_REQUEST_ID)
    body.pop("debug", None)  # never part of the documented contract
    return {"error": body} if api_settings.ENVELOPE == "error" else body


def render(document: dict[str, Any], output_format: str) -> str:
    if output_format == "json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if output_format == "html":
        return render_html(document)
    if output_format == "markdown":
        return render_markdown(document)
    raise ValueError(f"Unknown format {output_format!r}; use one of {FORMATS}.")


def render_markdown(document: dict[str, Any]) -> str:
    text = labels()
    lines = [f"# {document['title']}", "", document["introduction"], "", f"## {text['body']}", ""]
    lines += [f"| {text['field']} | {text['type']} | {text['when']} | {text['meaning']} |"]
    lines += ["|---|---|---|---|"]
    lines += [
        f"| `{f['name']}` | {f['type']} | {f['when']} | {f['meaning']} |"
        for f in document["body_fields"]
    ]
    lines += ["", f"## {text['retrying']}", ""]
    lines += [f"- {rule}" for rule in document["retry_policy"]]
    lines += ["", f"## {text['headers']}", "", f"| {text['header']} | {text['meaning']} |"]
    lines += ["|---|---|"]
    lines += [f"| `{h['name']}` | {h['meaning']} |" for h in document["headers"]]
    for section in document["statuses"]:
        retry = text["retry_yes"] if section["retryable"] else text["retry_no"]
        heading = f"## {section['status']} {section['reason']}"
        lines += ["", heading, "", f"{text['retry']}: {retry}."]
        for code in section["codes"]:
            example = json.dumps(code["example"], indent=2, ensure_ascii=False)
            lines += [
                "",
                f'<a id="{code["code"]}"></a>',
                f"### `{code['code']}`",
                "",
                f"{code['description']}",
                "",
                f"{text['error_type']} `{code['type']}`. {text['retryable']}: "
                f"{text['yes'] if code['retryable'] else text['no']}.",
                "",
                "```json",
                example,
                "```",
            ]
    return "\n".join(lines) + "\n"


_ENGINE = Engine(dirs=[str(Path(__file__).parent)], autoescape=True)


def render_html(document: dict[str, Any]) -> str:
    template = _ENGINE.get_template("errors.html")
    sections = [
        {
            **section,
            "codes": [
                {
                    **code,
                    "description": _inline_code(code["description"]),
                    "example_json": json.dumps(code["example"], indent=2, ensure_ascii=False),
                }
                for code in section["codes"]
            ],
        }
        for section in document["statuses"]
    ]
    context = {
        **document,
        "body_fields": [
            {**field, "meaning": _inline_code(field["meaning"])}
            for field in document["body_fields"]
        ],
        "retry_policy": [_inline_code(rule) for rule in document["retry_policy"]],
        "headers": [
            {**header, "meaning": _inline_code(header["meaning"])} for header in document["headers"]
        ],
        "sections": sections,
        "labels": labels(),
    }
    return template.render(Context(context))


def _inline_code(text: str) -> SafeString:
    """Escape, then show `backticked` words as code."""
    return mark_safe(re.sub(r"`([^`]+)`", r"<code>\1</code>", escape(text)))
