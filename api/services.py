"""The API's services: the composition root's ``System`` (``projections.bootstrap``) with what
only the HTTP process holds — its settings and the event feed of the live stream. In role
``all`` it also runs the read models' follower and the deadline ticker."""

from __future__ import annotations

from dataclasses import dataclass

from api.feed import LogFeed
from api.settings import Settings
from projections.bootstrap import System, bootstrap
from projections.store import EVENTS_TABLE


@dataclass
class Services(System):
    settings: Settings  # the API's, which extend the store's
    feed: LogFeed | None = None

    def close(self) -> None:
        if self.feed is not None:
            self.feed.stop()
        super().close()


def build_services(settings: Settings) -> Services:
    system = bootstrap(settings)
    services = Services(**vars(system), feed=LogFeed(system.conninfo, EVENTS_TABLE))
    if settings.role == "all":
        services.start_background()
    return services
