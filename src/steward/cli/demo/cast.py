"""The people of the demo, each acting through their own :class:`~steward.Client`.

With sign-in off (the embedded default) an actor is the name a client gives, so
the demo can act as a data scientist, two reviewers and an operator, and the
audit trail, approvals and separation of duties show who did what.
"""

from __future__ import annotations

from dataclasses import replace
from types import TracebackType
from typing import TYPE_CHECKING

from steward.core.errors import ConflictError

if TYPE_CHECKING:
    from steward.app import Steward
    from steward.sdk.client import Client
    from steward.settings import Settings

#: name -> (role, what they do in the story)
PEOPLE = {
    "dana": ("contributor", "data scientist: trains, registers, validates, asks for approval"),
    "rita": ("reviewer", "reviewer"),
    "sam": ("reviewer", "reviewer"),
    "omar": ("operator", "operator: moves aliases, deploys, watches production"),
}
SCIENTIST, REVIEWERS, OPERATOR = "dana", ("rita", "sam"), "omar"


class Cast:
    """``cast["dana"].register(...)``: a client acting as that person, opened on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._clients: dict[str, Client] = {}
        self._app: Steward | None = None

    def __getitem__(self, name: str) -> Client:
        from steward.sdk.client import Client

        client = self._clients.get(name)
        if client is None:
            client = self._clients[name] = Client(settings=replace(self.settings, actor=name))
        return client

    @property
    def app(self) -> Steward:
        """The services themselves, for what the client has no method for (actors passed per call)."""
        if self._app is None:
            from steward.app import Steward

            self._app = Steward.open(self.settings)
        return self._app

    @property
    def admin(self) -> Client:
        """The person running the demo (sets up users and the policy)."""
        return self[self.settings.actor]

    def enrol(self) -> list[str]:
        """Create the demo's users with their roles (those that exist already are left as they are)."""
        admin = self.admin
        existing = {p.name for p in admin.list_users()}
        created = []
        for name, (role, _) in PEOPLE.items():
            if name in existing:
                continue
            try:
                admin.create_user(name, role=role, model=None)
            except ConflictError:  # created meanwhile by someone else: the same outcome
                continue
            created.append(name)
        return created

    def close(self) -> None:
        while self._clients:
            _, client = self._clients.popitem()
            client.close()
        if self._app is not None:
            self._app.close()
            self._app = None

    def __enter__(self) -> Cast:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
