"""The board's own ASGI application (as daphne serves it in production), plus static files.

Production serves static files from a web server or WhiteNoise; daphne serves none, so the
browser tests wrap the application in Django's static files handler (HTTP only: other
protocols such as websockets pass straight through).
"""

import os

from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.browser.server_settings")

from board.asgi import application as board_application  # after the settings module is set

application = ASGIStaticFilesHandler(board_application)
