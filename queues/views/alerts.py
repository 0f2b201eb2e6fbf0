"""The Alerts page and ``GET api/alerts``: the rules with their state and history."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse

from ..alerts.board import alerts_board, board_to_dict
from .guards import board_api, board_page, render_page
from .json import SafeJsonResponse
from .methods import require_GET


@require_GET
@board_page
async def alerts_page(request: HttpRequest) -> HttpResponse:
    board = await sync_to_async(alerts_board)(request.user)
    return await render_page(request, "queues/alerts.html", {"board": board})


@require_GET
@board_api
async def alerts_api(request: HttpRequest) -> HttpResponse:
    board = await sync_to_async(alerts_board)(request.user)
    return SafeJsonResponse(board_to_dict(board))
