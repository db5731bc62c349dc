"""Zero-downtime mapping change: reindex into v2 while searches keep answering."""

from __future__ import annotations

import json
import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from index.elastic import ElasticStore
from index.es_reindex import reindex
from index.es_templates import TEMPLATES_DIR
from index.store import StoreError
from tests.es_server import synthetic_articles

pytestmark = pytest.mark.es

N = 3_000


def _write_version(directory: Path, version: int) -> None:
    """A next mapping version: the same fields plus a keyword ``title.raw`` for exact-title lookups."""
    data = json.loads((TEMPLATES_DIR / "articles-v1.json").read_text())
    data["version"] = version
    data["template"]["mappings"]["_meta"]["pantau_mapping_version"] = version
    data["template"]["mappings"]["properties"]["title"]["fields"] = {
        "raw": {"type": "keyword", "ignore_above": 512}
    }
    (directory / f"articles-v{version}.json").write_text(json.dumps(data))


def test_reindex_swaps_the_alias_while_search_answers(es_store: ElasticStore, tmp_path: Path) -> None:
    shutil.copy(TEMPLATES_DIR / "articles-v1.json", tmp_path)
    shutil.copy(TEMPLATES_DIR / "crawls-v1.json", tmp_path)
    store = ElasticStore(es_store.url, prefix=es_store.names.prefix, refresh=True, templates_dir=tmp_path)
    articles = synthetic_articles(N, seed=21, body_words=40)
    assert store.upsert(articles).indexed == N
    old_indices = store.alias_indices()
    assert {(store.names.parse(i) or (0, ""))[0] for i in old_indices} == {1}
    _write_version(tmp_path, 2)

    reader = ElasticStore(es_store.url, prefix=es_store.names.prefix)
    seen: list[tuple[int, int]] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            try:
                seen.append((reader.search("").total, reader.search("banjir OR longsor").total))
            except BaseException as exc:  # recorded and asserted below
                errors.append(exc)

    expected_text = store.search("banjir OR longsor").total
    thread = threading.Thread(target=read)
    thread.start()
    try:
        report = reindex(store, 2)
    finally:
        done.set()
        thread.join()
        reader.close()

    assert errors == []
    assert len(seen) >= 5
    assert set(seen) == {(N, expected_text)}  # never empty, never doubled, at any moment
    assert (report.old_version, report.new_version, report.copied, report.rejected) == (1, 2, N, [])
    assert report.old_indices == old_indices
    new_indices = store.alias_indices()
    assert new_indices == [i.replace("-articles-v1-", "-articles-v2-") for i in old_indices]
    assert store.count() == N
    mapping = store.client.indices.get_mapping(index=new_indices[0]).body[new_indices[0]]["mappings"]
    assert mapping["properties"]["title"]["fields"]["raw"]["type"] == "keyword"
    assert mapping["dynamic"] == "strict"
    got = store.get([a.id for a in articles])
    assert {k: v.to_dict() for k, v in got.items()} == {a.id: a.to_dict() for a in articles}
    # The old indices stay (for a rollback) but are out of the alias and their template adds no alias.
    assert all(store.client.indices.exists(index=i) for i in old_indices)
    old_template = store.client.indices.get_index_template(name=store.names.template(1)).body
    assert "aliases" not in old_template["index_templates"][0]["index_template"]["template"]

    # Writers follow the alias: a new month is created in v2 and joins the alias by template.
    later = articles[0].replace(published_at=datetime(2026, 1, 5, tzinfo=UTC))
    assert store.upsert([later]).indexed == 1
    assert f"{store.names.prefix}-articles-v2-2026.01" in store.alias_indices()
    assert store.count() == N
    with pytest.raises(StoreError, match="already serves"):
        reindex(store, 2)

    # The next version, this time dropping the previous indices.
    _write_version(tmp_path, 3)
    report3 = reindex(store, 3, delete_old=True)
    assert report3.deleted_old and report3.copied == N
    assert not any(store.client.indices.exists(index=i) for i in new_indices)
    assert store.count() == N
    store.close()
