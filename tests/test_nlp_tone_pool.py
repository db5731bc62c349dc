"""The training pool for news tone never draws a labelled test text or a 2025 article, and is reproducible."""

from __future__ import annotations

import csv
from pathlib import Path

from nlp.prepare_tone_pool import draw_tone_pool

REPO = Path(__file__).resolve().parent.parent


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def _labelled_test_text() -> str:
    for line in (REPO / "tests" / "data" / "nlp" / "news_sentiment_test.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            return line.split("\t")[0]
    raise AssertionError("no labelled test text")


def _shared(tmp_path: Path) -> tuple[Path, str, str]:
    shared = tmp_path / "shared"
    held = _labelled_test_text()
    reserved_2025 = "Banjir Rendam Lima Kecamatan di Samarinda Sejak Subuh"
    titles = [f"Berita harian nomor {i} tentang kegiatan warga kota" for i in range(700)]
    titles += [f"Banjir besar melanda desa nomor {i} di tepi sungai" for i in range(400)]
    titles += [held, reserved_2025]
    _write_csv(shared / "click-id" / "clickbait.csv", ["title", "label"], [[t, "0"] for t in titles])
    _write_csv(shared / "news-topic-detik" / "headlines.csv", ["JUDUL", "KATEGORI"],
               [[f"Harga cabai naik lagi di pasar nomor {i}", "Ekonomi"] for i in range(60)])
    lead = "Samarinda - Dinas Pekerjaan Umum dan Penataan Ruang Kota Samarinda memperbaiki saluran drainase " \
           "di Jalan Pahlawan agar genangan cepat surut saat hujan deras."
    _write_csv(shared / "news-kaltim" / "pupr-samarinda.csv", ["title", "body", "date", "url", "source"],
               [["Perbaikan Drainase Jalan Pahlawan", f"{lead}\n\nDinas PUPR dapat diakses melalui:", "", "", ""]])
    _write_csv(shared / "news-kaltim" / "kaltimpost-snippets.csv", ["title", "body", "date", "url", "source"], [])
    (shared / "seed-antara-kaltim").mkdir(parents=True)
    (shared / "seed-antara-kaltim" / "article.txt").write_text(
        "Samarinda (ANTARA) -\nPemerintah Provinsi Kalimantan Timur memperkuat optimalisasi penggunaan platform "
        "media sosial bagi tenaga kehumasan dari sepuluh kabupaten dan kota.\n", encoding="utf-8")
    _write_csv(shared / "news-articles-2025" / "detik.csv", ["Title", "FullText"], [[reserved_2025, "isi"]])
    _write_csv(shared / "html" / "manifest.csv", ["file", "kind", "title"], [])
    return shared, held, reserved_2025


def test_pool_skips_labelled_and_2025_texts_and_keeps_kaltim_leads(tmp_path: Path) -> None:
    shared, held, reserved_2025 = _shared(tmp_path)
    rows = draw_tone_pool(shared, REPO, n_clickid=200, n_detik=20, n_per_cue=15)
    texts = [t for _, _, t in rows]
    assert held not in texts and reserved_2025 not in texts
    assert len(set(texts)) == len(texts) and len({i for i, _, _ in rows}) == len(rows)
    origins = [o for _, o, _ in rows]
    assert sum(o.endswith("cue:disaster") for o in origins) == 15  # "banjir" headlines beyond the random ones
    assert any(o.startswith("detik cue:prices") for o in origins)
    release = next(t for _, o, t in rows if o.startswith("news-kaltim/pupr-samarinda.csv"))
    assert release.startswith("Perbaikan Drainase Jalan Pahlawan. Samarinda - Dinas Pekerjaan Umum")
    assert "diakses" not in release  # the lead only, not the release's footer
    seed = next(t for _, o, t in rows if o == "seed-antara-kaltim/article.txt")
    assert seed.startswith("Samarinda (ANTARA) - Pemerintah Provinsi Kalimantan Timur")
    assert draw_tone_pool(shared, REPO, n_clickid=200, n_detik=20, n_per_cue=15) == rows
