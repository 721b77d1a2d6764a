"""A request body over the ceiling is refused with a German 413, whether it declares its length
or arrives in chunks, and nothing of it is filed."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from eakte.auth import service as auth
from eakte.db.engine import Database
from eakte.db.schema import documents
from eakte.settings import Settings
from eakte.web import create_app
from tests.helpers import County
from tests.web.conftest import login

CEILING = 64 * 1024


@pytest.fixture
def small(settings: Settings, county: County) -> Iterator[TestClient]:
    limited = settings.model_copy(update={"max_request_size": CEILING})
    with TestClient(create_app(limited), follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def token(db: Database, county: County) -> dict[str, str]:
    with db.write() as c:
        return {"Authorization": f"Bearer {auth.create_token(c, 'bau', 'Test', 't')}"}


def _count(db: Database) -> int:
    with db.read() as c:
        return int(c.execute(select(func.count()).select_from(documents)).scalar_one())


def _multipart(name: str, content: bytes) -> tuple[bytes, str]:
    boundary = "grenze0815"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
            "Content-Type: text/plain\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def test_a_declared_length_over_the_ceiling_is_refused_unread(
    small: TestClient, db: Database, county: County, token: dict[str, str]
) -> None:
    before = _count(db)
    body, kind = _multipart("gross.txt", b"x" * (CEILING + 1))
    answer = small.post(
        f"/api/v1/cases/{county.bau_case.uuid}/documents",
        content=body,
        headers={**token, "Content-Type": kind},
    )
    assert answer.status_code == 413
    assert "zu groß: höchstens 64 KB" in answer.json()["detail"]
    assert _count(db) == before

    small_body, kind = _multipart("klein.txt", b"Kleiner Vermerk zur Akte.")
    filed = small.post(
        f"/api/v1/cases/{county.bau_case.uuid}/documents",
        content=small_body,
        headers={**token, "Content-Type": kind},
    )
    assert filed.status_code == 201, filed.text
    assert _count(db) == before + 1


def test_a_chunked_body_is_cut_off_at_the_ceiling(
    small: TestClient, db: Database, county: County
) -> None:
    """Without a length the body is counted as it arrives; the page says why in German."""
    csrf = login(small, "bau")
    before = _count(db)
    body, kind = _multipart("gross.txt", b"y" * (4 * CEILING))

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 8192):
            yield body[start : start + 8192]

    answer = small.post(
        f"/vorgaenge/{county.bau_case.uuid}/dokumente",
        content=chunks(),
        headers={"Content-Type": kind, "X-CSRF-Token": csrf},
    )
    assert answer.status_code == 413
    assert "Die Anfrage ist zu groß" in answer.text and "<html" in answer.text.lower()
    assert _count(db) == before
