"""Batched writes: a per-item outcome, 201/202 when any item succeeded, 422 when none did,
all-or-nothing on request."""

import json

import pytest
from model_bakery import baker

from shop.models import Product

from .conftest import basic_auth
from .contract import assert_contract

pytestmark = pytest.mark.django_db

BATCH = "/api/catalog/batch/"


def post(client, url, data, **extra):
    return client.post(url, json.dumps(data), content_type="application/json", **extra)


def product(sku, price="1.00", **extra):
    return {"sku": sku, "name": f"Product {sku}", "price": price, **extra}


def test_all_items_succeed(client):
    response = post(client, BATCH, {"products": [product("A-1"), product("A-2")]})
    assert response.status_code == 201
    body = response.json()
    ids = list(Product.objects.order_by("sku").values_list("pk", flat=True))
    assert body == {
        "results": [
            {"index": 0, "status": 201, "id": ids[0]},
            {"index": 1, "status": 201, "id": ids[1]},
        ],
        "succeeded": 2,
        "failed": 0,
    }


def test_some_items_fail(client):
    baker.make(Product, sku="DUP-1", price=1)
    items = [
        product("A-1"),
        product("bad sku", price="-1"),
        product("DUP-1"),
        "not an object",
        product("A-2", stock="many"),
    ]
    response = post(client, BATCH, {"products": items})
    assert response.status_code == 201
    results = response.json()["results"]
    assert [r["status"] for r in results] == [201, 400, 409, 400, 400]
    assert results[1]["error"]["code"] == "validation_failed"
    assert results[1]["error"]["param"] == "products[1]"  # two of its fields failed
    assert [
        (e["param"], e["pointer"], e["code"], e["index"]) for e in results[1]["error"]["errors"]
    ] == [
        ("products[1].sku", "/products/1/sku", "invalid_sku", 1),
        ("products[1].price", "/products/1/price", "min_value", 1),
    ]
    assert results[2]["error"] == {
        "code": "conflict",
        "type": "conflict_error",
        "message": "The request conflicts with the current state of the resource.",
        "param": "products[2]",
    }
    assert results[3]["error"]["param"] == "products[3]"
    assert results[4]["error"]["param"] == "products[4].stock"
    assert results[4]["error"]["message"] == "Enter a whole number."
    assert response.json()["succeeded"] == 1 and response.json()["failed"] == 4
    # The failed items left nothing behind; the good one was created.
    assert sorted(Product.objects.values_list("sku", flat=True)) == ["A-1", "DUP-1"]


def test_all_items_fail(client):
    baker.make(Product, sku="DUP-1", price=1)
    response = post(client, BATCH, {"products": [product("x y"), product("DUP-1")]})
    body = assert_contract(response, 422, "unprocessable_entity", param=None)
    assert body["message"] == "All 2 items failed."
    assert [(e["index"], e["param"], e["code"]) for e in body["errors"]] == [
        (0, "products[0].sku", "invalid_sku"),
        (1, "products[1]", "conflict"),
    ]
    assert body["meta"] == {"failed": 2, "total": 2}
    assert Product.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"products": []}, "empty"),
        ({"products": {"sku": "A"}}, "not_a_list"),
        ({}, "not_a_list"),
        ([product("A-1")], "not_a_list"),
    ],
    ids=["empty", "object", "missing", "bare-list"],
)
def test_not_a_batch(client, payload, code):
    body = assert_contract(post(client, BATCH, payload), 400, "validation_failed", param="products")
    assert body["errors"][0]["code"] == code


def test_over_the_maximum(client):
    items = [product(f"S-{i}") for i in range(101)]
    body = assert_contract(
        post(client, BATCH, {"products": items}), 413, "request_too_large", param="products"
    )
    assert body["meta"] == {"max_items": 100, "items": 101}
    assert body["message"] == "Send at most 100 items per request."
    assert not Product.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_all_or_nothing_rolls_everything_back(client):
    items = [product("A-1"), product("A-2"), product("bad sku")]
    response = post(client, BATCH + "?all_or_nothing=1", {"products": items})
    body = assert_contract(response, 422, "unprocessable_entity")
    assert body["message"] == "1 of 3 items failed; nothing was applied."
    assert [e["index"] for e in body["errors"]] == [2]
    assert not Product.objects.exists()
    response = post(client, BATCH + "?all_or_nothing=1", {"products": items[:2]})
    assert response.status_code == 201
    assert Product.objects.count() == 2


def test_accepted_batches_answer_202(client):
    response = post(client, "/api/test/queue-batch/", [{"job": "a"}, {"nojob": 1}])
    assert response.status_code == 202
    results = response.json()["results"]
    assert [r["status"] for r in results] == [202, 400]
    assert results[1]["error"]["param"] == "[1].job"  # a bare list: items are [i]
    assert results[1]["error"]["code"] == "invalid_argument"
    body = assert_contract(
        post(client, "/api/test/queue-batch/", [{"nojob": 1}]), 422, "unprocessable_entity"
    )
    assert [(e["param"], e["pointer"]) for e in body["errors"]] == [("[0].job", "/0/job")]
    assert_contract(
        post(client, "/api/test/queue-batch/", {}), 400, "validation_failed", param=None
    )


def test_a_crash_in_an_item_fails_the_whole_request(client):
    response = post(client, "/api/test/crashing-batch/", ["fine", "boom"])
    assert_contract(response, 500, "internal_error")
    assert b"a bug" not in response.content


def test_drf_serializer_batch(client, staff):
    baker.make(Product, sku="DUP-1", price=1)
    items = [product("A-1"), {"sku": "A-2"}, product("DUP-1")]
    response = post(client, "/api/products/batch/", {"items": items}, **basic_auth("sam"))
    assert response.status_code == 201, response.content
    results = response.json()["results"]
    assert [r["status"] for r in results] == [201, 400, 409]
    assert results[0]["id"] == Product.objects.get(sku="A-1").pk
    assert [e["param"] for e in results[1]["error"]["errors"]] == [
        "items[1].name",
        "items[1].price",
    ]
    assert {e["code"] for e in results[1]["error"]["errors"]} == {"required"}
    assert_contract(post(client, "/api/products/batch/", {"items": items}), 401, "unauthenticated")
