"""``pantau nlp feedback export``: relabels stored by the dashboard become a training file that the
training-data loader reads and a model can be fitted on."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from index.sqlite import SqliteStore
from nlp.baseline import Baseline
from nlp.datasets import read_labelled
from pantau.app.feedback import export, training_text
from pantau.article import Article, Feedback
from tests.test_cli import pantau

ROOT = Path(__file__).resolve().parents[1]
T0 = datetime(2025, 7, 15, tzinfo=UTC)
HEADLINES = [
    ("Banjir rendam ratusan rumah warga Samarinda", "negative"),
    ("Jalan tol Balikpapan Samarinda rusak parah, warga mengeluh", "negative"),
    ("Festival kuliner Balikpapan ramai dan sukses", "positive"),
    ("Pemkot Samarinda raih penghargaan pelayanan publik terbaik", "positive"),
    ("Rapat koordinasi anggaran digelar di kantor gubernur", "neutral"),
    ("Jadwal pelayanan kantor kecamatan pekan depan", "neutral"),
]


def _store(tmp_path: Path) -> SqliteStore:
    store = SqliteStore(f"sqlite:///{tmp_path / 'pantau.db'}")
    arts = [Article.create(url=f"https://kaltim.example.id/berita/{i}", title=title,
                           body=f"{title}. Laporan wartawan hari ini.\n\nParagraf kedua yang panjang.",
                           source="antara-kaltim", published_at=T0 + timedelta(hours=i), regions=("64.72",))
            for i, (title, _) in enumerate(HEADLINES)]
    arts.append(Article.create(url="https://kaltim.example.id/berita/x", title="Tidak pernah dilabel ulang",
                               body="Isi.", source="antara-kaltim", published_at=T0, regions=("64.72",)))
    assert store.upsert(arts).indexed == len(arts)
    for a, (_, label) in zip(arts, HEADLINES, strict=False):
        # An officer first clicks the wrong label, then corrects it: the later one must win.
        store.add_feedback(a.id, Feedback(field="sentiment", value="neutral", by="humas@x", at=T0))
        store.add_feedback(a.id, Feedback(field="sentiment", value=label, by="humas@x", at=T0 + timedelta(minutes=5)))
    store.add_feedback(arts[0].id, Feedback(field="topics", value="bencana", by="humas@x", at=T0))
    return store


def test_export_writes_the_latest_relabels_that_the_training_loader_reads(tmp_path: Path) -> None:
    with _store(tmp_path) as store:
        report = export(store, tmp_path / "relabels.tsv")
        first = store.get([store.search("banjir", None).hits[0].article.id])
        expected_text = training_text(next(iter(first.values())))
    assert report.exported == len(HEADLINES) and not report.skipped
    data = read_labelled(tmp_path / "relabels.tsv")
    assert not data.skipped
    assert sorted(zip(data.texts, data.labels, strict=True)) == sorted(
        (f"{title}. {title}. Laporan wartawan hari ini", label) for title, label in HEADLINES)
    assert expected_text in data.texts
    model = Baseline.fit(data.texts, data.labels)  # a real (tiny) training run on the exported file
    assert model.predict(data.texts) == data.labels


def test_cli_export_counts_topics_and_refuses_a_bad_field(tmp_path: Path) -> None:
    _store(tmp_path).close()
    env = {"PANTAU_STORE": f"sqlite:///{tmp_path / 'pantau.db'}", "PYTHONPATH": str(ROOT)}
    done = pantau("nlp", "feedback", "export", "sentimen.tsv", "--json", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["exported"] == 6 and out["labels"] == {"negative": 2, "positive": 2, "neutral": 2}
    topics = pantau("nlp", "feedback", "export", "topik.tsv", "--field", "topics", cwd=tmp_path, env=env)
    assert topics.returncode == 0, topics.stderr
    lines = [ln for ln in (tmp_path / "topik.tsv").read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    assert len(lines) == 1 and lines[0].endswith("\tbencana") and lines[0].startswith("Banjir rendam")
    bad = pantau("nlp", "feedback", "export", "x.tsv", "--field", "wilayah", cwd=tmp_path, env=env)
    assert bad.returncode == 2 and "--field must be one of sentiment, topics" in bad.stderr
    assert not (tmp_path / "x.tsv").exists()
