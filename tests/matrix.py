"""The machinery every permission matrix shares (tests/test_permission_matrix.py explains the cells).

A matrix module defines MATRIX, SPECS, a world and a `db_state()`; `cases()` turns its rows into
test parameters and `check()` makes one request and asserts its cell.
"""

import pytest
from django.urls import reverse


def cases(matrix: dict, roles: tuple, states: tuple[str, str] = ("published", "unpublished")):
    """One pytest parameter per (URL, method, role, first/second record state)."""
    for url_name, methods in matrix.items():
        for method, row in methods.items():
            assert len(row) == len(roles), url_name
            for role, cell in zip(roles, row, strict=True):
                first_outcome, _, second_outcome = cell.partition("/")
                for first, outcome in ((True, first_outcome), (False, second_outcome or cell)):
                    state = states[0] if first else states[1]
                    yield pytest.param(url_name, method, role, first, outcome, id=f"{url_name}-{method}-{role}-{state}")


PARAMETERS = ("url_name", "method", "role", "published", "outcome")


def body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode()


def check(client, *, world, user, url_name: str, method: str, outcome: str, spec: dict, record_text: str, db_state):
    """Request `url_name` as `user` in `world` and assert the cell `outcome`; only "done" may write."""
    if user is not None:
        client.force_login(user)
    url = reverse(url_name, kwargs=spec["kwargs"](world) if "kwargs" in spec else None)
    before = db_state()

    if method == "GET":
        response = client.get(url, spec["query"](world) if "query" in spec else {})
    else:
        response = client.post(url, spec["data"](world) if "data" in spec else {})

    if outcome == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login") + "?next=")
    elif outcome in ("shown", "hidden"):
        assert response.status_code == 200
        assert (record_text in body(response)) is (outcome == "shown")
    elif outcome == "done":
        assert response.status_code == 302, body(response)[:3000]
        assert spec["done"](world)
    else:
        assert response.status_code == int(outcome)
    if outcome != "done":
        assert db_state() == before


def done_cells_have_checks(matrix: dict, specs: dict) -> None:
    for url_name, methods in matrix.items():
        if any("done" in cell for row in methods.values() for cell in row):
            assert "done" in specs.get(url_name, {}), url_name
