"""The private interfaces of Django and CPython this package uses, and only here.

Each is used because it measurably pays (the docs' benchmark page shows what, measured by
`python benchmarks/run.py` with them and with the public fallbacks in the same run), each
is checked before it is relied on, and each falls back to the public interface when a
Django or Python release changes it. tests/test_private_apis.py pins every assumption on
each supported Django and Python, and runs the suite's header and body checks on the
fallbacks too.

- `response_header_dict`: the dict behind `HttpResponse.headers` (Django's
  `ResponseHeaders._store`), for the two headers this package sets on every response.
- `make_json_encode`: CPython's C JSON encoder, built once (`json.encoder.c_make_encoder`).
- `redis_write_client`: the `redis.Redis` Django's `RedisCache` writes a key with
  (`RedisCache._cache.get_client(key, write=True)`), for the one-round-trip `incr`.
- `mark_logged` / `was_logged`: the attribute with which Django's `log_response` notes
  that it logged a response (`response._has_been_logged`). Not for speed: a response we
  answer in place of one Django logged would otherwise be logged twice.
"""

from __future__ import annotations

import json.encoder
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.http import HttpResponseBase

if TYPE_CHECKING:
    from redis import Redis

_enabled = True
#: Whether `response.headers._store` is what `response_header_dict` relies on; None until
#: first checked.
_header_dict_holds: bool | None = None
_on_change: list[Callable[[], None]] = []


def use_private_apis(enabled: bool) -> None:
    """Turn the private interfaces on or off for the whole process: the benchmarks measure
    what they pay, and the tests run the fallbacks, with this."""
    global _enabled, _header_dict_holds
    _enabled = enabled
    _header_dict_holds = None if enabled else False
    for rebuild in _on_change:
        rebuild()


def on_change(rebuild: Callable[[], None]) -> Callable[[], None]:
    """Call `rebuild` (what a module built from these helpers at import) on every change."""
    _on_change.append(rebuild)
    return rebuild


def _check_header_dict() -> bool:
    """Whether `response.headers._store` is a dict of lower-cased name -> (name, value)
    that the response reads back and sends, as in Django 3.2 to 6.1."""
    global _header_dict_holds
    try:
        response = HttpResponseBase()
        response["X-Probe"] = "1"
        store = response.headers._store
        holds = type(store) is dict and store.get("x-probe") == ("X-Probe", "1")
        if holds:
            store["x-probe-written"] = ("X-Probe-Written", "2")
            holds = response["x-probe-written"] == "2" and (
                b"X-Probe-Written: 2" in response.serialize_headers()
            )
    except Exception:
        holds = False
    _header_dict_holds = holds
    return holds


def response_header_dict(response: HttpResponseBase) -> dict[str, tuple[str, str]] | None:
    """The dict behind `response.headers` (lower-cased name -> (name, value)), or None:
    then set headers with `response[name] = value`.

    Only for header names and values this package made and knows to be valid: a name of
    letters, digits and hyphens, an ASCII value without line breaks. `response[name] =
    value` checks both again (a codec lookup and two encodes per header); skipping that is
    what this pays for.
    """
    holds = _header_dict_holds
    if holds is None:
        holds = _check_header_dict()
    if not holds:
        return None
    store: Any = getattr(response.headers, "_store", None)
    return store if type(store) is dict else None


def make_json_encode(encoder: json.JSONEncoder) -> Callable[[Any], str]:
    """`encoder.encode`, with CPython's C encoder built once instead of on every call
    (`JSONEncoder.iterencode` builds one per call: half the cost of encoding an error
    body). The C encoder keeps no state between calls and checks no circular references
    (`check_circular` off: a body is a tree of fresh dicts and lists; a cycle in `meta`
    ends in RecursionError, answered as a 500 like any failure in rendering). Where the C
    encoder is missing or answers otherwise than `encoder.encode`, `encoder.encode`."""
    make_encoder: Any = getattr(json.encoder, "c_make_encoder", None)
    if not _enabled or make_encoder is None:  # None: a Python built without _json
        return encoder.encode
    try:
        encode_chunks = make_encoder(
            None,  # markers: no circular-reference check
            encoder.default,
            json.encoder.encode_basestring_ascii,
            None,  # indent
            encoder.key_separator,
            encoder.item_separator,
            False,  # sort_keys
            False,  # skipkeys
            True,  # allow_nan
        )
    except Exception:  # another signature
        return encoder.encode

    def encode(value: Any) -> str:
        return "".join(encode_chunks(value, 0))

    probe = {"text": 'é\u2028"<\x00', "numbers": [1, 2.5, -0.0, None, True], "nested": {"": []}}
    try:
        if encode(probe) != encoder.encode(probe):
            return encoder.encode
    except Exception:
        return encoder.encode
    return encode


def redis_write_client(cache: Any, made_key: str) -> Redis | None:
    """The redis.Redis that Django's RedisCache (`cache`) writes `made_key` with, or None
    (then use Django's own method). Django's `RedisCache.incr` goes through
    `cache._cache.get_client(key, write=True)`: `_cache` is Django's RedisCacheClient,
    which django-stubs types as the way to the connection."""
    if not _enabled:
        return None
    import redis

    get_client = getattr(getattr(cache, "_cache", None), "get_client", None)
    if get_client is None:
        return None
    try:
        client = get_client(made_key, write=True)
    except TypeError:  # another signature
        return None
    return client if isinstance(client, redis.Redis) else None


#: The attribute Django's `django.utils.log.log_response` reads and sets.
_LOGGED_ATTRIBUTE = "_has_been_logged"


def mark_logged(response: HttpResponseBase) -> None:
    """Tell Django's `log_response` that this response was logged already (by us, or as
    the response it stands in for), so that Django's handler does not log it again. When
    a Django release stops reading the attribute, such a response is logged twice."""
    setattr(response, _LOGGED_ATTRIBUTE, True)


def was_logged(response: HttpResponseBase) -> bool:
    """Whether Django's `log_response` (or `mark_logged`) logged this response."""
    return bool(getattr(response, _LOGGED_ATTRIBUTE, False))
