"""Pantau's CPU scoring engine for sentiment classifiers.

Three stages, as in ``transformers``' ``TextClassificationPipeline`` but built for throughput on a
few CPU cores:

1. **preprocess**: tokenise the whole pool once without padding, truncating at the model's
   length (``max_length``);
2. **forward**: sort the pool by token length, cut it into batches (``batch_size`` documents and at
   most ``max_tokens`` padded tokens), pad each batch only to its own longest document, and run
   the model under ``torch.inference_mode`` with an explicit thread count. The token budget
   matters as much as sorting: a batch of sixteen 512-token documents spills the attention
   scores out of cache and runs slower than one document at a time
   (``bench/nlp_throughput.py``);
   The forward pass runs on one of four backends (``BACKENDS``): ``torch`` (fp32 eager),
   ``torch-int8`` (every ``nn.Linear`` in int8 dynamic quantisation), ``onnx`` and ``onnx-int8``
   (the same graph exported to ONNX Runtime with transformer fusions, fp32 or int8 weights; see
   :mod:`nlp.onnx_runtime`). Int8 activations are quantised with one scale per batch, so a score
   can move in the fourth decimal with its batch neighbours. The scoring default is chosen in
   :mod:`nlp.service`;
3. **postprocess**: softmax, map class indices through the model's ``id2label``
   (:mod:`nlp.labels`) and restore input order. Output is always ``label``, ``score``, ``probs``.

Any ``AutoModelForSequenceClassification`` directory (or hub id, when the user allows it) goes
through the same path; the shipped default lives in ``nlp/models/sentiment-id-news-e5-distil`` (trained further
from ``nlp/models/sentiment-id-news``, its base, with a fine-tuned multilingual-e5-small as its teacher).
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer, PreTrainedTokenizerBase
from transformers.utils import logging as hf_logging

from nlp.batching import pad_batch, sorted_batches
from nlp.labels import LABELS, map_id2label

if TYPE_CHECKING:
    from nlp.onnx_runtime import OnnxArtifact, OnnxSession

log = logging.getLogger(__name__)

MODELS_DIR = Path(__file__).resolve().parent / "models"
DEFAULT_SENTIMENT_MODEL = MODELS_DIR / "sentiment-id-news-e5-distil"

BACKENDS = ("torch", "torch-int8", "onnx", "onnx-int8")
FP32_BACKEND = {"torch": "torch", "torch-int8": "torch", "onnx": "onnx", "onnx-int8": "onnx"}
DEFAULT_MAX_TOKENS = {"torch": 4096, "torch-int8": 4096, "onnx": 512, "onnx-int8": 512}
"""Padded tokens per batch. ONNX Runtime's attention keeps a whole batch's scores in one buffer, so
it wants small batches: on the shipped model (1 thread, 64-512-token documents, at most 16 documents a
batch) onnx-int8 ran 92.0 docs/s at 4,096 tokens, 107.2 at 2,048 and 122.6 at 1,024, and 129.3 at 512
with up to 64 documents; on the committed headlines 1,557.7 docs/s at 512 tokens (32 documents)
against 1,471.3 at 4,096 (16 documents). torch keeps its 4,096 (docs/nlp.md, "CPU engine")."""


class UnknownBackend(ValueError):
    """A backend name outside ``BACKENDS``."""


@dataclass(kw_only=True, frozen=True)
class Prediction:
    label: str
    score: float
    probs: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "score": self.score, "probs": dict(self.probs)}


def resolve_model_dir(name: str) -> str:
    """``""`` means the shipped default; an existing path is used as is; anything else is a hub id."""
    if not name:
        return str(DEFAULT_SENTIMENT_MODEL)
    p = Path(name).expanduser()
    return str(p.resolve()) if p.exists() else name


def quantize_dynamic_int8(model: torch.nn.Module) -> torch.nn.Module:
    """int8 dynamic quantisation of every ``nn.Linear`` (weights int8, activations quantised per batch)."""
    with warnings.catch_warnings():
        # torch marks eager quantisation deprecated (DeprecationWarning on import, UserWarning on
        # quantize_per_tensor) in favour of torchao; the kernels are still what ships in torch.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", message=r".*quantize_per_tensor.*", category=UserWarning)
        quantized: torch.nn.Module = torch.ao.quantization.quantize_dynamic(  # type: ignore[no-untyped-call]
            model, {torch.nn.Linear}, dtype=torch.qint8
        )
    return quantized


class SentimentEngine:
    """A loaded sentiment classifier plus the batched CPU inference around it."""

    def __init__(
        self,
        model: torch.nn.Module,
        tokenizer: PreTrainedTokenizerBase,
        *,
        model_dir: str,
        max_length: int = 512,
        batch_size: int = 32,
        max_tokens: int = 0,
        threads: int = 0,
        backend: str = "torch",
        onnx_cache: Path | str | None = None,
    ) -> None:
        """``model`` is the fp32 model; ``backend`` says how it runs (``BACKENDS``).

        ``max_tokens`` 0 means the backend's default (``DEFAULT_MAX_TOKENS``); ``onnx_cache`` is the
        directory for exported graphs (default: :func:`nlp.onnx_runtime.default_cache_dir`).
        """
        if backend not in BACKENDS:
            raise UnknownBackend(f"unknown sentiment backend {backend!r}: expected one of {', '.join(BACKENDS)}")
        self.backend = backend
        model = model.eval()
        self.onnx_session: OnnxSession | None = None
        self.onnx_artifact: OnnxArtifact | None = None
        if backend == "torch-int8":
            model = quantize_dynamic_int8(model)
        elif backend in ("onnx", "onnx-int8"):
            from nlp.onnx_runtime import OnnxOptions, load_session

            self.onnx_session, self.onnx_artifact = load_session(
                model, threads=threads, cache_dir=Path(onnx_cache) if onnx_cache else None,
                options=OnnxOptions(int8=backend == "onnx-int8"), name=Path(model_dir).name or "model",
            )
        self.model = model
        self.tokenizer = tokenizer
        self.model_dir = model_dir
        config = getattr(model, "config", None)
        self.index_to_label = map_id2label(dict(config.id2label) if config is not None else {})
        limit = int(getattr(tokenizer, "model_max_length", max_length) or max_length)
        pos = int(getattr(config, "max_position_embeddings", max_length) or max_length)
        self.max_length = max(8, min(max_length, limit, pos))
        self.batch_size = batch_size
        self.max_tokens = max_tokens or DEFAULT_MAX_TOKENS[backend]
        self.threads = threads
        self.pad_id = int(tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0)
        self.quantized = backend in ("torch-int8", "onnx-int8")

    @classmethod
    def load(
        cls,
        name: str = "",
        *,
        threads: int = 0,
        batch_size: int = 32,
        max_length: int = 512,
        quantize: bool = False,
        local_only: bool = True,
        backend: str = "",
        max_tokens: int = 0,
        onnx_cache: Path | str | None = None,
    ) -> SentimentEngine:
        """Load a model directory (``""`` = shipped default); weights are never fetched unless allowed.

        ``backend`` ``""`` keeps the older flag: ``torch-int8`` with ``quantize``, else ``torch``.
        """
        backend = backend or ("torch-int8" if quantize else "torch")
        if backend not in BACKENDS:
            raise UnknownBackend(f"unknown sentiment backend {backend!r}: expected one of {', '.join(BACKENDS)}")
        if threads > 0:
            torch.set_num_threads(threads)
        model_dir = resolve_model_dir(name)
        if local_only and not Path(model_dir).exists():
            raise FileNotFoundError(f"sentiment model {model_dir!r} is not a local directory (hub downloads are off)")
        # The engine chunks long articles itself, so the tokenizer's "sequence longer than max length"
        # warning and the weight-loading progress bar are noise on an operator's terminal.
        hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=local_only)
        model = AutoModelForSequenceClassification.from_pretrained(
            model_dir, local_files_only=local_only, dtype=torch.float32
        )
        engine = cls(model, tokenizer, model_dir=model_dir, max_length=max_length, batch_size=batch_size,
                     max_tokens=max_tokens, threads=threads, backend=backend, onnx_cache=onnx_cache)
        log.info("loaded sentiment model dir=%s backend=%s max_length=%d batch_size=%d max_tokens=%d threads=%d",
                 model_dir, backend, engine.max_length, batch_size, engine.max_tokens, threads)
        return engine

    # -- preprocess ---------------------------------------------------------------
    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        enc = self.tokenizer(list(texts), truncation=True, max_length=self.max_length, padding=False)
        return [list(ids) for ids in enc["input_ids"]]

    # -- forward ------------------------------------------------------------------
    def probs_for_ids(self, seqs: Sequence[Sequence[int]]) -> list[list[float]]:
        """Class probabilities (model's own class order) for pre-tokenised documents, input order."""
        if self.threads > 0 and torch.get_num_threads() != self.threads:
            torch.set_num_threads(self.threads)
        session = self._onnx_session_for_threads()
        out: list[list[float]] = [[] for _ in seqs]
        lengths = [len(s) for s in seqs]
        with torch.inference_mode():
            for batch in sorted_batches(lengths, self.batch_size, max_tokens=self.max_tokens):
                ids, mask = pad_batch([seqs[i] for i in batch], self.pad_id)
                if session is not None:
                    logits = torch.from_numpy(session.logits(ids.numpy(), mask.numpy()))
                else:
                    logits = self.model(input_ids=ids, attention_mask=mask).logits
                probs = torch.softmax(logits.float(), dim=-1).tolist()
                for i, p in zip(batch, probs, strict=True):
                    out[i] = p
        return out

    def _onnx_session_for_threads(self) -> OnnxSession | None:
        """The ONNX Runtime session, reopened if the caller changed ``threads`` since it was made."""
        if self.onnx_session is None or self.onnx_artifact is None or self.onnx_session.threads == self.threads:
            return self.onnx_session
        from nlp.onnx_runtime import OnnxSession

        self.onnx_session = OnnxSession(self.onnx_session.path, threads=self.threads,
                                        options=self.onnx_artifact.options)
        return self.onnx_session

    # -- postprocess --------------------------------------------------------------
    def to_prediction(self, class_probs: Sequence[float]) -> Prediction:
        probs = {lab: 0.0 for lab in LABELS}
        for idx, p in enumerate(class_probs):
            probs[self.index_to_label[idx]] += float(p)
        label = max(LABELS, key=lambda lab: probs[lab])
        return Prediction(label=label, score=round(probs[label], 6), probs={k: round(v, 6) for k, v in probs.items()})

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        if not texts:
            return []
        return [self.to_prediction(p) for p in self.probs_for_ids(self.encode(texts))]

    def predict_documents(self, docs: Sequence[tuple[str, str]]) -> list[Prediction]:
        """Score articles given as ``(title, body)``; see :mod:`nlp.longdoc` for the aggregation."""
        from nlp.longdoc import aggregate, split_document

        pieces: list[list[int]] = []
        owners: list[tuple[int, str]] = []
        for d, (title, body) in enumerate(docs):
            for role, ids in split_document(self.tokenizer, title, body, self.max_length):
                pieces.append(ids)
                owners.append((d, role))
        probs = self.probs_for_ids(pieces)
        per_doc: list[list[tuple[str, dict[str, float]]]] = [[] for _ in docs]
        for (d, role), p in zip(owners, probs, strict=True):
            per_doc[d].append((role, self.to_prediction(p).probs))
        results = []
        for parts in per_doc:
            agg = aggregate(parts)
            label = max(LABELS, key=lambda lab: agg[lab])
            results.append(Prediction(label=label, score=round(agg[label], 6), probs=agg))
        return results


def default_threads() -> int:
    """Threads when settings give 0: the cores this process may use, at most 4."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - non-Linux
        n = os.cpu_count() or 1
    return max(1, min(4, n))
