#!/usr/bin/env bash
# Extract every marked string into the shipped catalogs and compile them:
#   queues/locale/<lang>/LC_MESSAGES/django.po, djangojs.po (the app: templates, Python, JS)
#   board/locale/<lang>/LC_MESSAGES/django.po (the standalone site: templates/, board/)
# then translate the new or changed entries (empty or "#, fuzzy" msgstr) and run it again, so
# that the .mo files follow. tests/test_translations.py fails while an entry is missing.
# Needs GNU gettext (xgettext, msgmerge, msgfmt): apt-get install gettext.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv-dj52/bin/python}"
[ -x "$PYTHON" ] || PYTHON="$(command -v python3)"
export DJANGO_SETTINGS_MODULE=tests.settings PYTHONPATH="$PWD"

LANGS=(de es fr ja pt_BR)
lang_args=()
for lang in "${LANGS[@]}"; do lang_args+=(-l "$lang"); done
ignore_args=()
for dir in tests bench docs scripts staticfiles build dist node_modules '*.egg-info' '*/vendor'; do
  ignore_args+=(--ignore "$dir")
done

# The board's own makemessages (board/management/commands) knows qbT and qbNT.
"$PYTHON" -m django makemessages "${lang_args[@]}" "${ignore_args[@]}" \
  --no-obsolete --add-location=file -d django
(cd queues && "../$PYTHON" -m django makemessages "${lang_args[@]}" --ignore '*/vendor' \
  --no-obsolete --add-location=file -d djangojs)
for dir in queues board; do
  (cd "$dir" && "../$PYTHON" -m django compilemessages --ignore '*/vendor')
done

# What is left to translate (the test reports the same): entries with an empty or fuzzy msgstr.
left=0
for po in queues/locale/*/LC_MESSAGES/*.po board/locale/*/LC_MESSAGES/*.po; do
  untranslated="$(msgattrib --untranslated "$po" | grep -c '^#: ' || true)"
  fuzzy="$(msgattrib --only-fuzzy "$po" | grep -c '^#: ' || true)"
  if [ "$untranslated" -gt 0 ] || [ "$fuzzy" -gt 0 ]; then
    echo "$po: $untranslated untranslated, $fuzzy fuzzy"
    left=1
  fi
done
[ "$left" -eq 1 ] || echo "Every catalog is complete."
