"""The Dockerfile's steps, run without Docker (the test machines have no container engine).

Each instruction is carried out as the image build would, in a scratch directory standing for
``/app`` (and one for ``/data``), with a fresh virtual environment standing for the base image's
Python: ``ENV``, ``WORKDIR``, ``COPY`` from the repository, ``RUN`` (pip install, collectstatic),
then ``CMD`` serves the board and the ``HEALTHCHECK`` command must pass against it. Only the
``RUN useradd`` step, which changes the system rather than the app, is checked and not run.

The board the image serves is then used as its users would: a superuser made as the README's
``docker exec`` line makes one, the static files that its pages name answered by WhiteNoise
(hashed, typed, cached a year, gzipped), and in Chromium a login through ``/login/``, the board
styled and a job a Node bullmq worker fails shown live.
"""

from __future__ import annotations

import gzip
import os
import re
import shlex
import shutil
import subprocess
import time
import urllib.request
import venv
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import launch_chromium
from tests.browser.live_node import QUEUE, NodeWorker
from tests.deploy.standalone import (
    IMMUTABLE,
    Visitor,
    assert_jobs_arrive_live,
    assert_styled,
    expected_assets,
    gzip_answer,
    log_in,
    page_assets,
    seed_failed_job,
    served_assets,
    unhashed,
    watched_page,
)
from tests.redis_server import free_port

ROOT = Path(__file__).resolve().parent.parent


def instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))
    steps = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, args = line.partition(" ")
            steps.append((name.upper(), " ".join(args.split())))
    return steps


def test_the_image_runs_as_a_non_root_user_with_a_health_check() -> None:
    steps = dict(instructions(ROOT / "Dockerfile"))
    assert steps["FROM"].startswith("python:3.1")
    assert steps["USER"] not in ("root", "0")
    assert "useradd --system" in " ".join(a for i, a in instructions(ROOT / "Dockerfile"))
    assert "/healthz" in steps["HEALTHCHECK"]
    assert "collectstatic" in " ".join(a for i, a in instructions(ROOT / "Dockerfile"))


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.node
def test_the_dockerfile_steps_build_and_serve_the_board(
    tmp_path: Path, redis_url: str, node_modules: Path
) -> None:
    app, data = tmp_path / "app", tmp_path / "data"
    data.mkdir()
    image = tmp_path / "python"
    venv.create(image, with_pip=True)

    def here(text: str) -> str:
        text = re.sub(r"(?<![\w.])/app\b", str(app), text)
        return re.sub(r"(?<![\w.])/data\b", str(data), text)

    env = {
        "PATH": f"{image / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    for name in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_TRUSTED_HOST"):
        if name in os.environ:  # the machine's package mirror, as a build would be configured
            env[name] = os.environ[name]
    workdir, command, health = None, None, None
    for instruction, args in instructions(ROOT / "Dockerfile"):
        if instruction == "ENV":
            for pair in shlex.split(args):
                key, _, value = pair.partition("=")
                env[key] = here(value)
        elif instruction == "WORKDIR":
            workdir = Path(here(args))
            workdir.mkdir(parents=True, exist_ok=True)
        elif instruction == "COPY":
            *sources, target = shlex.split(args)
            assert workdir is not None
            for source in sources:
                origin = ROOT / source
                if origin.is_dir():
                    shutil.copytree(origin, workdir / target, dirs_exist_ok=True)
                else:
                    shutil.copy2(origin, workdir / target / origin.name)
        elif instruction == "RUN" and not args.startswith("useradd"):
            subprocess.run(
                ["sh", "-c", here(args)], cwd=workdir, env=env, check=True, capture_output=True
            )
        elif instruction == "CMD":
            command = [here(part) for part in shlex.split(args.strip("[]").replace(",", " "))]
        elif instruction == "HEALTHCHECK":
            health = here(args.split(" CMD ", 1)[1])
    assert workdir == app and command is not None and health is not None
    assert (app / "staticfiles" / "queues" / "queueboard.css").is_file()

    port = free_port()
    command = [part.replace("0.0.0.0 -p 8000", f"127.0.0.1 -p {port}") for part in command]
    health = health.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
    runtime = {**env, "SECRET_KEY": "docker-test", "ALLOWED_HOSTS": "127.0.0.1"}
    runtime["REDIS_URL"] = redis_url
    log = tmp_path / "board.log"  # a file, not a pipe nobody reads while the board logs
    # A Node worker's queue is in Redis before the board starts (its live reader finds it then).
    worker = NodeWorker(redis_url, QUEUE)
    server: subprocess.Popen[bytes] | None = None
    try:
        seed_failed_job(worker, redis_url)
        with log.open("wb") as out:
            server = subprocess.Popen(command, cwd=app, env=runtime, stdout=out, stderr=out)
        deadline = time.monotonic() + 90
        while True:
            check = subprocess.run(["sh", "-c", health], cwd=app, env=runtime, check=False)
            if check.returncode == 0:
                break
            assert server.poll() is None, log.read_text(errors="replace")[-4000:]
            assert time.monotonic() < deadline, "the health check never passed"
            time.sleep(0.5)
        assert (data / "queueboard.sqlite3").is_file()  # migrated on start, in the volume
        request = urllib.request.Request(f"http://127.0.0.1:{port}/")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.build_opener(NoRedirect).open(request, timeout=10)
        assert refused.value.code == 302
        assert refused.value.headers["Location"].startswith("/login/")
        use_the_served_board(f"http://127.0.0.1:{port}", app, runtime, worker)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        worker.stop()


def use_the_served_board(
    origin: str, app: Path, runtime: dict[str, str], worker: NodeWorker
) -> None:
    """A superuser as ``docker exec <container> python manage.py createsuperuser`` makes one
    (in the image's WORKDIR and environment), then the board's static files and Chromium."""
    user = {"DJANGO_SUPERUSER_USERNAME": "boss", "DJANGO_SUPERUSER_EMAIL": "boss@example.com"}
    user["DJANGO_SUPERUSER_PASSWORD"] = password = "docker-boss-pass-8126"
    created = subprocess.run(
        ["python", "manage.py", "createsuperuser", "--noinput"],
        cwd=app,
        env={**runtime, **user},
        capture_output=True,
        text=True,
        check=False,
    )
    assert created.returncode == 0, created.stderr

    visitor = Visitor(origin)
    named = set(page_assets(visitor.get("/login/").body))
    visitor.log_in("boss", password)
    named |= set(page_assets(visitor.get("/").body))
    needed = {"queues/queueboard.css", "queues/queueboard.js", "queues/live.js"}
    assert needed | {"queues/favicon.svg"} <= {unhashed(path) for path in named}, named
    assert served_assets(origin, named) == expected_assets(named, IMMUTABLE)
    css = next(path for path in named if unhashed(path) == "queues/queueboard.css")
    plain, packed = gzip_answer(origin, css)
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.body) == plain.body

    with launch_chromium() as browser, watched_page(browser, origin) as watched:
        log_in(watched, "boss", password)
        assert_styled(watched)
        expect(watched.page.locator("#qb-live")).to_have_attribute("data-live", "live")
        assert_jobs_arrive_live(watched, worker)
        assert watched.problems == []


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None
