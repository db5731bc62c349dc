"""Region tagger: the hard cases a Kaltim PR office meets every day."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from pantau import regions
from pantau.regions import build_aliases, gazetteer, read_alias_table, tagger


def codes(text: str, title: str = "") -> list[str]:
    return sorted(m.code for m in tagger().tag(text, title=title))


def test_gazetteer_has_every_province_and_regency() -> None:
    gaz = gazetteer()
    assert sum(r.level == "province" for r in gaz.regions) == 38
    assert sum(r.level != "province" for r in gaz.regions) == 514
    assert [r.display for r in gaz.children("64")] == [
        "Kabupaten Paser", "Kabupaten Kutai Kartanegara", "Kabupaten Berau", "Kabupaten Kutai Barat",
        "Kabupaten Kutai Timur", "Kabupaten Penajam Paser Utara", "Kabupaten Mahakam Ulu", "Kota Balikpapan",
        "Kota Samarinda", "Kota Bontang",
    ]
    assert gaz.ancestors("64.72") == ["64", "64.72"]


def test_alias_table_codes_and_names_are_consistent() -> None:
    gaz = gazetteer()
    for row in read_alias_table():
        if row["code"]:
            assert row["code"] in gaz.by_code, row
        if row["kind"] == "name" and row["rule"]:
            region = gaz.by_code[row["code"]]
            assert regions._key(row["alias"]) == regions._key(region.name), row
    assert len(build_aliases(gaz)) > 2000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "Paser" inside "Penajam Paser Utara" is not Kabupaten Paser.
        ("Pemkab Penajam Paser Utara menyiapkan lahan", ["64.09"]),
        ("Warga Penajam Paser Utara dan Paser antre BBM", ["64.01", "64.09"]),
        ("Bupati Paser meninjau Tanah Grogot", ["64.01"]),
        # Sungai Mahakam is a river, not Mahakam Ulu.
        ("Kapal tongkang menabrak jembatan di Sungai Mahakam", []),
        ("Banjir di Mahakam Ulu, air Sungai Mahakam meluap", ["64.11"]),
        # batu bara is coal; Tanjung Batu is a village.
        ("Ekspor batu bara dari Kaltim turun", ["64"]),
        ("Harga Batu Bara Acuan naik", []),
        ("Nelayan Tanjung Batu mengeluh", []),
        ("Wisata Kota Batu ramai saat libur", ["35.79"]),
        ("Liburan ke Batu, Jawa Timur", ["35", "35.79"]),
        # nasib malang is misfortune.
        ("Nasib malang menimpa pengendara motor itu", []),
        ("Nasib Malang Bocah Terseret Arus", []),
        ("Arema bertanding di Malang", ["35.73"]),
        ("Bupati Malang dan Wali Kota Malang bertemu", ["35.07", "35.73"]),
        # A bare Kutai is ambiguous between three regencies.
        ("Kerajaan Kutai adalah kerajaan Hindu tertua", []),
        ("Jalan poros Kutai Barat - Mahulu rusak", ["64.07", "64.11"]),
        ("Kukar, Kutim dan Kubar raih penghargaan", ["64.02", "64.07", "64.08"]),
        ("PPU siap jadi penyangga IKN", ["64.09"]),
        # Datelines.
        ("SAMARINDA, KOMPAS.com - Hujan deras sejak pagi", ["64.72"]),
        ("BALIKPAPAN, KOMPAS.com-Sebuah kapal terbakar", ["64.71"]),
        ("Jakarta, CNN Indonesia -- Pemerintah mengumumkan", ["31"]),
        ("Samarinda (ANTARA) - Pemprov Kaltim menggelar rapat", ["64", "64.72"]),
        ("BATU, KOMPAS.com - Apel pagi digelar", ["35.79"]),
        # A title-case clause before a comma and a hyphen is no dateline (Perdana and Minta are Kaltim
        # kecamatan): a dateline's place is one name.
        ("Tampil Perdana Usai Cedera, Pembalap Itu Finis Ke-8", []),
        ("Pejabat Minta Mobil Baru, Gara-gara Mobil Lama Mogok", []),
        # Case and punctuation.
        ("BANJIR MELANDA KOTA SAMARINDA", ["64.72"]),
        ("kab. kutai kartanegara", ["64.02"]),
        ("Kab.Berau;Kota Bontang.", ["64.03", "64.74"]),
        ("Pemkot Samarinda: jalan ditutup", ["64.72"]),
        ("warga samarinda-balikpapan", ["64.71", "64.72"]),
        # No substring matches.
        ("Kaltimprov.go.id merilis data", []),
        ("Samarindaku bersih", []),
        ("Medan magnet bumi berubah", []),
        ("Harga cabai di Medan naik", ["12.71"]),
        ("Roh Kudus turun", []),
        ("Kapal melintas Selat Malaka", []),
        ("Hakim ketok palu vonis", []),
        ("Kampung Tenggarong Seberang", ["64.02"]),
        # Words glued where markup stood between them.
        ("Bayi dua tahun diNgawi, Jawa Timur meninggal", ["35", "35.21"]),
        ("Aksi #SurabayaMenggugat dimulai", ["35.78"]),
        ("Gubernur Jawa BaratDedi Mulyadi", ["32"]),
        # A common-word name in a list of places, or closing a facility's name, is the place.
        ("15 Tempat Wisata di Malang dan Batu", ["35.73", "35.79"]),
        ("Gempa terasa hingga Jogja, Solo, dan Bali", ["33.72", "34", "51"]),
        ("Tur ke Semarang , Solo , Tegal , Salatiga", ["33.72", "33.73", "33.74", "33.76"]),
        ("Delegasi FIFA Inspeksi Stadion Manahan Solo", ["33.72"]),
        ("Investor Lirik Kawasan Industri Batang", ["33.25"]),
        ("laga digelar di stadion manahan , solo , jawa tengah", ["33", "33.72"]),
        # ... but not a stone, a singer, a people, or the end of another place's name.
        ("Harga Batu dan Pasir Naik", []),
        ("Penyanyi itu merilis album Solo dan single baru", []),
        ("Di Pasar Batu Akik ramai pembeli", []),
        ("Penduduknya suku Jawa , Batak dan sebagian Banjar dan Banten .", ["36"]),
        ("di Kecamatan Bukit Batu , Kabupaten Bengkalis , Riau", ["14", "14.03"]),
        ("Kecamatan Pulau - pulau Batu , Kabupaten Nias Selatan", ["12.14"]),
        # Both forms at once; a former name with its form is one name.
        ("Hujan di Kota dan Kabupaten Bogor", ["32.01", "32.71"]),
        ("Pemkab dan Pemkot Bekasi sepakat", ["32.16", "32.75"]),
        ("Pembentukan Kabupaten Toba Samosir", ["12.12"]),
        # A kelurahan with a distinctive name and a compass word, after its locator.
        ("Kolam Retensi di Kelurahan Sempaja Timur Akan Dibangun", ["64.72"]),
        ("Warga Kelurahan Sumber Rejo mengeluh", []),
        # A kecamatan typed in lower case by a resident after "warga" or "masyarakat".
        ("Aduan masyarakat palaran lewat @infopalaran", ["64.72"]),
        # Two-word kecamatan written as one word; a kelurahan named after its own town.
        ("Kapal tenggelam di perairan Marangkayu", ["64.02"]),
        ("Jalan di Sangasanga rusak", ["64.02"]),
        ("Website : https://pupr.samarindakota.go.id/", []),
        ("Bontang Kuala dipadati wisatawan", ["64.74"]),
        # A regency's name as a village or kecamatan elsewhere, a saint, a mountain, a dish, an officer.
        ("Masjid terbesar di Desa Kendal berada di Dusun Jeruk", []),
        ("di pinggiran kecamatan padang ulak tanding , kabupaten rejang lebong", ["17.02"]),
        ("Buka Luwur Sunan Kudus, Ribuan Paket Nasi Dibagikan", []),
        ("Ini Penampakan Gunung Padang Versi AI", []),
        ("rendang ada di setiap restoran padang dan masakan khas padang lainnya", []),
        ("saya ini pati ( perwira tinggi ) masih aktif", []),
        ("perahu berlayar dari pelabuhan ratu , pesisir selatan jawa barat", ["32", "32.02"]),
        ("Kerusuhan Di Wamena Papua", ["91", "95.01"]),
        ("Ia belajar di Pesantren Mojosari Nganjuk", ["35.18"]),
        ("Bandar Udara Sentani Jayapura", ["91.03", "91.71"]),
        # A common-word name vouched for by its context: an address, a candidate, a facility in a headline.
        ("sang dalang tinggal di desa Dampyak , Kramat , Tegal .", ["33.76"]),
        ("Purnomo-Teguh Daftar Cawalkot Solo", ["33.72"]),
        ("Bandara Solo Segera Buka Rute Baru ke Kuala Lumpur", ["33.72"]),
        ("pria kelahiran solo , 1 oktober 1987", ["33.72"]),
        # Regency abbreviations and short island names; two-word names written as one; candidates' forms.
        ("Pemkab Bolsel Hadiri Rakernas", ["71.11"]),
        ("Sungai Berbatu di Tarean, Sergai", ["12.18"]),
        ("Diduga Pasok Sabu di Anambas, Adik Wali Kota Tanjungpinang Ditangkap", ["21.05", "21.72"]),
        ("Sahrul Gunawan Siap Kalah atau Menang di Pilbup Bandung", ["32.04"]),
        # Social handles and hashtags.
        ("Lembaga P3SM (@p3smandiri, @p3smkaltim) hadir", ["64"]),
        ("Banjir lagi #samarindabanjir", ["64.72"]),
        ("Sate #banteng enak", []),
        # A street or a toll road between two towns names neither (GUIDELINES.md, convention 5).
        ("Tabrakan di Jalan Medan-Pematangsiantar", []),
        ("Kecelakaan di Tol Pejagan-Pemalang", []),
        # A common-word name running into another name; a brand.
        ("yang sekarang lebih dikenal dengan Padang Khincang", []),
        ("Mahasiswa di Malang Dukung KPK", ["35.73"]),
        ("Sosok di Balik MR. DIY yang Bakal IPO", []),
        # A Kaltim kelurahan after "warga" or "di" when its name is no ordinary phrase; not "di Bandara".
        ("Warga Sungai Keledang keluhkan jalan berlubang", ["64.72"]),
        ("Harga pupuk di Babulu Darat naik terus", ["64.09"]),
        ("Gojek Resmi Beroperasi di Bandara Soekarno-Hatta", []),
        ("Muara Jawa Ulu jadi lokasi pilot project", ["64.02"]),
        ("Pemdes Senipah, Tanjung Harapan, membangun tambatan perahu", ["64.01"]),
        # A capital that is also a Kaltim kelurahan follows the places around it; a capital as a given name.
        ("Ratusan warga Manggar dan Lamaru, Balikpapan Timur, ikut senam", ["64.71"]),
        ("Banjir di Manggar, Belitung Timur", ["19.06"]),
        ("mesra dengan kekasihnya, Anggi Pratama.", []),
        # Officers counted, Jakarta's Manggarai and PNG are not regencies; a school with its number is.
        ("Panglima TNI Mutasi 117 Pati, Komandan Diganti", []),
        ("KRL Ada Gangguan, Penumpang Menumpuk di Stasiun Manggarai", []),
        ("Bupati Manggarai meresmikan pasar", ["53.10"]),
        ("komisi tinggi inggris untuk papua new guinea", []),
        ("Siswa SMKN 7 Medan Minta Keadilan", ["12.71"]),
        ("di Kabupaten Kepulauan Siau Tagulandang Biaro", ["71.09"]),
    ],
)
def test_hard_cases(text: str, expected: list[str]) -> None:
    assert codes(text) == expected


def test_evidence_says_which_alias_and_where() -> None:
    [match] = tagger().tag("Longsor di Kukar", title="Bencana")
    assert match.code == "64.02" and match.name == "Kabupaten Kutai Kartanegara"
    [ev] = match.evidence
    assert (ev.alias, ev.field, ev.start, ev.strength) == ("Kukar", "body", 11, "strong")
    [cap] = tagger().tag("Sangatta diguyur hujan")
    assert cap.code == "64.08" and cap.strength == "weak"
    [date] = tagger().tag("SAMARINDA, KOMPAS.com - x")
    assert date.evidence[0].field == "dateline"


def test_title_and_body_merge_evidence() -> None:
    [m] = tagger().tag("Banjir di Samarinda meluas", title="Samarinda Siaga")
    assert [e.field for e in m.evidence] == ["title", "body"]


def test_watch_terms_tag_regions() -> None:
    t = regions.tagger({"64.72": ["Andi Harun"], "64": ["Rudy Mas'ud"]})
    assert sorted(m.code for m in t.tag("Andi Harun dan Rudy Mas'ud meninjau banjir")) == ["64", "64.72"]
    with pytest.raises(ValueError, match="99"):
        regions.tagger({"99": ["x"]})


def test_every_kaltim_unit_is_found_by_name_and_form() -> None:
    gaz = gazetteer()
    for r in [gaz.by_code["64"], *gaz.children("64")]:
        assert codes(f"Berita dari {r.name} hari ini") == [r.code], r.name
        assert codes(f"Berita dari {r.display.upper()} hari ini") == [r.code], r.display


GOLD_DIR = Path(__file__).parent / "data" / "regions"


def read_gold(name: str) -> list[dict[str, object]]:
    import json

    path = GOLD_DIR / f"{name}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def score(items: list[dict[str, object]]) -> tuple[float, float, int, list[str]]:
    tp = fp = fn = 0
    misses: list[str] = []
    for item in items:
        gold = {str(c) for c in item["codes"]}  # type: ignore[attr-defined]
        got = set(codes(str(item["text"])))
        tp += len(gold & got)
        fp += len(got - gold)
        fn += len(gold - got)
        if gold != got:
            misses.append(f"{item['id']}: gold={sorted(gold)} got={sorted(got)} :: {str(item['text'])[:120]}")
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, tp, misses


@pytest.mark.parametrize("name", ["labelled", "heldout", "round2", "round3", "round4", "round5", "round6"])
def test_labelled_set_precision_and_recall(name: str) -> None:
    """Seven hand-labelled sets of real sentences (see tests/data/regions/GUIDELINES.md and SOURCE.md)."""
    items = read_gold(name)
    assert len(items) >= 150
    assert sum(1 for i in items if i["codes"]) >= 100
    precision, recall, tp, misses = score(items)
    print(f"region tagger on {len(items)} {name} sentences: precision={precision:.3f} recall={recall:.3f} "
          f"true_positives={tp}")
    print("\n".join(misses))
    assert precision >= 0.97, misses
    assert recall >= 0.95, misses


def test_gazetteer_files_carry_attribution() -> None:
    source = (Path(regions.__file__).parent / "data" / "SOURCE.md").read_text(encoding="utf-8")
    assert "MIT" in source and "Kepmendagri" in source
    with (Path(regions.__file__).parent / "data" / "regencies.csv").open(encoding="utf-8") as f:
        assert sum(1 for _ in csv.DictReader(f)) == 514


def test_a_kecamatan_tags_its_regency_and_search_finds_it_by_kecamatan(tmp_path: Path) -> None:
    import json

    from tests.test_cli import pantau

    [m] = tagger().tag("Warga Sepaku mengeluhkan air bersih")
    assert m.code == "64.09" and [e.code for e in m.evidence] == ["64.09.04"]
    assert regions.article_codes([m]) == ("64.09", "64.09.04")
    assert codes("Sambutan hangat warga untuk tamu") == []  # a speech, not Kecamatan Sambutan
    assert codes("di kota bangun , marelan , dan simpang kantor medan") == ["12.71"]
    lines = [
        {"url": "https://kaltim.example/1", "title": "Air bersih", "body": "Warga Sepaku mengeluhkan air bersih.",
         "source": "antara-kaltim", "published_at": "2025-07-01T09:00:00+08:00"},
        {"url": "https://kaltim.example/2", "title": "Banjir", "body": "Banjir di Penajam Paser Utara.",
         "source": "antara-kaltim", "published_at": "2025-07-01T10:00:00+08:00"},
    ]
    path = tmp_path / "a.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    env = {"PANTAU_STORE": f"sqlite:///{tmp_path / 'db.sqlite'}"}
    assert pantau("index", "load", str(path), cwd=tmp_path, env=env).returncode == 0
    sepaku = json.loads(pantau("search", "--region", "64.09.04", "--json", cwd=tmp_path, env=env).stdout)
    assert [h["url"] for h in sepaku["hits"]] == ["https://kaltim.example/1"]
    ppu = json.loads(pantau("search", "--region", "64.09", "--json", cwd=tmp_path, env=env).stdout)
    assert ppu["total"] == 2
