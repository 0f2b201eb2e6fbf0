"""A new Django site built as README.md tells a new user, in a fresh virtual environment.

``build_host_site`` builds the wheel, creates a virtual environment with the running suite's
Python, runs the README's pip line, ``django-admin startproject mysite``, appends the README's
blocks to the files startproject made and runs its ``sh`` block (migrate, collectstatic,
createsuperuser). ``serve`` starts one of the servers the README names on a free port.
"""

from __future__ import annotations

import os
import re
import secrets
import shlex
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import django

from tests.deploy import readme
from tests.live_servers import stop_process, wait_until_answers
from tests.redis_server import free_port

ROOT = Path(__file__).resolve().parents[2]
#: The placeholder Redis of the README's settings block.
README_REDIS = "redis://localhost:6379/0"
#: The placeholder clone of the README's pip line.
README_CLONE = "/path/to/queueboard"
SUPERUSER = {"username": "admin", "email": "admin@example.com"}
#: Warnings ``manage.py check`` gives on the README's site, each with the README's reason.
EXPECTED_WARNINGS = {
    # "Without a CHANNEL_LAYERS setting the board uses its own in-memory layer [...] and
    # `manage.py check` says so (a warning: it reaches the viewers of this process only)."
    "queueboard.W201": "CHANNEL_LAYERS is not set",
}
#: Environment of the test process that a user's shell would not have.
FOREIGN_ENV = ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "PYTHONPATH", "VIRTUAL_ENV")
#: The test's own lines after the README's: what a real deployment sets too.
DEPLOYMENT_SETTINGS = """
# -- added by tests/deploy (not from README.md): what every deployment sets ---------------------
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
SECRET_KEY = {secret!r}
"""


class StepFailed(AssertionError):
    """A step of the README failed as it would for a user."""


@dataclass
class HostSite:
    """The built site: ``mysite`` in ``directory`` (where manage.py is), its environment."""

    directory: Path
    venv: Path
    password: str
    env: dict[str, str]
    #: The README's server line (daphne), the ``sh`` block's last.
    server_line: list[str] = field(default_factory=list)

    def run(self, command: str, step: str, cwd: Path | None = None, **env: str) -> str:
        """Run a shell command line in the site's directory and environment; its output."""
        result = subprocess.run(
            ["sh", "-c", command],
            cwd=cwd or self.directory,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if result.returncode != 0:
            raise StepFailed(
                f"{step}: `{command}` exited with {result.returncode}:\n"
                f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
            )
        return result.stdout + result.stderr

    def manage(self, arguments: str, step: str, **env: str) -> str:
        return self.run(f"python manage.py {arguments}", step, **env)

    def create_user(self, username: str, password: str, *, staff: bool) -> None:
        """A user made as in the admin (staff or not, no permissions), from the site's shell."""
        code = (
            "from django.contrib.auth.models import User; "
            f"User.objects.create_user({username!r}, password={password!r}, is_staff={staff})"
        )
        self.manage(f"shell -c {shlex.quote(code)}", f"creating user {username}")


def user_environment(venv: Path, home: Path) -> dict[str, str]:
    """A shell in the activated virtual environment, without the test process's Django."""
    env = {key: value for key, value in os.environ.items() if key not in FOREIGN_ENV}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    env["VIRTUAL_ENV"] = str(venv)
    env.setdefault("HOME", str(home))
    return env


def build_wheel(clone: Path) -> None:
    """The README's ``python -m build --wheel``, its output in ``clone/dist`` (``--outdir``)."""
    result = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(clone / "dist"), str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise StepFailed(f"building the wheel failed:\n{result.stdout[-3000:]}{result.stderr}")


def install_line(clone: Path) -> str:
    """The README's pip line with the placeholders a user replaces, for Django Tasks too."""
    (line,) = [line for line in readme.commands(readme.INSTALL) if line.startswith("pip install ")]
    line = readme.replace_placeholder(line, README_CLONE, str(clone), readme.INSTALL)
    # "Add `tasks` to the extras (`[bullmq,tasks,live]`) for Django Tasks queues."
    line = readme.replace_placeholder(line, "[bullmq,live]", "[bullmq,tasks,live]", readme.INSTALL)
    return f"{line} django=={django.get_version()}"


def python_block(text: str, name: str) -> str:
    """A README Python block, refused with its name when it is not valid Python."""
    try:
        compile(text, f"README block {name!r}", "exec")
    except SyntaxError as exc:
        raise StepFailed(f"README block {name!r} is not valid Python: {exc}") from None
    return text


def append(path: Path, text: str, name: str) -> None:
    if not path.is_file():
        raise StepFailed(f"README block {name!r}: startproject made no {path.name}")
    text = python_block(text, name)
    path.write_text(path.read_text(encoding="utf-8") + "\n" + text, encoding="utf-8")


def apply_blocks(package: Path, redis_url: str) -> None:
    """The README's settings, urls and asgi blocks in the files startproject made."""
    settings = readme.replace_placeholder(
        readme.block(readme.SETTINGS), README_REDIS, redis_url, readme.SETTINGS
    )
    append(package / "settings.py", settings, readme.SETTINGS)
    append(package / "settings.py", readme.block(readme.TASKS_SETTINGS), readme.TASKS_SETTINGS)
    deployment = DEPLOYMENT_SETTINGS.format(secret=secrets.token_urlsafe(40))
    append(package / "settings.py", deployment, "the test's own deployment settings")
    append(package / "urls.py", readme.block(readme.URLS), readme.URLS)
    asgi = python_block(readme.block(readme.ASGI), readme.ASGI)
    (package / "asgi.py").write_text(asgi, encoding="utf-8")


def run_block(site: HostSite) -> list[str]:
    """The README's ``sh`` block up to the server, createsuperuser scripted as a user would;
    the server line it ends with."""
    *steps, server = readme.commands(readme.RUN_FIRST_LINE)
    superuser = {
        "DJANGO_SUPERUSER_USERNAME": SUPERUSER["username"],
        "DJANGO_SUPERUSER_EMAIL": SUPERUSER["email"],
        "DJANGO_SUPERUSER_PASSWORD": site.password,
    }
    for step in steps:
        if step.endswith(" createsuperuser"):
            site.run(f"{step} --noinput", f"README sh block ({step})", **superuser)
        else:
            site.run(step, f"README sh block ({step})")
    return shlex.split(server)


def check_warnings(site: HostSite) -> None:
    """``manage.py check --fail-level WARNING`` passes but for the warnings the README names."""
    command = "python manage.py check --fail-level WARNING"
    result = subprocess.run(
        ["sh", "-c", command], cwd=site.directory, env=site.env, capture_output=True, text=True
    )
    issued = set(re.findall(r"\(([\w.]+\.[EWC]\d+)\)", result.stdout + result.stderr))
    unexpected = issued - set(EXPECTED_WARNINGS)
    if unexpected or (result.returncode != 0 and not issued):
        raise StepFailed(
            f"`{command}` fails on the site the README's blocks make:\n"
            f"{result.stdout}{result.stderr}"
        )
    missing = set(EXPECTED_WARNINGS) - issued
    assert not missing, f"the README says `manage.py check` warns {missing}; it did not"


def build_host_site(tmp: Path, redis_url: str) -> HostSite:
    clone, venv = tmp / "queueboard", tmp / "venv"
    build_wheel(clone)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = user_environment(venv, tmp)
    site = HostSite(
        directory=tmp / "mysite", venv=venv, password=secrets.token_urlsafe(16), env=env
    )
    site.run(install_line(clone), f"README block {readme.INSTALL!r}", cwd=tmp)
    uvicorn = readme.inline_command('pip install "uvicorn[standard]"')
    site.run(uvicorn, "README's Servers bullet (uvicorn)", cwd=tmp)
    site.run(
        "pip install gunicorn", "installing gunicorn (README: `gunicorn mysite.wsgi`)", cwd=tmp
    )
    site.run("django-admin startproject mysite", "django-admin startproject mysite", cwd=tmp)
    apply_blocks(site.directory / "mysite", redis_url)
    site.server_line = run_block(site)
    check_warnings(site)
    return site


# -- serving ---------------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def server_command(name: str, port: int, readme_daphne: list[str]) -> list[str]:
    """The README's command for server ``name``, bound to 127.0.0.1:``port``."""
    if name == "daphne":
        return [*readme_daphne, "-b", "127.0.0.1", "-p", str(port)]
    if name == "uvicorn":
        command = readme.inline_command("uvicorn mysite.asgi:application")
        return [*shlex.split(command), "--host", "127.0.0.1", "--port", str(port)]
    if name == "gunicorn":
        command = readme.inline_command("gunicorn mysite.wsgi")
        return [*shlex.split(command), "--bind", f"127.0.0.1:{port}"]
    raise ValueError(name)


@contextmanager
def serve(site: HostSite, name: str, log: Path) -> Iterator[Server]:
    """Server ``name`` on a free port, until the block ends; waits for the admin login page."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            server_command(name, port, site.server_line),
            cwd=site.directory,
            env=site.env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(name=name, url=f"http://127.0.0.1:{port}", process=process, log=log)
    try:
        wait_until_answers(
            f"{server.url}/admin/login/",
            process,
            server.log_tail,
            name=name,
            timeout=60,
            poll=0.2,
            request_timeout=2,
            error=StepFailed,
        )
        yield server
    finally:
        stop_process(process, grace=15)
