"""The wheel installs into a fresh virtual environment and mounts in a new Django site."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import venv
import zipfile
from pathlib import Path

import django
import pytest
import redis

ROOT = Path(__file__).resolve().parent.parent

SITE_CHECK = """
import os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "site_under_test.settings"
import django
django.setup()
from django.core.management import call_command
from django.contrib.auth.models import User
from django.test import Client
call_command("migrate", verbosity=0)
call_command("check", fail_level="ERROR")
anonymous = Client().get("/ops/queues/")
assert anonymous.status_code == 302, anonymous.status_code
assert anonymous["Location"].startswith("/accounts/login/"), anonymous["Location"]
user = User.objects.create_user("ops", password="pw", is_staff=True)
client = Client()
client.force_login(user)
page = client.get("/ops/queues/")
assert page.status_code == 200, page.status_code
body = page.content.decode()
assert "/ops/queues/queue/bullmq/mounted-queue/" in body, body
assert "/static/queues/queueboard.css" in body
api = client.get("/ops/queues/api/queues").json()
assert [q["name"] for q in api["queues"]] == ["mounted-queue"], api
assert api["queues"][0]["counts"]["waiting"] == 1, api
print("MOUNTED-OK")
"""


def seed_queue(url: str) -> None:
    client = redis.Redis.from_url(url)
    client.hset("bull:mounted-queue:meta", mapping={"opts.maxLenEvents": 10000})
    client.set("bull:mounted-queue:id", 1)
    client.hset(
        "bull:mounted-queue:1",
        mapping={"name": "hello", "data": '{"a": 1}', "opts": "{}", "timestamp": 1700000000000},
    )
    client.lpush("bull:mounted-queue:wait", "1")
    client.close()


@pytest.mark.slow
def test_wheel_mounts_under_any_prefix(tmp_path: Path, redis_url: str) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
    )
    wheel = next(dist.glob("django_queueboard-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "queues/templates/queues/overview.html" in names
    assert "queues/static/queues/queueboard.css" in names
    assert "queues/static/queues/favicon.svg" in names
    assert any(n.startswith("queues/static/queues/vendor/htmx/") for n in names)

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", str(wheel), f"django=={django.get_version()}"],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [str(env_dir / "bin" / "django-admin"), "startproject", "site_under_test", str(tmp_path)],
        check=True,
    )
    settings = tmp_path / "site_under_test" / "settings.py"
    settings.write_text(
        settings.read_text().replace("INSTALLED_APPS = [", "INSTALLED_APPS = [\n    'queues',")
        + textwrap.dedent(f"""
            ALLOWED_HOSTS = ["testserver"]
            QUEUEBOARD_BACKENDS = {{
                "bullmq": {{
                    "BACKEND": "queues.backends.bullmq.BullMQBackend",
                    "OPTIONS": {{"url": "{redis_url}"}},
                }}
            }}
            """)
    )
    urls = tmp_path / "site_under_test" / "urls.py"
    urls.write_text(
        urls.read_text()
        .replace("from django.urls import path", "from django.urls import include, path")
        .replace(
            "urlpatterns = [", "urlpatterns = [\n    path('ops/queues/', include('queues.urls')),"
        )
    )
    seed_queue(redis_url)
    result = subprocess.run(
        [str(python), "-c", SITE_CHECK], cwd=tmp_path, capture_output=True, text=True
    )
    assert "MOUNTED-OK" in result.stdout, result.stdout + result.stderr
