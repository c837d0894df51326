"""The web dashboard and JSON API (``gigacampus serve``)."""

from gigacampus.web.app import create_app

__all__ = ["create_app"]
