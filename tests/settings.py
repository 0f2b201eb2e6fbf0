"""Test settings: the standalone board's settings with test-only values.

Backends pointing at the private Redis are installed per test by fixtures (``conftest.py``).
"""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret")
os.environ.pop("REDIS_URL", None)  # never a user's Redis: fixtures start a private one

from board.settings import *  # noqa: F403
from board.settings import DATABASES, QUEUEBOARD_BACKENDS

if os.environ.get("QUEUEBOARD_TEST_DATABASE_URL"):
    from board.env import database_from_url
    from board.settings import BASE_DIR

    DATABASES["default"] = database_from_url(os.environ["QUEUEBOARD_TEST_DATABASE_URL"], BASE_DIR)
elif DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not memory: browser tests serve the board from a server thread/process.
    import tempfile
    from pathlib import Path

    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"queueboard-tests-{os.getpid()}.sqlite3")
    }

QUEUEBOARD_BACKENDS = {k: v for k, v in QUEUEBOARD_BACKENDS.items() if k == "tasks"}
QUEUEBOARD = {}  # the app's defaults (no counts cache), not the standalone board's
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# collectstatic's folder, empty (WhiteNoise warns at start-up when it is missing).
STATIC_ROOT = __import__("tempfile").mkdtemp(prefix="queueboard-static-")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
