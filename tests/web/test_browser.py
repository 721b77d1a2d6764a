"""The web application in a real browser: Playwright drives Debian's headless Chromium against
the real app served by uvicorn on 127.0.0.1, on this test's database.

Nothing is downloaded: ``scripts/setup.sh --dev`` installs Debian's ``chromium`` and the
``playwright`` package (never ``playwright install``). Set ``EAKTE_SCREENSHOTS=/some/folder``
to keep screenshots of the pages the journey passes.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, FilePayload, Page, expect, sync_playwright

from eakte.settings import Settings
from eakte.web import create_app
from tests.helpers import County
from tests.web.conftest import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
# The machine has no internet: without these Chromium keeps trying to reach Google's services.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SHOTS = os.environ.get("EAKTE_SCREENSHOTS")
FILES = {
    "Antrag.txt": "Antrag auf Abbruch der Garage am Mühlbach.",
    "Lageplan.txt": "Lageplan mit den Abstandsflächen zur Nachbargrenze.",
}
# Keeps every text the upload's live status region showed, across the reload that follows.
RECORD_STATUS = """
document.addEventListener("DOMContentLoaded", () => {
  const status = document.querySelector(".upload-status");
  if (!status) return;
  new MutationObserver(() => {
    const seen = JSON.parse(sessionStorage.getItem("status-seen") || "[]");
    sessionStorage.setItem("status-seen", JSON.stringify([...seen, status.textContent]));
  }).observe(status, { childList: true, characterData: true, subtree: true });
});
"""

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="/usr/bin/chromium fehlt; scripts/setup.sh --dev installiert es."
)
sqlite_only = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Module scope: Playwright's event loop lives only while this module's tests run.
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def server(settings: Settings, county: County) -> Iterator[str]:
    """The real application on a free port of 127.0.0.1, served by uvicorn in a thread."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(settings),
        loop="asyncio",
        http="h11",
        ws="none",
        lifespan="on",
        log_config=None,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=5,
    )
    uv = uvicorn.Server(config)
    # uvicorn closes the socket it was given when it shuts down.
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            uv.should_exit = True
            thread.join(10)
            sock.close()
            pytest.fail("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        uv.should_exit = True
        thread.join(15)
        assert not thread.is_alive(), "uvicorn did not stop"


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[Page]:
    # Depends on ``server`` so the browser's connections close before the server stops.
    context = browser.new_context(
        base_url=server, locale="de-DE", viewport={"width": 1280, "height": 800}
    )
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def sign_in(page: Page, login: str, password: str) -> None:
    page.get_by_label("Anmeldename").fill(login)
    page.get_by_label("Passwort").fill(password)
    page.get_by_role("button", name="Anmelden").click()


def test_a_clerk_files_searches_reads_and_signs_out(
    page: Page, server: str, county: County
) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?weiter=/$"))
    expect(page.get_by_role("heading", name="Anmelden")).to_be_visible()
    shot(page, "login")

    sign_in(page, "bau", PASSWORD)
    expect(page).to_have_url(f"{server}/")
    expect(page.get_by_role("heading", name="Schreibtisch")).to_be_visible()
    expect(page.get_by_text("Maria Wagner")).to_be_visible()
    expect(page.get_by_text(county.ja_case.reference)).to_have_count(0)
    shot(page, "desk")

    page.get_by_role("link", name=county.bau_case.reference).click()
    expect(page).to_have_url(f"{server}/vorgaenge/{county.bau_case.uuid}")
    expect(page.get_by_role("heading", name=f"Vorgang {county.bau_case.reference}")).to_be_visible()
    documents = page.locator("#documents tbody tr")
    expect(documents).to_have_count(1)  # the Bescheid the county was made with

    # Choosing files and pressing "Ablegen" sends them with fetch (app.js), shows the live
    # status and reloads the page.
    page.add_init_script(RECORD_STATUS)
    page.reload()
    page.get_by_label("Dateien auswählen oder hierher ziehen").set_input_files(
        [
            FilePayload(name=name, mimeType="text/plain", buffer=body.encode())
            for name, body in FILES.items()
        ]
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Ablegen").click()
    expect(page).to_have_url(f"{server}/vorgaenge/{county.bau_case.uuid}")
    seen = page.evaluate("JSON.parse(sessionStorage.getItem('status-seen') || '[]')")
    assert seen == ["2 Datei(en) werden abgelegt …", "2 Dokument(e) abgelegt."]
    expect(documents).to_have_count(3)
    for title in ("Antrag", "Lageplan"):
        row = documents.filter(has=page.get_by_role("link", name=title, exact=True))
        expect(row).to_have_count(1)
        expect(row).to_contain_text("Text")
        expect(row).to_contain_text("bereit")
    expect(page.locator(".history")).to_contain_text(re.compile(r"Dokument ».+« abgelegt"))
    expect(page.locator(".history time").first).to_have_text(
        re.compile(r"^\d\d\.\d\d\.\d{4} \d\d:\d\d$")  # German, to the minute
    )
    shot(page, "case")

    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Suche").click()
    expect(page).to_have_url(f"{server}/suche")
    field = page.get_by_label("Suchbegriffe")
    # Search as you type: the results change without pressing Enter.
    field.press_sequentially("Garage", delay=30)
    expect(page.locator("#results .count")).to_have_text("1 Treffer")
    expect(page.locator("#results .hits li")).to_contain_text("Antrag")
    expect(page).to_have_url(f"{server}/suche?q=Garage")
    field.fill("")
    field.press_sequentially("Abstandsfläche", delay=30)
    expect(page.locator("#results .hits li a")).to_have_text(["Lageplan"])
    expect(page.locator("#results mark").first).to_have_text(re.compile(r"Abstandsfläche"))
    expect(page).to_have_url(re.compile(r"/suche\?q=Abstandsfl"))
    shot(page, "search")

    page.locator("#results .hits").get_by_role("link", name="Lageplan").click()
    expect(page).to_have_url(re.compile(r"/dokumente/[0-9a-f-]+$"))
    expect(page.get_by_role("heading", name="Lageplan", exact=True)).to_be_visible()
    viewer = page.locator(".viewer iframe")
    expect(viewer).to_be_visible()
    expect(page.frame_locator(".viewer iframe").locator("body")).to_contain_text(
        FILES["Lageplan.txt"]
    )
    digest = hashlib.sha256(FILES["Lageplan.txt"].encode()).hexdigest()
    expect(page.locator(".hash")).to_have_text(f"SHA-256 {digest}")
    shot(page, "document")

    page.get_by_role("button", name="Abmelden").click()
    expect(page).to_have_url(f"{server}/login?abgemeldet=1")
    expect(page.get_by_role("heading", name="Anmelden")).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?weiter="))


@sqlite_only
def test_a_wrong_password_is_refused_in_german(page: Page, server: str) -> None:
    page.goto("/login")
    sign_in(page, "bau", "falsch")
    expect(page.get_by_role("alert")).to_have_text("Anmeldename oder Passwort ist falsch.")
    expect(page.get_by_role("button", name="Abmelden")).to_have_count(0)
    shot(page, "login-error")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?weiter="))


@sqlite_only
def test_login_page_works_with_the_keyboard(page: Page, server: str) -> None:
    page.goto("/login")
    # Every form field a person fills in has a visible label naming it.
    fields = page.locator("form input:not([type=hidden]), form select, form textarea")
    expect(fields).to_have_count(2)
    for index in range(fields.count()):
        field_id = fields.nth(index).get_attribute("id")
        assert field_id, "form field without id"
        expect(page.locator(f"label[for='{field_id}']")).to_be_visible()

    # The first Tab stop is the skip link, visible once focused; then the name field.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Zum Inhalt springen")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/login#inhalt$"))
    page.keyboard.press("Tab")
    expect(page.get_by_label("Anmeldename")).to_be_focused()

    # Signing in with the keyboard alone.
    page.keyboard.type("bau")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Passwort")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Schreibtisch")).to_be_visible()

    # Signed in, the skip link still comes first and leads past the navigation.
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.locator("main a").first).to_be_focused()


@sqlite_only
def test_pages_fit_a_phone_screen(page: Page, server: str, county: County) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/login")
    sign_in(page, "bau", PASSWORD)
    expect(page.get_by_role("heading", name="Schreibtisch")).to_be_visible()
    case = f"/vorgaenge/{county.bau_case.uuid}"
    for path in ("/", "/aktenplan", case, "/suche?q=Baugenehmigung"):
        page.goto(path)
        # Nothing sticks out to the right: the page never scrolls sideways.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width}px wide"
    shot(page, "search-phone")
