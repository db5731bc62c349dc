"""Synthetic Kaltim-like articles of realistic size for store benchmarks.

Titles are about 12 words and bodies about 400, drawn with a Zipf-like distribution from
Indonesian news vocabulary, with region names, sources, sentiment and a month of dates.
Deterministic for a given seed, so runs are comparable.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from pantau.article import Article, Sentiment, Topic

WORDS = """
yang di dan ini itu dengan untuk pada dari dalam akan tidak juga ke oleh sebagai telah bisa ada karena
mereka kami kita saat tahun hari warga pemerintah daerah kota kabupaten provinsi jalan banjir hujan
sungai air listrik harga pasar beras cabai minyak bahan bakar tambang batu bara sawit hutan lahan
kebakaran asap sekolah guru siswa rumah sakit dokter pasien vaksin pelayanan anggaran proyek
pembangunan jembatan bandara pelabuhan kapal tongkang kecelakaan polisi tersangka korupsi kejaksaan
pengadilan hakim vonis gubernur bupati wali wakil dewan rakyat perwakilan rapat paripurna peraturan
kebijakan program bantuan sosial masyarakat desa kelurahan kecamatan camat lurah investasi ekonomi
pertumbuhan inflasi ekspor impor produksi perusahaan pekerja buruh upah minimum pariwisata festival
budaya adat dayak kutai banjar bugis olahraga sepak bola stadion atlet pekan ibu kota nusantara otorita
infrastruktur tol bendungan irigasi pertanian nelayan ikan udang kebun karet kelapa pupuk subsidi
stunting gizi kesehatan puskesmas pendidikan beasiswa universitas mahasiswa penelitian lingkungan
sampah limbah pencemaran reklamasi izin usaha tambang ilegal penertiban operasi razia narkoba
keamanan ketertiban lalu lintas macet perbaikan rusak berlubang longsor genangan drainase pompa
pemadaman pln pdam distribusi antrean solar pertalite elpiji kenaikan penurunan meningkat menurun
mendukung menolak mengeluhkan meminta menyampaikan mengatakan menjelaskan menyebutkan menurut
kepala dinas badan bidang sekretaris staf petugas relawan tim evaluasi monitoring laporan data
""".split()  # noqa: SIM905 - a word list reads better as text
REGIONS = {
    "64.72": "Samarinda", "64.71": "Balikpapan", "64.74": "Bontang", "64.02": "Kutai Kartanegara",
    "64.08": "Kutai Timur", "64.07": "Kutai Barat", "64.03": "Berau", "64.01": "Paser",
    "64.09": "Penajam Paser Utara", "64.11": "Mahakam Ulu",
}
SOURCES = ["antara-kaltim", "tribun-kaltim", "kaltim-post", "niaga-asia", "inibalikpapan", "pupr-samarinda"]
TOPICS = ["pemerintahan", "ekonomi", "infrastruktur", "kesehatan", "pendidikan", "lingkungan", "bencana",
          "hukum & keamanan", "energi & tambang", "ikn"]
WEIGHTS = [1 / (rank + 1) for rank in range(len(WORDS))]
START = datetime(2025, 5, 1, tzinfo=UTC)


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choices(WORDS, weights=WEIGHTS, k=n))


def articles(n: int, seed: int = 7) -> Iterator[Article]:
    rng = random.Random(seed)
    codes = list(REGIONS)
    for i in range(n):
        code = rng.choice(codes)
        place = REGIONS[code]
        title = f"{_words(rng, 5).capitalize()} {place} {_words(rng, 6)}"
        paragraphs = [_words(rng, rng.randint(50, 90)) for _ in range(rng.randint(4, 7))]
        body = f"{place.upper()}, Pantau - " + "\n\n".join(paragraphs)
        label = rng.choices(["positive", "neutral", "negative", ""], weights=[3, 5, 3, 1])[0]
        published = START + timedelta(seconds=rng.randint(0, 90 * 86400))  # three monthly indices
        yield Article.create(
            url=f"https://{rng.choice(SOURCES)}.example.id/berita/{i}",
            title=title,
            body=body,
            source=rng.choice(SOURCES),
            published_at=published,
            crawled_at=published + timedelta(minutes=rng.randint(1, 90)),
            regions=(code,) if rng.random() < 0.9 else (code, "64"),
            sentiment=Sentiment(label=label, score=0.8, probs={label: 0.8}, model="bench") if label else None,
            nlp_status="scored" if label else "pending",
            topics=(Topic(label=rng.choice(TOPICS), score=0.7),),
            cluster_id=f"c{i // 3}" if rng.random() < 0.2 else "",
        )


QUERIES = ["banjir samarinda", "tambang batu bara", '"jalan rusak"', "harga cabai pasar", "korupsi -vonis",
           "bupati OR gubernur", "listrik pemadaman", "stunting", "ibu kota nusantara", "kebakaran lahan",
           "bandara", "investasi ekonomi pertumbuhan", "sekolah guru", "narkoba razia", "pupuk subsidi"]
