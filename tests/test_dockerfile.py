"""The Dockerfile's steps, run without Docker (the test machines have no container engine).

Each instruction is carried out as the image build would, in a scratch directory standing for
``/app`` (and one for ``/data``), with a fresh virtual environment standing for the base image's
Python: ``ENV``, ``WORKDIR``, ``COPY`` from the repository, ``RUN`` (pip install, collectstatic),
then ``CMD`` serves the board and the ``HEALTHCHECK`` command must pass against it. Only the
``RUN useradd`` step, which changes the system rather than the app, is checked and not run.
"""

from __future__ import annotations

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
def test_the_dockerfile_steps_build_and_serve_the_board(tmp_path: Path, redis_url: str) -> None:
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
    server = subprocess.Popen(
        command, cwd=app, env=runtime, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            check = subprocess.run(["sh", "-c", health], cwd=app, env=runtime, check=False)
            if check.returncode == 0:
                break
            assert server.poll() is None, server.stderr.read() if server.stderr else b""
            assert time.monotonic() < deadline, "the health check never passed"
            time.sleep(0.5)
        assert (data / "queueboard.sqlite3").is_file()  # migrated on start, in the volume
        request = urllib.request.Request(f"http://127.0.0.1:{port}/")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.build_opener(NoRedirect).open(request, timeout=10)
        assert refused.value.code == 302
        assert refused.value.headers["Location"].startswith("/login/")
    finally:
        server.terminate()
        server.wait(timeout=20)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None
