"""The mapper keeps stored history loading: an event whose payload changed shape carries a
``class_version`` and upcasters bring stored states up to it, for the aggregates and the read
models alike; the library's compressor and cipher settings are honoured."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

import orjson
from eventsourcing.persistence import Cipher, StoredEvent
from eventsourcing.utils import Environment

from domain.application import GovRules, OrjsonPydanticMapper, plain_state
from domain.base import GovAggregate

AT = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


class Notebook(GovAggregate):
    """A test aggregate whose one event was renamed a field (text → note), then gained one."""

    TOPIC = "govrules-test:Notebook"
    COLLECTION: ClassVar[str] = "notebooks"

    class Event(GovAggregate.Event):
        pass

    class Created(Event, GovAggregate.Created):
        TOPIC = "govrules-test:NotebookCreated"

    class Noted(Event):
        TOPIC = "govrules-test:Noted"
        class_version: ClassVar[int] = 3
        note: str
        pages: int

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["note"] = state.pop("text")

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state["pages"] = 1

        def apply(self, book: Notebook) -> None:
            book.notes.append((self.note, self.pages))

    def __init__(self) -> None:
        self.notes: list[tuple[str, int]] = []


def notebook() -> Notebook:
    return Notebook._create(Notebook.Created, meta={}, timestamp=AT)  # type: ignore[attr-defined]


class KeyedXor(Cipher):
    """A stand-in cipher (the library's AES ciphers need a crypto package this project does
    not ship): enough to see the mapper call whatever CIPHER_TOPIC names, with its key."""

    def __init__(self, environment: Environment) -> None:
        self.key = environment["CIPHER_KEY"].encode()

    def _xor(self, data: bytes) -> bytes:
        return bytes(b ^ self.key[i % len(self.key)] for i, b in enumerate(data))

    def encrypt(self, plaintext: bytes) -> bytes:
        return self._xor(plaintext)

    def decrypt(self, ciphertext: bytes) -> bytes:
        return self._xor(ciphertext)


def stored(version: int, state: dict[str, Any], originator: uuid.UUID) -> StoredEvent:
    return StoredEvent(originator, version, "govrules-test:Noted", orjson.dumps(state))


def v1_state() -> dict[str, Any]:
    return {"text": "会议纪要", "meta": {}, "timestamp": AT.isoformat()}


def test_a_new_event_is_stored_with_its_class_version() -> None:
    app = GovRules(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    book = notebook()
    book.trigger_event(Notebook.Noted, note="一", pages=2, meta={}, timestamp=AT)
    (_, noted) = [app.mapper.to_stored_event(e) for e in book.collect_events()]

    assert orjson.loads(noted.state)["class_version"] == 3


def test_a_state_stored_by_an_older_class_version_is_upcast_on_loading() -> None:
    app = GovRules(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    event = app.mapper.to_domain_event(stored(2, v1_state(), uuid.uuid4()))

    assert isinstance(event, Notebook.Noted)
    assert (event.note, event.pages) == ("会议纪要", 1)


def test_read_models_see_the_upcast_payload_too() -> None:
    assert plain_state("govrules-test:Noted", orjson.dumps(v1_state()))["note"] == "会议纪要"
    v2 = {"note": "二", "class_version": 2, "meta": {}, "timestamp": AT.isoformat()}
    assert plain_state("govrules-test:Noted", orjson.dumps(v2))["pages"] == 1


def test_the_compressor_and_cipher_the_environment_names_are_used() -> None:
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.popo",
        "COMPRESSOR_TOPIC": "eventsourcing.compressor:ZlibCompressor",
        "CIPHER_TOPIC": f"{__name__}:KeyedXor",
        "CIPHER_KEY": "密钥-key",
    }
    app = GovRules(env=env)
    mapper = app.mapper
    assert isinstance(mapper, OrjsonPydanticMapper)
    book = notebook()
    book.trigger_event(Notebook.Noted, note="保密", pages=3, meta={}, timestamp=AT)
    stored_events = [mapper.to_stored_event(e) for e in book.collect_events()]

    assert all("保密".encode() not in s.state and b"note" not in s.state for s in stored_events)
    assert mapper.decode_state("govrules-test:Noted", stored_events[1].state)["note"] == "保密"
    saved = notebook()
    saved.trigger_event(Notebook.Noted, note="保密", pages=3, meta={}, timestamp=AT)
    app.save(saved)
    assert app.repository.get(saved.id).notes == [("保密", 3)]
