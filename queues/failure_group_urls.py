"""The failure groups' routes, spliced into ``queues.urls`` after the job routes (a job may
be called "failure-groups") and before the queue routes (whose queue name takes any path)."""

from django.urls import URLPattern, path, register_converter

from .views import failure_groups_api, failure_groups_pages


class GroupActionConverter:
    regex = "retry|remove"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class GroupKeyConverter:
    regex = "[0-9a-f]{12}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(GroupActionConverter, "qb_group_action")
register_converter(GroupKeyConverter, "qb_group_key")

GROUPS = "<str:alias>/<path:queue>/failure-groups"
GROUP = f"{GROUPS}/<qb_group_key:key>/<qb_group_action:action>"

api_urlpatterns: list[URLPattern] = [
    path(f"api/queues/{GROUP}", failure_groups_api.group_run, name="api-failure-group-action"),
    path(f"api/queues/{GROUPS}", failure_groups_api.queue_groups, name="api-failure-groups"),
]

page_urlpatterns: list[URLPattern] = [
    path("failures/", failure_groups_pages.all_failures, name="failures"),
    path(f"queue/{GROUP}", failure_groups_pages.group_run, name="failure-group-action"),
    path(f"queue/{GROUPS}/", failure_groups_pages.queue_groups, name="failure-groups"),
]
