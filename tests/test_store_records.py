"""The records part of the Store contract (alert state, email outbox, digest markers), on every backend.

Alerts rely on three properties pinned here: ``create_only`` never overwrites (so a
restarted process cannot resend mail), a rejected call writes nothing, and a write is
readable as soon as it returns.
"""

from __future__ import annotations

import math
import socket
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from index import Store
from index.elastic import ElasticStore, ElasticUnavailable, record_doc_id
from index.sqlite import SqliteStore

MAIL_A = {"to": ["humas@kaltim.example.id"], "subject": "Banjir di Samarinda", "status": "pending", "attempts": 0}
MAIL_B = {"to": ["kominfo@kaltim.example.id"], "subject": "Longsor", "status": "pending", "attempts": 0}
SENT_A = {**MAIL_A, "status": "sent", "attempts": 1, "sent_at": "2025-07-01T08:00:00+00:00"}


def test_round_trip_keeps_documents_and_orders_by_id(store: Store) -> None:
    nested = {"rule": "banjir", "window": {"from": "2025-07-01", "hits": [1, 2.5, None, True]},
              "teks": "Wali kota menjawab “banjir”", "status": "open"}
    written = store.put_records("alert_state", {"zeta": MAIL_B, "alpha": nested, "mid": {}})
    assert written == ["zeta", "alpha", "mid"]  # input order
    got = store.get_records("alert_state")
    assert list(got) == ["alpha", "mid", "zeta"]  # id order
    assert got == {"alpha": nested, "mid": {}, "zeta": MAIL_B}
    assert "updated_at" not in got["alpha"]  # kept beside the document, not in it


def test_order_is_code_point_order_on_every_backend(store: Store) -> None:
    ids = ["b", "B", "a", "é", "Z", "10", "9", "a b", "a|b", "Ω"]
    assert store.put_records("digest", {i: {"n": n} for n, i in enumerate(ids)}) == ids
    assert list(store.get_records("digest")) == sorted(ids)
    assert list(store.get_records("digest", ids=list(reversed(ids)))) == sorted(ids)


def test_tuples_read_back_as_lists(store: Store) -> None:
    store.put_records("digest", {"d1": {"regions": ("64", "64.72")}})
    assert store.get_records("digest") == {"d1": {"regions": ["64", "64.72"]}}


def test_put_replaces_the_whole_document(store: Store) -> None:
    store.put_records("outbox", {"m1": MAIL_A})
    assert store.put_records("outbox", {"m1": {"subject": "Koreksi"}}) == ["m1"]
    assert store.get_records("outbox") == {"m1": {"subject": "Koreksi"}}  # no key of the old doc survives
    assert store.get_records("outbox", status="pending") == {}  # nor its status


def test_create_only_leaves_existing_ids_untouched(store: Store) -> None:
    store.put_records("outbox", {"m1": MAIL_A})
    store.put_records("outbox", {"m1": SENT_A})  # the sender marks it sent
    # A restarted process queues the same mails again: only the new one gets in.
    assert store.put_records("outbox", {"m1": MAIL_A, "m2": MAIL_B}, create_only=True) == ["m2"]
    assert store.get_records("outbox") == {"m1": SENT_A, "m2": MAIL_B}
    assert store.get_records("outbox", status="pending") == {"m2": MAIL_B}
    # And once more: nothing is new, nothing changes.
    assert store.put_records("outbox", {"m2": SENT_A, "m1": MAIL_A}, create_only=True) == []
    assert store.get_records("outbox") == {"m1": SENT_A, "m2": MAIL_B}


def test_create_only_on_an_empty_kind_writes_everything(store: Store) -> None:
    assert store.put_records("outbox", {"m2": MAIL_B, "m1": MAIL_A}, create_only=True) == ["m2", "m1"]
    assert store.get_records("outbox") == {"m1": MAIL_A, "m2": MAIL_B}


def test_status_filter(store: Store) -> None:
    store.put_records("outbox", {
        "m1": MAIL_A, "m2": SENT_A, "m3": {"subject": "tanpa status"}, "m4": {**MAIL_B, "status": ""},
        "m5": {"status": "Pending"}, "m6": {"meta": {"status": "pending"}},  # only the top level counts
    })
    assert list(store.get_records("outbox", status="pending")) == ["m1"]
    assert list(store.get_records("outbox", status="sent")) == ["m2"]
    assert list(store.get_records("outbox", status="")) == ["m4"]
    assert list(store.get_records("outbox", status="Pending")) == ["m5"]  # exact, case-sensitive
    assert store.get_records("outbox", status="failed") == {}
    assert len(store.get_records("outbox")) == 6


def test_ids_filter(store: Store) -> None:
    store.put_records("outbox", {"m1": MAIL_A, "m2": SENT_A, "m3": MAIL_B})
    assert store.get_records("outbox", ids=["m3", "nope", "m1", "m3"]) == {"m1": MAIL_A, "m3": MAIL_B}
    assert store.get_records("outbox", ids=["m2", "m3"], status="pending") == {"m3": MAIL_B}
    assert store.get_records("outbox", ids=[]) == {}
    assert store.get_records("outbox", ids=("nope",)) == {}


def test_ids_filter_with_many_ids(store: Store) -> None:
    """More ids than one SQL ``IN`` list or one Elasticsearch ``terms`` chunk holds."""
    store.put_records("alert_state", {f"r{i:05d}": {"n": i} for i in range(1200)})
    wanted = [f"r{i:05d}" for i in range(0, 2400, 2)]  # half of them do not exist
    got = store.get_records("alert_state", ids=wanted)
    assert list(got) == [f"r{i:05d}" for i in range(0, 1200, 2)]
    assert all(doc == {"n": int(rid[1:])} for rid, doc in got.items())


def test_kinds_are_separate(store: Store) -> None:
    store.put_records("outbox", {"x": MAIL_A})
    store.put_records("alert_state", {"x": {"status": "pending", "last_hit": 3}})
    assert store.get_records("outbox") == {"x": MAIL_A}
    assert store.get_records("alert_state") == {"x": {"status": "pending", "last_hit": 3}}
    assert store.get_records("digest") == {}
    # create_only in one kind does not see ids of another
    assert store.put_records("digest", {"x": {"day": "2025-07-01"}}, create_only=True) == ["x"]
    assert store.get_records("outbox", status="pending") == {"x": MAIL_A}
    assert list(store.get_records("alert_state", ids=["x"])) == ["x"]


@pytest.mark.parametrize("kind", ["", "Outbox", "1outbox", "_outbox", "out-box", "out|box", "out box", "a" * 32,
                                  "outbox\n", None, 7])
def test_bad_kind_raises(store: Store, kind: Any) -> None:
    with pytest.raises(ValueError, match="record kind"):
        store.put_records(kind, {"m1": MAIL_A})
    with pytest.raises(ValueError, match="record kind"):
        store.get_records(kind)


def test_longest_kind_is_accepted(store: Store) -> None:
    kind = "k" + "0123456789" * 3
    assert len(kind) == 31
    assert store.put_records(kind, {"m1": MAIL_A}) == ["m1"]
    assert store.get_records(kind) == {"m1": MAIL_A}


@pytest.mark.parametrize("bad_id", ["", "x" * 513, 17, None, "\ud800"])
def test_bad_id_raises_and_writes_nothing(store: Store, bad_id: Any) -> None:
    with pytest.raises(ValueError, match="record id"):
        store.put_records("outbox", {"m1": MAIL_A, bad_id: MAIL_B, "m3": MAIL_B})
    assert store.get_records("outbox") == {}
    with pytest.raises(ValueError, match="record id"):
        store.get_records("outbox", ids=["m1", bad_id])


def test_ids_filter_must_not_be_a_bare_string(store: Store) -> None:
    store.put_records("outbox", {"m": MAIL_A})
    with pytest.raises(ValueError, match="sequence"):
        store.get_records("outbox", ids="m")


def test_longest_ids_round_trip(store: Store) -> None:
    """512 characters is allowed, even where ``<kind>|<id>`` would pass Elasticsearch's 512-byte _id limit."""
    ascii_id, wide_id = "a" * 512, "é" * 512
    assert store.put_records("outbox", {ascii_id: MAIL_A, wide_id: MAIL_B}) == [ascii_id, wide_id]
    assert store.put_records("outbox", {ascii_id: SENT_A, wide_id: SENT_A}, create_only=True) == []
    assert store.get_records("outbox") == {ascii_id: MAIL_A, wide_id: MAIL_B}
    assert store.get_records("outbox", ids=[wide_id]) == {wide_id: MAIL_B}


@pytest.mark.parametrize("bad_doc", [
    pytest.param({"when": datetime(2025, 7, 1, tzinfo=UTC)}, id="datetime"),
    pytest.param({"score": math.nan}, id="nan"),
    pytest.param({"score": math.inf}, id="inf"),
    pytest.param({"tags": {"banjir"}}, id="set"),
    pytest.param({"raw": b"bytes"}, id="bytes"),
    pytest.param({1: "integer key"}, id="int-key"),
    pytest.param({"nested": {"deeper": [{"x": object()}]}}, id="nested-object"),
    pytest.param({"status": 3}, id="status-int"),
    pytest.param({"status": None}, id="status-none"),
    pytest.param({"status": "s" * 513}, id="status-too-long"),
    pytest.param({"text": "\udc80"}, id="lone-surrogate"),
    pytest.param(["not", "a", "mapping"], id="list"),
    pytest.param("not a mapping", id="str"),
])
def test_bad_document_raises_and_writes_nothing(store: Store, bad_doc: Any) -> None:
    store.put_records("outbox", {"m1": MAIL_A})
    with pytest.raises(ValueError, match="outbox/bad"):
        store.put_records("outbox", {"m1": SENT_A, "m2": MAIL_B, "bad": bad_doc})
    with pytest.raises(ValueError, match="outbox/bad"):
        store.put_records("outbox", {"m1": SENT_A, "bad": bad_doc}, create_only=True)
    assert store.get_records("outbox") == {"m1": MAIL_A}  # m1 not replaced, m2 not added


def test_circular_document_raises(store: Store) -> None:
    loop: dict[str, Any] = {"a": 1}
    loop["self"] = loop
    with pytest.raises(ValueError, match="outbox/bad"):
        store.put_records("outbox", {"ok": MAIL_A, "bad": loop})
    assert store.get_records("outbox") == {}


def test_bad_status_filter_raises(store: Store) -> None:
    with pytest.raises(ValueError, match="record status"):
        store.get_records("outbox", status=3)  # type: ignore[arg-type]


def test_empty_put_writes_nothing(store: Store) -> None:
    assert store.put_records("outbox", {}) == []
    assert store.put_records("outbox", {}, create_only=True) == []
    assert store.get_records("outbox") == {}


# -- SQLite: the file is the state ---------------------------------------------------------------------
def test_records_persist_across_reopening_sqlite(sqlite_url: str) -> None:
    first = SqliteStore(sqlite_url)
    first.put_records("outbox", {"m1": SENT_A, "m2": MAIL_B})
    first.close()
    reopened = SqliteStore(sqlite_url)
    try:
        assert reopened.get_records("outbox") == {"m1": SENT_A, "m2": MAIL_B}
        # the restart queues the same mails again: the sent one stays sent
        assert reopened.put_records("outbox", {"m1": MAIL_A, "m2": MAIL_B}, create_only=True) == []
        assert reopened.get_records("outbox", status="sent") == {"m1": SENT_A}
    finally:
        reopened.close()


def test_sqlite_file_from_before_records_is_upgraded(sqlite_url: str, tmp_path: Path) -> None:
    SqliteStore(sqlite_url).close()
    with sqlite3.connect(tmp_path / "pantau.db") as con:  # what an older Pantau left behind
        con.execute("DROP TABLE records")
    assert "records" not in {r[0] for r in sqlite3.connect(tmp_path / "pantau.db").execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    store = SqliteStore(sqlite_url)
    try:
        assert store.get_records("outbox") == {}
        assert store.put_records("outbox", {"m1": MAIL_A}) == ["m1"]
        assert store.get_records("outbox", status="pending") == {"m1": MAIL_A}
    finally:
        store.close()


def test_sqlite_stores_status_and_updated_at_beside_the_document(sqlite_url: str, tmp_path: Path) -> None:
    store = SqliteStore(sqlite_url)
    before = int(datetime.now(UTC).timestamp())
    store.put_records("outbox", {"m1": MAIL_A, "m3": {"subject": "tanpa status"}})
    store.close()
    with sqlite3.connect(tmp_path / "pantau.db") as con:
        rows = con.execute("SELECT id, status, updated_at FROM records WHERE kind = 'outbox' ORDER BY id").fetchall()
    assert [(r[0], r[1]) for r in rows] == [("m1", "pending"), ("m3", None)]
    assert all(before <= r[2] <= before + 60 for r in rows)


# -- Elasticsearch: one small index, always refreshed ------------------------------------------------------
@pytest.mark.es
def test_es_reads_its_own_writes_without_refresh_option(es_store: ElasticStore) -> None:
    """Records refresh on every write, even on a store built for bulk loads (``refresh=False``)."""
    plain = ElasticStore(es_store.url, prefix=es_store.names.prefix)
    try:
        assert not plain.refresh_writes
        assert plain.put_records("outbox", {"m1": MAIL_A}) == ["m1"]
        assert plain.get_records("outbox", status="pending") == {"m1": MAIL_A}
        assert plain.put_records("outbox", {"m1": SENT_A}) == ["m1"]
        assert plain.get_records("outbox", status="pending") == {}
        assert plain.put_records("outbox", {"m1": MAIL_A, "m2": MAIL_B}, create_only=True) == ["m2"]
        assert plain.get_records("outbox") == {"m1": SENT_A, "m2": MAIL_B}
    finally:
        plain.close()


@pytest.mark.es
def test_es_document_layout(es_store: ElasticStore) -> None:
    es_store.put_records("outbox", {"m1": MAIL_A, "m3": {"subject": "tanpa status"}})
    index = es_store.names.records
    assert index == f"{es_store.names.prefix}-records"
    doc = es_store.client.get(index=index, id="outbox|m1").body["_source"]
    assert {k: doc[k] for k in ("kind", "id", "status", "doc")} == {
        "kind": "outbox", "id": "m1", "status": "pending", "doc": MAIL_A}
    assert datetime.fromisoformat(doc["updated_at"]) <= datetime.now(UTC)
    assert "status" not in es_store.client.get(index=index, id="outbox|m3").body["_source"]
    mapping = es_store.client.indices.get_mapping(index=index).body[index]["mappings"]
    assert mapping["dynamic"] == "strict"
    assert mapping["properties"]["doc"] == {"type": "object", "enabled": False}
    assert record_doc_id("outbox", "x" * 512).startswith("outbox#")
    assert len(record_doc_id("outbox", "é" * 512).encode()) <= 512


@pytest.mark.es
def test_es_pages_past_one_search_window(es_store: ElasticStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("index.elastic.MAX_WINDOW", 7)  # stands in for 10 000 records
    es_store.put_records("alert_state", {f"r{i:03d}": {"n": i} for i in range(30)})
    assert list(es_store.get_records("alert_state")) == [f"r{i:03d}" for i in range(30)]
    assert len(es_store.get_records("alert_state", ids=[f"r{i:03d}" for i in range(0, 30, 3)])) == 10


@pytest.mark.es
def test_es_drop_deletes_the_records_index(es_store: ElasticStore) -> None:
    es_store.put_records("outbox", {"m1": MAIL_A})
    assert es_store.client.indices.exists(index=es_store.names.records)
    es_store.refresh()  # covers the records index without complaint
    es_store.drop()
    assert not es_store.client.indices.exists(index=es_store.names.records)
    assert es_store.get_records("outbox") == {}  # recreated lazily, empty


def test_es_unreachable_raises_store_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket closes
    store = ElasticStore(f"http://127.0.0.1:{port}", prefix="nobody", request_timeout=2)
    try:
        with pytest.raises(ElasticUnavailable, match="unreachable"):
            store.put_records("outbox", {"m1": MAIL_A})
        with pytest.raises(ElasticUnavailable, match="unreachable"):
            store.get_records("outbox")
    finally:
        store.close()
