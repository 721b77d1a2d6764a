"""Application factory: routers, static files, error pages, security headers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import quote

from anyio import to_thread
from fastapi import FastAPI, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.pool import QueuePool
from starlette.exceptions import HTTPException as StarletteHTTPException

from eakte import __version__
from eakte.errors import (
    ClosedError,
    ConflictError,
    EakteError,
    GoneError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from eakte.settings import Settings
from eakte.web import (
    admin,
    api,
    documents,
    grants,
    history,
    interchange,
    lifecycle,
    oidc,
    pages,
    portfolio,
    record_forms,
    registry,
    resubmissions,
    retention_api,
    routing,
    scans,
)
from eakte.web.headers import CSP, SecurityHeaders
from eakte.web.limits import BodyLimit
from eakte.web.security import LoginRequired
from eakte.web.state import HERE, WebState

STATUS = {
    GoneError: 410,
    NotFoundError: 404,
    PermissionDeniedError: 403,
    ClosedError: 409,
    ConflictError: 409,
    ValidationError: 400,
}

DEFAULT_REQUEST_THREADS = 40  # anyio's default


def _status(error: EakteError) -> int:
    for kind, status in STATUS.items():
        if isinstance(error, kind):
            return status
    return 400


def _mount_api_docs(app: FastAPI) -> None:
    """Swagger UI at /api/docs from the swagger-ui-bundle package (no CDN, nothing copied)."""
    import swagger_ui_bundle

    app.mount(
        "/api/docs/assets", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="swagger"
    )

    @app.get("/api/docs", include_in_schema=False)
    def _docs() -> Response:
        page = get_swagger_ui_html(
            openapi_url="/api/openapi.json",
            title="eakte API",
            swagger_js_url="/api/docs/assets/swagger-ui-bundle.js",
            swagger_css_url="/api/docs/assets/swagger-ui.css",
            swagger_favicon_url="/api/docs/assets/favicon-32x32.png",
        )
        # The page starts Swagger UI with one inline script; allow that here only.
        page.headers["Content-Security-Policy"] = CSP.replace(
            "script-src 'self'", "script-src 'self' 'unsafe-inline'"
        )
        return page


def _request_threads(web_state: WebState) -> int:
    """Threads for sync endpoints: no more than the database keeps pooled connections. With
    anyio's default of 40 threads and a pool of 20, every request beyond the 20th opened a new
    connection (on SQLite: PRAGMAs and a schema read) and closed it again: with 50 users one
    request in five to seven. On a GIL-bound process more threads add no throughput."""
    if web_state.settings.web_request_threads:
        return web_state.settings.web_request_threads
    pool = web_state.db.read_engine.pool
    return pool.size() if isinstance(pool, QueuePool) else DEFAULT_REQUEST_THREADS


def create_app(settings: Settings, background_work: bool = False) -> FastAPI:
    """The application. With ``background_work`` (``eakte serve``) it also runs
    ``worker_threads`` worker threads (OCR, scan intakes) while it serves."""
    web_state = WebState.build(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        to_thread.current_default_thread_limiter().total_tokens = _request_threads(web_state)
        worker = None
        if background_work and settings.worker_threads > 0:
            from eakte.worker.runner import Worker

            worker = Worker(
                web_state.db, web_state.blobs, settings, threads=settings.worker_threads
            )
            worker.start()
        yield
        if worker is not None:
            # A document being OCRed is left to its lease: after a restart it is done again.
            worker.stop(timeout=2)
        web_state.db.dispose()

    app = FastAPI(
        lifespan=lifespan,
        title="eakte API",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        description="Schnittstelle der E-Akte für Fachverfahren. Anmeldung mit API-Token "
        "(Authorization: Bearer …).",
    )
    app.state.eakte = web_state
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    _mount_api_docs(app)
    app.include_router(pages.router)
    app.include_router(admin.router)
    app.include_router(api.router)
    app.include_router(history.router)
    app.include_router(history.api_router)
    app.include_router(lifecycle.router)
    app.include_router(lifecycle.api_router)
    app.include_router(grants.router)
    app.include_router(grants.api_router)
    app.include_router(registry.router)
    app.include_router(interchange.router)
    app.include_router(retention_api.router)
    app.include_router(routing.router)
    app.include_router(documents.router)
    app.include_router(record_forms.router)
    app.include_router(record_forms.api_router)
    app.include_router(documents.api_router)
    app.include_router(routing.api_router)
    app.include_router(resubmissions.router)
    app.include_router(resubmissions.api_router)
    app.include_router(scans.router)
    app.include_router(scans.api_router)
    app.include_router(portfolio.router)
    if settings.oidc_issuer:
        app.state.oidc = oidc.OidcClient(settings)
        app.include_router(oidc.router)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?weiter={quote(target)}", status_code=303)

    @app.exception_handler(EakteError)
    async def _domain(request: Request, error: EakteError) -> Response:
        status = _status(error)
        if request.url.path.startswith("/api/"):
            if status == 403 and "Anmeldung" in error.message:
                status = 401
            return JSONResponse({"detail": error.message}, status_code=status)
        return pages.error_page(request, status, error.message)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> Response:
        message = {
            404: "Diese Seite gibt es nicht.",
            405: "Diese Aktion ist hier nicht möglich.",
        }.get(error.status_code, str(error.detail))
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": message}, status_code=error.status_code)
        return pages.error_page(request, error.status_code, message)

    app.add_middleware(BodyLimit, limit=settings.max_request_size)
    app.add_middleware(SecurityHeaders)
    return app
