"""ASGI entry point for ``eakte serve`` and any ASGI server: ``eakte.web.asgi:app``."""

from eakte.settings import load_settings
from eakte.web.app import create_app

app = create_app(load_settings(), background_work=True)
