"""SSO login through OpenID Connect, against a real provider (npm oidc-provider) on loopback.

The provider (tests/oidc/provider.mjs) is started once per test session; its node_modules come
from ``./scripts/setup.sh --dev``. The browser is played by an httpx client at the provider and
the TestClient at eakte. The ID token checks are also exercised with hand-made tokens.
"""

from __future__ import annotations

import base64
import json
import re
import select
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey
from sqlalchemy import select as sql_select

from eakte.db.engine import Database
from eakte.db.schema import audit_events, users
from eakte.settings import Settings
from eakte.web import create_app
from eakte.web.oidc import OidcClient, OidcError, local_target
from tests.helpers import County
from tests.web.conftest import csrf_of, login

PROVIDER_DIR = Path(__file__).resolve().parents[1] / "oidc"
EAKTE = "http://testserver"
REDIRECT_URI = f"{EAKTE}/login/oidc/callback"
POST_LOGOUT_URI = f"{EAKTE}/login?abgemeldet=1"
CLIENT_ID = "eakte"
CLIENT_SECRET = "test-secret-+/%"  # characters that must be form-encoded for Basic auth
IDP_PASSWORD = "idp-passwort"
BAU_SUB = "c0ffee00-bau"  # preferred_username bau: an eakte account
FREMD_SUB = "deadbeef-fremd"  # preferred_username fremd: no eakte account
ADFS_SUB = "5eed0000-adfs"  # preferred_username tyilmaz, upn t.yilmaz@kreis.example (as ADFS)
ADFS_UPN = "t.yilmaz@kreis.example"


def _start_provider(log: Path) -> tuple[subprocess.Popen[bytes], str]:
    node = shutil.which("node")
    if node is None or not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.skip(
            "Node.js oder tests/oidc/node_modules fehlt: ./scripts/setup.sh --dev ausführen"
        )
    args = [node, "provider.mjs", "--redirect-uri", REDIRECT_URI, "--client-id", CLIENT_ID]
    args += ["--post-logout-redirect-uri", POST_LOGOUT_URI]
    args += ["--client-secret", CLIENT_SECRET, "--password", IDP_PASSWORD]
    args += ["--account", f"{BAU_SUB}=bau", "--account", f"{FREMD_SUB}=fremd"]
    args += ["--account", f"{ADFS_SUB}=tyilmaz,upn={ADFS_UPN}"]
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            args, cwd=PROVIDER_DIR, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr
        )
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], 30)
    line = process.stdout.readline() if ready else b""
    if not line:
        _stop_provider(process)
        raise RuntimeError(f"OIDC provider did not start:\n{log.read_text()}")
    return process, str(json.loads(line)["issuer"])


def _stop_provider(process: subprocess.Popen[bytes]) -> None:
    assert process.stdin is not None and process.stdout is not None
    process.stdin.close()  # the provider exits when its stdin closes
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    process.stdout.close()


@pytest.fixture(scope="session")
def oidc_issuer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The issuer URL of a running provider; discovery answers before this returns."""
    log = tmp_path_factory.mktemp("oidc") / "provider.log"
    process, issuer = _start_provider(log)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{issuer}/.well-known/openid-configuration").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"OIDC discovery does not answer:\n{log.read_text()}")
            time.sleep(0.05)
        yield issuer
    finally:
        _stop_provider(process)


@pytest.fixture
def sso_settings(settings: Settings, county: County, oidc_issuer: str) -> Settings:
    return settings.model_copy(
        update={
            "oidc_issuer": oidc_issuer,
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": CLIENT_SECRET,
        }
    )


@pytest.fixture
def sso(sso_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(sso_settings), follow_redirects=False) as client:
        yield client


@pytest.fixture
def idp() -> Iterator[httpx.Client]:
    """The browser's side at the provider (its own cookies: the provider's session)."""
    with httpx.Client(follow_redirects=False, timeout=10) as client:
        yield client


def to_provider_and_back(sso: TestClient, idp: httpx.Client, account: str, weiter: str) -> str:
    """Start the SSO login at eakte, sign in at the provider; the callback URL for eakte."""
    start = sso.get(f"/login/oidc?weiter={quote(weiter)}")
    assert start.status_code == 303, start.text
    assert "eakte_oidc" in start.cookies
    response = idp.get(start.headers["location"])
    for _ in range(10):
        if response.status_code in (302, 303):
            location = str(response.url.join(response.headers["location"]))
            if location.startswith(EAKTE):
                return location
            response = idp.get(location)
            continue
        assert response.status_code == 200, response.text
        action = re.search(r'<form method="post" action="([^"]+)"', response.text)
        assert action, response.text
        response = idp.post(
            response.url.join(action.group(1)),
            data={"login": account, "password": IDP_PASSWORD},
        )
    raise AssertionError("the provider never sent the browser back")


def follow_at_provider(idp: httpx.Client, response: httpx.Response) -> httpx.Response | str:
    """Follow the provider's redirects: its next page, or the eakte URL it sends back to."""
    for _ in range(10):
        if response.status_code not in (302, 303):
            return response
        location = str(response.url.join(response.headers["location"]))
        if location.startswith(EAKTE):
            return location
        response = idp.get(location)
    raise AssertionError("the provider redirects without end")


def sso_logout(sso: TestClient) -> httpx.Response:
    desk = sso.get("/")
    assert desk.status_code == 200
    return sso.post("/logout", data={"csrf": csrf_of(desk.text)})


def refresh_target(response: httpx.Response) -> str:
    delay, _, target = response.headers["refresh"].partition(";")
    assert delay == "0" and target.strip().startswith("url="), response.headers["refresh"]
    return target.strip().removeprefix("url=")


def unverified_claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changes
    return urlunsplit(parts._replace(query=urlencode(query)))


def oidc_subject(db: Database, login: str) -> str | None:
    with db.read() as c:
        value = c.execute(sql_select(users.c.oidc_subject).where(users.c.login == login)).scalar()
    return None if value is None else str(value)


def test_sso_login_links_the_account_and_starts_a_session(
    sso: TestClient, idp: httpx.Client, db: Database
) -> None:
    assert 'href="/login/oidc?weiter=' in sso.get("/login").text
    assert oidc_subject(db, "bau") is None

    callback = to_provider_and_back(sso, idp, BAU_SUB, "/aktenplan")
    answer = sso.get(callback)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/aktenplan"
    assert "eakte_session" in sso.cookies
    desk = sso.get("/")
    assert desk.status_code == 200
    assert "Maria Wagner" in desk.text  # the eakte user bau
    assert oidc_subject(db, "bau") == BAU_SUB
    with db.read() as c:
        logins = c.execute(
            sql_select(audit_events.c.details).where(
                audit_events.c.action == "login", audit_events.c.actor == "bau"
            )
        ).all()
    assert [json.loads(row.details)["method"] for row in logins] == ["oidc"]

    # The code is used up, and the flow cookie went with it.
    assert sso.get(callback).status_code == 400

    # Logged out of eakte only (this browser does not go on to the provider's logout), the
    # provider's session brings the person straight back, now by subject.
    assert sso_logout(sso).headers["refresh"]
    assert sso.get("/").status_code == 303
    answer = sso.get(to_provider_and_back(sso, idp, BAU_SUB, "https://evil.example/"))
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    assert "Maria Wagner" in sso.get("/").text


def test_the_subject_wins_over_the_username(
    sso: TestClient, idp: httpx.Client, db: Database
) -> None:
    with db.write() as c:  # an administrator linked ja to the provider's person "fremd"
        c.execute(users.update().where(users.c.login == "ja").values(oidc_subject=FREMD_SUB))
    answer = sso.get(to_provider_and_back(sso, idp, FREMD_SUB, "/"))
    assert answer.status_code == 303, answer.text
    assert "Tarek Yilmaz" in sso.get("/").text


def test_unknown_person_is_refused_in_german(
    sso: TestClient, idp: httpx.Client, db: Database
) -> None:
    answer = sso.get(to_provider_and_back(sso, idp, FREMD_SUB, "/"))
    assert answer.status_code == 403
    assert "Anmeldung nicht möglich" in answer.text
    assert "Für Ihre Anmeldung gibt es kein Konto in der E-Akte (Anmeldename fremd)" in answer.text
    assert "Traceback" not in answer.text
    assert "eakte_session" not in sso.cookies
    assert sso.get("/").status_code == 303
    with db.read() as c:
        linked = c.execute(sql_select(users.c.login).where(users.c.oidc_subject == FREMD_SUB))
        assert linked.first() is None


def test_tampered_state_is_refused(sso: TestClient, idp: httpx.Client, db: Database) -> None:
    callback = to_provider_and_back(sso, idp, BAU_SUB, "/")
    answer = sso.get(with_query(callback, state="von-einem-angreifer"))
    assert answer.status_code == 400
    assert "gehört nicht zu dieser Anmeldung" in answer.text
    assert "eakte_session" not in sso.cookies
    # The flow is spent: even the genuine answer cannot be used afterwards.
    answer = sso.get(callback)
    assert answer.status_code == 400
    assert "abgelaufen oder wurde nicht hier begonnen" in answer.text
    assert sso.get("/").status_code == 303
    assert oidc_subject(db, "bau") is None


def test_tampered_flow_cookie_is_refused(sso: TestClient, idp: httpx.Client) -> None:
    callback = to_provider_and_back(sso, idp, BAU_SUB, "/")
    [cookie] = [c for c in sso.cookies.jar if c.name == "eakte_oidc"]
    assert cookie.value and cookie.path == "/login/oidc"
    payload, signature = cookie.value.split(".")
    sso.cookies.delete("eakte_oidc")
    sso.cookies.set("eakte_oidc", f"{payload}.{signature[::-1]}", cookie.domain, cookie.path)
    answer = sso.get(callback)
    assert answer.status_code == 400
    assert "abgelaufen oder wurde nicht hier begonnen" in answer.text


def test_sso_logout_ends_the_session_here_and_at_the_provider(
    sso: TestClient, idp: httpx.Client, oidc_issuer: str
) -> None:
    assert sso.get(to_provider_and_back(sso, idp, BAU_SUB, "/")).status_code == 303
    [kept] = [c for c in sso.cookies.jar if c.name == "eakte_oidc_logout"]
    assert kept.path == "/logout" and kept.has_nonstandard_attr("HttpOnly")

    answer = sso_logout(sso)
    assert answer.status_code == 200
    assert "Sie werden jetzt auch beim Anmeldedienst abgemeldet" in answer.text
    assert "Maria Wagner" not in answer.text
    assert "eakte_session" not in sso.cookies and "eakte_oidc_logout" not in sso.cookies
    assert sso.get("/").status_code == 303  # the eakte session is gone already

    url = refresh_target(answer)
    discovery = httpx.get(f"{oidc_issuer}/.well-known/openid-configuration").json()
    assert url.startswith(discovery["end_session_endpoint"] + "?")
    query = parse_qs(urlsplit(url).query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["post_logout_redirect_uri"] == [POST_LOGOUT_URI]
    hint = unverified_claims(query["id_token_hint"][0])
    assert hint["sub"] == BAU_SUB and hint["aud"] == CLIENT_ID

    confirm = follow_at_provider(idp, idp.get(url))  # the provider asks: really sign out?
    assert isinstance(confirm, httpx.Response) and confirm.status_code == 200, confirm
    action = re.search(r'<form id="op.logoutForm" method="post" action="([^"]+)"', confirm.text)
    xsrf = re.search(r'name="xsrf" value="([^"]+)"', confirm.text)
    assert action and xsrf, confirm.text
    back = follow_at_provider(
        idp,
        idp.post(confirm.url.join(action.group(1)), data={"xsrf": xsrf.group(1), "logout": "yes"}),
    )
    assert back == POST_LOGOUT_URI
    page = sso.get(back)
    assert page.status_code == 200
    assert "Sie sind abgemeldet." in page.text and 'name="password"' in page.text

    # The provider's session has ended too: the next SSO login asks for the password again.
    start = sso.get("/login/oidc?weiter=/")
    at_provider = follow_at_provider(idp, idp.get(start.headers["location"]))
    assert isinstance(at_provider, httpx.Response) and 'name="password"' in at_provider.text


def test_password_sessions_log_out_here_only(sso: TestClient, idp: httpx.Client) -> None:
    login(sso, "bau")
    answer = sso.post("/logout", data={"csrf": csrf_of(sso.get("/").text)})
    assert answer.status_code == 303 and answer.headers["location"] == "/login?abgemeldet=1"
    assert "Sie sind abgemeldet." in sso.get(answer.headers["location"]).text

    # An SSO session's logout cookie does not carry over to a later password session.
    sso.get(to_provider_and_back(sso, idp, BAU_SUB, "/"))
    assert "eakte_oidc_logout" in sso.cookies
    login(sso, "ja")
    answer = sso.post("/logout", data={"csrf": csrf_of(sso.get("/").text)})
    assert answer.status_code == 303 and "refresh" not in answer.headers
    assert "eakte_oidc_logout" not in sso.cookies


def test_the_username_claim_is_configurable(
    sso_settings: Settings, idp: httpx.Client, db: Database
) -> None:
    with db.write() as c:  # the county's logins are ADFS user principal names
        c.execute(users.update().where(users.c.login == "ja").values(login=ADFS_UPN))
    adfs = sso_settings.model_copy(update={"oidc_username_claim": "upn"})
    with TestClient(create_app(adfs), follow_redirects=False) as sso:
        answer = sso.get(to_provider_and_back(sso, idp, ADFS_SUB, "/"))
        assert answer.status_code == 303, answer.text
        assert "Tarek Yilmaz" in sso.get("/").text
    assert oidc_subject(db, ADFS_UPN) == ADFS_SUB


def test_a_missing_username_claim_is_refused_in_german(
    sso_settings: Settings, idp: httpx.Client, db: Database
) -> None:
    adfs = sso_settings.model_copy(update={"oidc_username_claim": "unique_name"})
    with TestClient(create_app(adfs), follow_redirects=False) as sso:
        answer = sso.get(to_provider_and_back(sso, idp, BAU_SUB, "/"))
        assert answer.status_code == 502
        assert "Anmeldung nicht möglich" in answer.text
        assert "hat Ihren Anmeldenamen (Angabe „unique_name“) nicht mitgeschickt" in answer.text
        assert "eakte_session" not in sso.cookies
        assert sso.get("/").status_code == 303
    assert oidc_subject(db, "bau") is None


def test_an_answer_from_another_issuer_is_refused(sso: TestClient, idp: httpx.Client) -> None:
    callback = to_provider_and_back(sso, idp, BAU_SUB, "/")
    answer = sso.get(with_query(callback, iss="https://idp.evil.example"))
    assert answer.status_code == 400
    assert "stammt nicht vom eingestellten Anmeldedienst" in answer.text
    assert "eakte_session" not in sso.cookies


def test_a_provider_with_another_issuer_is_refused(
    sso_settings: Settings, oidc_issuer: str
) -> None:
    # The same provider under another name: its discovery names an issuer that differs.
    other = oidc_issuer.replace("127.0.0.1", "localhost")
    app = create_app(sso_settings.model_copy(update={"oidc_issuer": other}))
    with TestClient(app, follow_redirects=False) as client:
        answer = client.get("/login/oidc?weiter=/")
    assert answer.status_code == 502
    assert "sein Aussteller passt nicht zur Einstellung oidc_issuer" in answer.text
    assert "eakte_oidc" not in answer.cookies


def test_unreachable_provider_gives_a_german_page(settings: Settings, county: County) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(settings.model_copy(update={"oidc_issuer": f"http://127.0.0.1:{port}"}))
    with TestClient(app, follow_redirects=False) as client:
        answer = client.get("/login/oidc?weiter=/")
    assert answer.status_code == 502
    assert "Der Anmeldedienst (SSO) ist gerade nicht erreichbar" in answer.text
    assert "Traceback" not in answer.text


def test_without_an_issuer_there_is_no_sso(client: TestClient) -> None:
    assert client.get("/login/oidc").status_code == 404
    assert "/login/oidc" not in client.get("/login").text


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/aktenplan?x=1", "/aktenplan?x=1"),
        (None, "/"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example/", "/"),
        ("/\t/evil.example/", "/"),
        ("aktenplan", "/"),
    ],
)
def test_only_local_targets(target: str | None, expected: str) -> None:
    assert local_target(target) == expected


# -- the ID token checks, with tokens made here --------------------------------------------

ISSUER = "https://idp.kreis.example/realms/kreis"


class FakeProvider:
    """Discovery and JWKS through an httpx MockTransport; tokens signed with ``key``."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
        self.published = [self.key]
        self.end_session: str | None = None

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/.well-known/openid-configuration"):
            return httpx.Response(
                200,
                json={
                    "issuer": ISSUER,
                    "authorization_endpoint": f"{ISSUER}/auth",
                    "token_endpoint": f"{ISSUER}/token",
                    "jwks_uri": f"{ISSUER}/certs",
                }
                | ({"end_session_endpoint": self.end_session} if self.end_session else {}),
            )
        if request.url.path.endswith("/certs"):
            return httpx.Response(
                200, json={"keys": [k.as_dict(private=False) for k in self.published]}
            )
        return httpx.Response(404)

    def token(self, key: Any = None, header: dict[str, Any] | None = None, **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": ISSUER, "aud": CLIENT_ID, "sub": "s-1", "nonce": "n-1"}
        body |= {"iat": now, "exp": now + 300} | claims
        body = {k: v for k, v in body.items() if v is not None}
        return jwt.encode(header or {"alg": "RS256", "kid": "k1"}, body, key or self.key)


@pytest.fixture
def fake(tmp_path: Path) -> tuple[FakeProvider, OidcClient]:
    provider = FakeProvider()
    settings = Settings(data=tmp_path, oidc_issuer=ISSUER, oidc_client_id=CLIENT_ID)
    return provider, OidcClient(settings, transport=httpx.MockTransport(provider.handle))


def test_a_valid_id_token_is_accepted(fake: tuple[FakeProvider, OidcClient]) -> None:
    provider, client = fake
    claims = client.validate_id_token(provider.token(aud=[CLIENT_ID], azp=CLIENT_ID), "n-1")
    assert claims["sub"] == "s-1"


def test_rotated_keys_are_fetched_again(fake: tuple[FakeProvider, OidcClient]) -> None:
    provider, client = fake
    client.validate_id_token(provider.token(), "n-1")  # caches the key set
    new_key = RSAKey.generate_key(2048, parameters={"kid": "k2"})
    provider.published = [new_key]
    token = provider.token(key=new_key, header={"alg": "RS256", "kid": "k2"})
    assert client.validate_id_token(token, "n-1")["sub"] == "s-1"


BAD_TOKENS: dict[str, Callable[[FakeProvider], str]] = {
    "other key": lambda p: p.token(key=RSAKey.generate_key(2048, parameters={"kid": "k1"})),
    "other issuer": lambda p: p.token(iss="https://idp.evil.example"),
    "other audience": lambda p: p.token(aud="another-client"),
    "other azp": lambda p: p.token(aud=[CLIENT_ID, "another-client"], azp="another-client"),
    "other nonce": lambda p: p.token(nonce="n-2"),
    "no nonce": lambda p: p.token(nonce=None),
    "expired": lambda p: p.token(exp=int(time.time()) - 3600),
    "no sub": lambda p: p.token(sub=None),
    "hmac with a guessable key": lambda p: p.token(
        key=OctKey.import_key(b"x" * 32), header={"alg": "HS256", "kid": "k1"}
    ),
    "not a token": lambda p: "kein.token.hier",
}


@pytest.mark.parametrize("case", BAD_TOKENS)
def test_bad_id_tokens_are_refused(fake: tuple[FakeProvider, OidcClient], case: str) -> None:
    provider, client = fake
    with pytest.raises(OidcError) as refused:
        client.validate_id_token(BAD_TOKENS[case](provider), "n-1")
    assert refused.value.status == 400
    assert "Bitte melden Sie sich noch einmal an." in refused.value.message


def test_the_username_comes_from_the_configured_claim(tmp_path: Path) -> None:
    settings = Settings(data=tmp_path, oidc_issuer=ISSUER, oidc_username_claim="upn")
    client = OidcClient(settings, transport=httpx.MockTransport(FakeProvider().handle))
    claims = {"sub": "s-1", "preferred_username": "mwagner", "upn": " m.wagner@kreis.example "}
    assert client.username(claims, None) == "m.wagner@kreis.example"
    with pytest.raises(OidcError) as refused:
        client.username({"sub": "s-1", "preferred_username": "mwagner"}, None)
    assert "Angabe „upn“" in refused.value.message


def test_without_end_session_endpoint_logout_stays_local(
    fake: tuple[FakeProvider, OidcClient],
) -> None:
    _, client = fake
    assert client.end_session_url("id.token.here", POST_LOGOUT_URI) is None


def test_the_kept_id_token_belongs_to_its_session(tmp_path: Path) -> None:
    provider = FakeProvider()
    provider.end_session = f"{ISSUER}/logout"
    settings = Settings(data=tmp_path, oidc_issuer=ISSUER, oidc_client_secret="s")
    client = OidcClient(settings, transport=httpx.MockTransport(provider.handle))
    token = provider.token()
    cookie = client.logout_cookie("session-a", token)
    assert client.kept_id_token(cookie, "session-a") == token
    assert client.kept_id_token(cookie, "session-b") is None
    assert (
        client.kept_id_token(provider.token(sub="s-2") + cookie[len(token) :], "session-a") is None
    )
    assert client.kept_id_token("kaputt", "session-a") is None
    url = client.end_session_url(token, POST_LOGOUT_URI)
    assert url and parse_qs(urlsplit(url).query)["id_token_hint"] == [token]

    # Too long for a cookie: only the fact of an SSO session is kept; logout by client_id.
    cookie = client.logout_cookie("session-a", "x" * 5000)
    assert len(cookie) < 100 and client.kept_id_token(cookie, "session-a") == ""
    url = client.end_session_url("", POST_LOGOUT_URI)
    assert url and url.startswith(f"{ISSUER}/logout?")
    assert parse_qs(urlsplit(url).query) == {
        "client_id": ["eakte"],
        "post_logout_redirect_uri": [POST_LOGOUT_URI],
    }
