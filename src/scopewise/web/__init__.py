"""The web app: ``create_app(directory)`` serves a review to the team's browsers.

Routes are thin (read the request, call the :class:`~scopewise.review.Review` facade,
render a template). The project is opened once per process, on start-up, and kept on
the app's state; nothing about a project lives in a module global.
"""

from __future__ import annotations

from scopewise.web.app import app_from_environment, create_app

__all__ = ["app_from_environment", "create_app"]
