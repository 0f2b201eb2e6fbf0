# mypy: disable-error-code="arg-type"
# (django-stubs types path() views as sync; ours are async, which Django accepts.)
"""Routes of the latest view, obliterate and the board-wide actions, spliced into
``queues.urls``: the API's after the job routes and before the queue routes (a queue name takes
any path), the pages' likewise.
"""

from django.urls import URLPattern, path, re_path

from .views import board_actions, latest, obliterate

BOARD_ACTION = r"(?P<action>pause-all|resume-all|retry-failed)"

#: Board-wide routes: they name no queue (spliced with the API's).
board_urlpatterns: list[URLPattern] = [
    re_path(rf"^api/board/{BOARD_ACTION}$", board_actions.start_api, name="api-board-action"),
    path("api/board/runs/<str:run_id>", board_actions.run_api, name="api-board-run"),
    path(
        "api/board/runs/<str:run_id>/cancel",
        board_actions.run_cancel_api,
        name="api-board-run-cancel",
    ),
    re_path(rf"^board/{BOARD_ACTION}$", board_actions.confirm, name="board-action"),
    path("board/runs/<str:run_id>/", board_actions.run_page, name="board-run"),
    path("board/runs/<str:run_id>/cancel", board_actions.run_cancel, name="board-run-cancel"),
]

api_urlpatterns: list[URLPattern] = [
    *board_urlpatterns,
    path("api/queues/<str:alias>/<path:queue>/latest", latest.latest_api, name="api-queue-latest"),
    path(
        "api/queues/<str:alias>/<path:queue>/obliterate",
        obliterate.obliterate_api,
        name="api-queue-obliterate",
    ),
]

page_urlpatterns: list[URLPattern] = [
    path("queue/<str:alias>/<path:queue>/latest/", latest.latest_page, name="queue-latest"),
    path(
        "queue/<str:alias>/<path:queue>/obliterate",
        obliterate.obliterate_page,
        name="queue-obliterate",
    ),
]
