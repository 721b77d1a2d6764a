"""A web application on this test's database, with the small county and passwords."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from eakte.auth import service as auth
from eakte.db.engine import Database
from eakte.ingest.filing import Filer
from eakte.settings import Settings
from eakte.web import create_app
from tests.helpers import County, file_text, make_county

PASSWORD = "richtig-geheim"


@pytest.fixture
def county(db: Database, rules: Any, filer: Filer) -> County:
    county = make_county(db, rules)
    with db.write() as c:
        for login in ("bau", "bau1", "ja", "ja2", "dez"):
            auth.set_password(c, login, PASSWORD, "test")
    file_text(db, filer, county.bau_case, "Bescheid.txt", "Die Baugenehmigung wird erteilt.")
    file_text(db, filer, county.ja_case, "Hilfeplan.txt", "Hilfeplan für das Kind, vertraulich.")
    return county


@pytest.fixture
def client(settings: Settings, county: County) -> Iterator[TestClient]:
    with TestClient(create_app(settings), follow_redirects=False) as test_client:
        yield test_client


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match, "page has no CSRF token"
    return match.group(1)


def login(client: TestClient, user: str, password: str = PASSWORD) -> str:
    """Sign in; returns the CSRF token of the session."""
    response = client.post("/login", data={"login": user, "password": password, "weiter": "/"})
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/").text)
