"""The review web app (`corpus-tools serve`): Flask, server-rendered templates, packaged static files."""

from corpus_tools.web.app import close_app, create_app

__all__ = ["close_app", "create_app"]
