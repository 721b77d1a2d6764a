"""The web application: German HTML pages for clerks and the JSON API under ``/api/v1``.

Exports ``create_app``. Pages are rendered on the server (Jinja2) and work without JavaScript;
``static/app.js`` adds drag-and-drop upload and search as you type.
"""

from eakte.web.app import create_app

__all__ = ["create_app"]
