"""Languages: every string a person reads is marked, every shipped catalog is complete and
compiled, and the board speaks the request's language (the host's ``LocaleMiddleware``) or the
host's ``LANGUAGE_CODE`` without it.

The catalogs are remade with scripts/messages.sh (extraction, then compilation); these tests
fail with the entries left to translate. They need GNU gettext (xgettext, msgmerge, msgfmt).
"""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.template.base import Lexer, TokenType
from django.test import override_settings

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIRS = [ROOT / "queues" / "templates", ROOT / "templates"]
LANGUAGES = ["de", "es", "fr", "ja", "pt_BR"]
#: Each shipped catalog: (locale directory, domain).
CATALOGS = [
    (ROOT / "queues" / "locale", "django"),
    (ROOT / "queues" / "locale", "djangojs"),
    (ROOT / "board" / "locale", "django"),
]
PLURAL_FORMS = {
    "de": "nplurals=2; plural=(n != 1);",
    "es": "nplurals=3; plural=n == 1 ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2;",
    "fr": "nplurals=2; plural=(n > 1);",
    "ja": "nplurals=1; plural=0;",
    "pt_BR": "nplurals=2; plural=(n > 1);",
}
#: Attributes whose value people read (or hear).
READ_ATTRIBUTES = {
    "title",
    "aria-label",
    "placeholder",
    "alt",
    "data-confirm",
    "aria-description",
    "data-label",  # shown by the stylesheet (the job cards' captions)
}
#: Text that needs no translation: setting names, file formats, technical names.
ALLOWED_TEXT = re.compile(
    r"^(QUEUEBOARD(_[A-Z]+)*|[A-Z][A-Z0-9]*(_[A-Z0-9]+)+|JSON|UTC|ms|s|min|h|d|id"
    r"|[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)+)$"  # a Python dotted path (a task's import path)
)
LETTER = re.compile(r"[^\W\d_]")
TRANSLATE_BLOCKS = {"blocktranslate": "endblocktranslate", "blocktrans": "endblocktrans"}
SKIPPED_BLOCKS = {"comment": "endcomment", **TRANSLATE_BLOCKS}


def _require_gettext() -> None:
    missing = [tool for tool in ("xgettext", "msgmerge", "msgfmt") if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"GNU gettext is needed for the catalogs ({', '.join(missing)} missing)")


# --- (a) every template string is marked -------------------------------------------------


def skeleton(source: str) -> str:
    """The template's HTML without its tags and variables, and without what is translated
    (``{% translate %}`` disappears; ``{% blocktranslate %}`` blocks and comments too)."""
    parts: list[str] = []
    closing: str | None = None
    for token in Lexer(source).tokenize():
        if closing is not None:
            if token.token_type == TokenType.BLOCK and token.contents.split()[0] == closing:
                closing = None
            continue
        if token.token_type == TokenType.TEXT:
            parts.append(token.contents)
        elif token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0]
            closing = SKIPPED_BLOCKS.get(name)
    return "".join(parts)


def _needs_translation(text: str) -> bool:
    text = " ".join(text.split())
    return bool(LETTER.search(text)) and not ALLOWED_TEXT.match(text)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._code = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "code":
            self._code += 1
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value and _needs_translation(value):
                self.found.append(f"{tag}[{name}]: {value.strip()!r}")
        if tag == "input" and dict(attrs).get("type") in {"submit", "button"}:
            value = dict(attrs).get("value") or ""
            if _needs_translation(value):
                self.found.append(f"input[value]: {value.strip()!r}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "code" and self._code:
            self._code -= 1

    def handle_data(self, data: str) -> None:
        for line in data.split("\n"):
            if _needs_translation(line):
                self.found.append(repr(line.strip()))


def unmarked(source: str) -> list[str]:
    reader = _Reader()
    reader.feed(skeleton(source))
    reader.close()
    return reader.found


def templates() -> list[Path]:
    return sorted(p for d in TEMPLATE_DIRS for p in d.rglob("*.html"))


def test_the_checker_finds_unmarked_text_and_attributes() -> None:
    source = (
        '{% load i18n %}<h1>{% translate "Queues" %}</h1><p>Plain words</p>'
        '<a title="{{ x }}" aria-label="Open it">{{ y }}</a>'
        "{% blocktranslate %}Marked {{ y }}{% endblocktranslate %} &middot; / #"
        "<code>QUEUEBOARD_BACKENDS</code>{# a comment #}"
        "{% comment %}Not shown{% endcomment %}"
    )
    assert unmarked(source) == ["'Plain words'", "a[aria-label]: 'Open it'"]


def test_every_template_string_is_marked() -> None:
    problems = []
    for path in templates():
        for found in unmarked(path.read_text()):
            problems.append(f"{path.relative_to(ROOT)}: {found}")
    assert not problems, "Text not marked for translation:\n" + "\n".join(problems)


# --- (b) the shipped catalogs are complete --------------------------------------------------


@dataclass
class Entry:
    msgid: str
    context: str = ""
    plural: str = ""
    strings: list[str] = field(default_factory=list)
    fuzzy: bool = False
    obsolete: bool = False

    @property
    def name(self) -> str:
        return f"{self.context}\x04{self.msgid}" if self.context else self.msgid


_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unquote(line: str) -> str:
    """The text of a quoted .po line (``"a \\"b\\"\\n"`` is ``a "b"`` and a newline)."""
    quoted = line[line.index('"') + 1 : line.rindex('"')]
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], m[1]), quoted)


def read_po(path: Path) -> tuple[dict[str, str], list[Entry]]:
    """The header's fields and the entries of a .po file (a small reader: what the tests need)."""
    entries: list[Entry] = []
    current: Entry | None = None
    flags: set[str] = set()
    target: str | None = None
    fields: dict[str, Any] = {}

    def finish() -> None:
        nonlocal current
        if current is not None:
            entries.append(current)
        current = None

    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line:
            finish()
            flags = set()
            continue
        if line.startswith("#,"):
            flags |= {f.strip() for f in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        if current is None:
            current = Entry(msgid="", fuzzy="fuzzy" in flags, obsolete=obsolete)
        if line.startswith("msgctxt"):
            current.context, target = _unquote(line), "ctx"
        elif line.startswith("msgid_plural"):
            current.plural, target = _unquote(line), "plural"
        elif line.startswith("msgid"):
            current.msgid, target = _unquote(line), "id"
        elif line.startswith("msgstr"):
            current.strings.append(_unquote(line))
            target = "str"
        elif line.startswith('"'):
            text = _unquote(line)
            if target == "ctx":
                current.context += text
            elif target == "id":
                current.msgid += text
            elif target == "plural":
                current.plural += text
            elif target == "str":
                current.strings[-1] += text
    header = next((e for e in entries if e.msgid == "" and not e.context), None)
    if header is not None:
        for item in header.strings[0].split("\n"):
            if ":" in item:
                key, value = item.split(":", 1)
                fields[key.strip()] = value.strip()
        entries.remove(header)
    return fields, entries


def _problems(path: Path, language: str) -> list[str]:
    header, entries = read_po(path)
    found = []
    if header.get("Plural-Forms") != PLURAL_FORMS[language]:
        found.append(f"Plural-Forms is {header.get('Plural-Forms')!r}")
    for entry in entries:
        if entry.obsolete:
            continue
        if entry.fuzzy:
            found.append(f"fuzzy: {entry.name!r}")
        elif not entry.strings or not all(entry.strings):
            found.append(f"untranslated: {entry.name!r}")
        elif entry.plural and len(entry.strings) != int(PLURAL_FORMS[language][9]):
            found.append(f"wrong number of plural forms: {entry.name!r}")
    return found


def remade_catalogs(copy: Path, cut: tuple[Path, str] | None = None) -> Path:
    """A copy of the sources with its catalogs brought up to date by makemessages (as
    scripts/messages.sh does): a string missing from a catalog shows there as untranslated.
    ``cut``: (a catalog, a msgid) removed from the copy first (to test this test)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.mo", "vendor", "node_modules")
    for name in ("queues", "board", "templates"):
        shutil.copytree(ROOT / name, copy / name, ignore=ignore)
    if cut is not None:
        po, msgid = copy / cut[0].relative_to(ROOT), cut[1]
        text = po.read_text(encoding="utf-8")
        entry = re.compile(rf'\n(#[^\n]*\n)*msgid "{re.escape(msgid)}"\nmsgstr "[^"]*"\n')
        po.write_text(entry.sub("\n", text, count=1), encoding="utf-8")
        assert po.read_text(encoding="utf-8") != text
    options: dict[str, Any] = {
        "locale": LANGUAGES,
        "no_obsolete": True,
        "add_location": "file",
        "verbosity": 0,
    }
    with (
        pytest.MonkeyPatch.context() as patch,
        override_settings(LOCALE_PATHS=[copy / "board" / "locale"]),
    ):
        patch.chdir(copy)
        call_command("makemessages", domain="django", **options)
        patch.chdir(copy / "queues")
        call_command("makemessages", domain="djangojs", **options)
    return copy


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _require_gettext()
    return remade_catalogs(tmp_path_factory.mktemp("messages"))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("locale", "domain"), CATALOGS, ids=["queues", "queues-js", "board"])
def test_every_shipped_catalog_is_complete(
    extracted: Path, locale: Path, domain: str, language: str
) -> None:
    shipped = locale / language / "LC_MESSAGES" / f"{domain}.po"
    assert shipped.exists(), f"{shipped.relative_to(ROOT)} is missing: run scripts/messages.sh"
    assert not _problems(shipped, language), _problems(shipped, language)
    remade = extracted / shipped.relative_to(ROOT)
    problems = _problems(remade, language)
    assert not problems, (
        f"{shipped.relative_to(ROOT)} misses strings of the sources (run scripts/messages.sh "
        "and translate them):\n" + "\n".join(problems)
    )


def test_the_catalog_check_sees_a_missing_message(tmp_path: Path) -> None:
    """The check above fails when an entry is missing from a shipped catalog."""
    _require_gettext()
    shipped = ROOT / "queues" / "locale" / "de" / "LC_MESSAGES" / "django.po"
    copy = remade_catalogs(tmp_path, cut=(shipped, "Retry all"))
    problems = _problems(copy / shipped.relative_to(ROOT), "de")
    # untranslated, or fuzzy when msgmerge guesses from a similar entry: both fail the check
    assert {"untranslated: 'Retry all'", "fuzzy: 'Retry all'"} & set(problems), problems


# --- (c) the compiled catalogs follow the .po files -----------------------------------------


def _catalog(mo: Path) -> dict[Any, str]:
    with mo.open("rb") as handle:
        return dict(gettext.GNUTranslations(handle)._catalog)  # type: ignore[attr-defined]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("locale", "domain"), CATALOGS, ids=["queues", "queues-js", "board"])
def test_compiled_catalogs_are_up_to_date(
    tmp_path: Path, locale: Path, domain: str, language: str
) -> None:
    _require_gettext()
    po = locale / language / "LC_MESSAGES" / f"{domain}.po"
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo.relative_to(ROOT)} is missing: run scripts/messages.sh"
    fresh = tmp_path / "fresh.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(fresh), str(po)], check=True)
    assert _catalog(mo) == _catalog(fresh), (
        f"{mo.relative_to(ROOT)} is older than its .po: run scripts/messages.sh"
    )


# --- (d) the board speaks the request's language ------------------------------------------

QUEUE_PAGE = "/queue/tasks/languages/"


@pytest.fixture
def queue(tasks_backend: Any) -> str:
    """Queue "languages" of the Django Tasks backend, with one waiting job."""
    from tests import sample_tasks

    sample_tasks.add.using(queue_name="languages").enqueue(1, 2)
    return "languages"


PLAIN_MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
WITH_LOCALE = [
    *PLAIN_MIDDLEWARE[:1],
    "django.middleware.locale.LocaleMiddleware",
    *PLAIN_MIDDLEWARE[1:],
]


def _page(client: Any, path: str, language: str | None) -> str:
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    response = client.get(path, **headers)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.mark.parametrize(
    ("accept", "lang", "words"),
    [
        (None, "en", ["Queues", "Failed", "Job states"]),
        ("de-DE,de;q=0.9,en;q=0.5", "de", ["Warteschlangen", "Fehlgeschlagen", "Job-Status"]),
        ("es", "es", ["Colas", "Fallido", "Estados de los trabajos"]),
        ("fr-CA", "fr", ["Files", "Échoué", "États des tâches"]),
        ("ja", "ja", ["キュー", "失敗", "ジョブの状態"]),
        ("pt-BR,pt;q=0.8", "pt-br", ["Filas", "Com falha", "Estados dos jobs"]),
    ],
)
def test_the_standalone_board_speaks_the_browsers_language(
    staff_client: Any, queue: str, accept: str | None, lang: str, words: list[str]
) -> None:
    body = _page(staff_client, QUEUE_PAGE, accept)
    assert f'<html lang="{lang}"' in body
    for word in words:
        assert word in body, word


def test_a_browser_language_the_board_does_not_ship_gets_english(
    staff_client: Any, queue: str
) -> None:
    body = _page(staff_client, QUEUE_PAGE, "it-IT,it;q=0.9")
    assert '<html lang="en"' in body and "Job states" in body


@override_settings(MIDDLEWARE=WITH_LOCALE, ROOT_URLCONF="tests.urls_board_only")
def test_a_host_with_locale_middleware_decides_the_language(staff_client: Any, queue: str) -> None:
    body = _page(staff_client, "/ops/queues" + QUEUE_PAGE, "fr")
    assert '<html lang="fr"' in body and "États des tâches" in body


@pytest.mark.parametrize(
    ("code", "lang", "word"), [("ja", "ja", "ジョブの状態"), ("en-us", "en-us", "Job states")]
)
def test_a_host_without_locale_middleware_gets_its_language_code(
    staff_client: Any, queue: str, code: str, lang: str, word: str
) -> None:
    with override_settings(
        MIDDLEWARE=PLAIN_MIDDLEWARE, ROOT_URLCONF="tests.urls_board_only", LANGUAGE_CODE=code
    ):
        body = _page(staff_client, "/ops/queues" + QUEUE_PAGE, "de")
    assert f'<html lang="{lang}"' in body and word in body
    assert "Job-Status" not in body


def test_errors_on_pages_are_translated_and_the_api_stays_english(
    staff_client: Any, queue: str
) -> None:
    page = staff_client.get(QUEUE_PAGE + "?state=bogus", HTTP_ACCEPT_LANGUAGE="de")
    assert page.status_code == 400
    assert "Unbekannter Status" in page.content.decode()
    api = staff_client.get(
        "/api/queues/tasks/languages/jobs?state=bogus", HTTP_ACCEPT_LANGUAGE="de"
    )
    assert api.status_code == 400
    assert api.json()["error"]["message"].startswith("Unknown state 'bogus'")


def test_the_javascript_catalog_is_the_pages_language_and_kept_a_year(
    staff_client: Any, queue: str
) -> None:
    body = _page(staff_client, QUEUE_PAGE, "de")
    match = re.search(r'<script src="([^"]*/jsi18n/de\.js\?v=([0-9a-f]+))" defer>', body)
    assert match, "the page loads its language's catalog"
    assert body.index(match[1]) < body.index("queueboard.js"), "before the board's scripts"
    script = staff_client.get(match[1])
    assert script.status_code == 200
    assert script["Content-Type"].startswith("text/javascript")
    assert script["Cache-Control"] == "public, max-age=31536000, immutable"
    assert script["Content-Security-Policy"]
    text = script.content.decode()
    assert '"Copy": "Kopieren"' in text and "django.ngettext" in text
    # Another digest (a page from before the translations changed): fresh, revalidated.
    stale = staff_client.get(match[1].replace(match[2], "0" * 16))
    assert stale["Cache-Control"] == "public, no-cache" and stale.content == script.content
    again = staff_client.get(match[1], HTTP_IF_NONE_MATCH=script["ETag"])
    assert again.status_code == 304
    assert staff_client.get("/jsi18n/xx.js").status_code == 404


@pytest.mark.django_db
def test_the_javascript_catalog_needs_no_login(client: Any) -> None:
    script = client.get("/jsi18n/ja.js")
    assert script.status_code == 200
    assert '"Copy": "\\u30b3\\u30d4\\u30fc"' in script.content.decode()


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ([(b"accept-language", b"fr-CH, fr;q=0.9, en;q=0.8")], "fr"),
        ([(b"accept-language", b"pt-BR")], "pt-br"),
        ([(b"cookie", b"django_language=ja"), (b"accept-language", b"de")], "ja"),
        ([(b"accept-language", b"it")], "en"),
        ([], "en"),
    ],
)
def test_a_live_socket_speaks_its_pages_language(
    headers: list[tuple[bytes, bytes]], expected: str
) -> None:
    from queues.language import scope_language

    assert scope_language({"type": "websocket", "headers": headers}) == expected
    with override_settings(MIDDLEWARE=PLAIN_MIDDLEWARE, LANGUAGE_CODE="ja"):
        assert scope_language({"type": "websocket", "headers": headers}) == "ja"


#: Messages whose wording on the standalone board comes from Django's own catalogs (apps listed
#: before ``queues`` win, as Django documents) and reads right there too.
DJANGO_WORDING = {"Filter", "Save", "Remove", "Log out", "Search"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_board_shows_its_own_translations(language: str) -> None:
    """No installed app's catalog (the admin's "Empty" is an adjective) replaces one of ours
    with another meaning: such a message takes a context (``pgettext``) instead."""
    from django.utils import translation

    _, entries = read_po(ROOT / "queues" / "locale" / language / "LC_MESSAGES" / "django.po")
    replaced = []
    with translation.override(language.replace("_", "-").lower()):
        for entry in entries:
            if entry.obsolete or entry.plural or entry.msgid in DJANGO_WORDING:
                continue
            if entry.context:
                shown = translation.pgettext(entry.context, entry.msgid)
            else:
                shown = translation.gettext(entry.msgid)
            if shown != entry.strings[0]:
                replaced.append(f"{entry.name!r}: {shown!r} instead of {entry.strings[0]!r}")
    assert not replaced, replaced


def test_a_host_with_translations_off_gets_english_and_a_catalog(
    staff_client: Any, queue: str
) -> None:
    with override_settings(USE_I18N=False, LANGUAGE_CODE="en-us", MIDDLEWARE=PLAIN_MIDDLEWARE):
        body = _page(staff_client, QUEUE_PAGE, "de")
        assert '<html lang="en-us"' in body and "Job states" in body
        src = re.search(r'<script src="([^"]*/jsi18n/[^"]+)" defer>', body)
        assert src and staff_client.get(src[1]).status_code == 200
