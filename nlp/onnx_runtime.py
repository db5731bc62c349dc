"""ONNX Runtime backend for Pantau's sentiment engine: export, fuse, quantise, cache and run.

Pantau scores every crawled article on a PR office's CPU; the shipped model is a 4-layer,
hidden-256 BERT whose matmuls are small, so per-operator overhead and memory traffic matter as
much as arithmetic. ONNX Runtime with transformer fusions and int8 weights beats torch's eager
int8 path on it (``bench/nlp_throughput.py``). The build, in order:

1. **export** the loaded ``AutoModelForSequenceClassification`` with ``torch.onnx.export``
   (TorchScript exporter, ``dynamo=False``) with dynamic batch and sequence axes, eager attention
   (the pattern ONNX Runtime's fusions recognise; SDPA attention exports unfused);
2. **fuse** with ``onnxruntime.transformers.optimizer`` (``model_type="bert"``):
   EmbedLayerNormalization, Attention and BiasGelu. SkipLayerNormalization is *not* fused, here
   or at session level: measured on the shipped model with ONNX Runtime 1.31 on this machine's
   AVX-512 Xeon, the fused op took 265 ms of a 1.2 s profile where the unfused Add +
   LayerNormalization took 56 ms;
3. **check** the fused fp32 graph against torch on a padded batch of a shape not seen at export
   (a wrong trace fails the build rather than scoring articles wrongly);
4. **quantise** (``quantize_dynamic``): int8 weights (QInt8, per output channel, full range) for
   MatMul and Attention only. Quantising the embedding tables as well cost 0.70 macro-F1 points
   on the SmSA sample and ran no faster (133.3 against 133.9 docs/s); QUInt8 weights ran at 64 %
   of QInt8's speed (docs/nlp.md, "CPU engine").

The result is cached in a directory given by the caller (default ``$XDG_CACHE_HOME/pantau/onnx``,
else ``~/.cache/pantau/onnx``) under a key that hashes the weights as loaded, the model config,
the opset, the options above and the torch / transformers / onnx / onnxruntime versions. The
model file and a JSON manifest (with the model file's sha256) are each written to a temporary
file and renamed into place; a missing manifest, a size or hash mismatch, or a file ONNX Runtime
cannot load is logged and rebuilt, so a killed build never leaves a half file in use.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from torch.jit import TracerWarning  # type: ignore[attr-defined]  # public name, not re-exported for mypy

from nlp.filelock import exclusive

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
"""Bump when the build recipe changes in a way the options below do not capture."""

INPUT_NAMES = ("input_ids", "attention_mask")
# Fusion recipes of onnxruntime.transformers that fit each Hugging Face model type.
FUSION_MODEL_TYPES = {"bert": "bert", "roberta": "bert", "xlm-roberta": "bert", "camembert": "bert",
                      "electra": "bert", "distilbert": "bert"}
PARITY_TOLERANCE = 1e-3
"""Largest probability difference allowed between torch and the fused fp32 graph."""
STALE_BUILD_SECONDS = 3600


class OnnxRuntimeUnavailable(RuntimeError):
    """``onnx`` or ``onnxruntime`` is not installed; the message says what to install or choose."""


class OnnxBuildError(RuntimeError):
    """The exported graph does not reproduce the torch model; nothing is cached."""


@dataclass(frozen=True, kw_only=True)
class OnnxOptions:
    """How the graph is built; every field is part of the cache key."""

    int8: bool = True
    per_channel: bool = True
    reduce_range: bool = False
    weight_type: Literal["qint8", "quint8"] = "qint8"
    quantize_embeddings: bool = False
    fuse: bool = True
    fuse_skip_layernorm: bool = False
    opset: int = 17

    def disabled_session_optimizers(self) -> list[str]:
        return [] if self.fuse_skip_layernorm else ["SkipLayerNormFusion"]


@dataclass(frozen=True, kw_only=True)
class OnnxArtifact:
    """A built (or cached) graph: ``built`` is True only when this call exported it."""

    path: Path
    key: str
    built: bool
    options: OnnxOptions
    manifest: dict[str, Any] = field(default_factory=dict)


def require_onnx() -> None:
    """Raise :class:`OnnxRuntimeUnavailable` with the fix when the packages are missing."""
    missing = []
    for module in ("onnx", "onnxruntime"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise OnnxRuntimeUnavailable(
            f"the ONNX Runtime sentiment backend needs {' and '.join(missing)}, which "
            f"{'is' if len(missing) == 1 else 'are'} not installed: pip install 'onnx>=1.18,<2' "
            "'onnxruntime>=1.31,<1.33', or set [nlp] backend = \"torch-int8\" in pantau.toml"
        )


def default_cache_dir() -> Path:
    """Where exported graphs live when the caller gives no directory (the XDG cache convention)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pantau" / "onnx"


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "absent"


def cache_key(model: torch.nn.Module, options: OnnxOptions) -> str:
    """Hash of the weights as loaded, the config, the opset, the options and the toolchain."""
    h = hashlib.blake2b(digest_size=16)
    recipe = {"format": FORMAT_VERSION, "options": asdict(options),
              "versions": {d: _version(d) for d in ("torch", "transformers", "onnx", "onnxruntime")}}
    h.update(json.dumps(recipe, sort_keys=True).encode())
    config = getattr(model, "config", None)
    if config is not None and hasattr(config, "to_json_string"):
        h.update(config.to_json_string(use_diff=False).encode())
    for name, tensor in sorted(model.state_dict().items()):
        t = tensor.detach().cpu().contiguous()
        h.update(f"{name}:{t.dtype}:{tuple(t.shape)}".encode())
        h.update(t.view(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _atomic_write(target: Path, write: Any) -> None:
    """``write(tmp_path)`` then fsync and rename over ``target``: readers see old or new, never half."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; the cache is shared by the operator's scorer runs
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _clean_stale_builds(cache_dir: Path) -> None:
    """Remove scratch left by builds that were killed more than an hour ago."""
    now = time.time()
    for p in cache_dir.glob(".build-*"):
        with contextlib.suppress(OSError):
            if now - p.stat().st_mtime > STALE_BUILD_SECONDS:
                shutil.rmtree(p, ignore_errors=True)
                log.info("removed stale onnx build scratch %s", p)
    for p in cache_dir.glob(".*.tmp"):
        with contextlib.suppress(OSError):
            if now - p.stat().st_mtime > STALE_BUILD_SECONDS:
                p.unlink()


def cached_artifact(cache_dir: Path, stem: str, key: str, options: OnnxOptions) -> OnnxArtifact | None:
    """The cached graph for ``key`` if its manifest, size and sha256 all check out, else None."""
    model_path = cache_dir / f"{stem}.onnx"
    manifest_path = cache_dir / f"{stem}.json"
    if not model_path.exists() and not manifest_path.exists():
        return None
    reason = ""
    manifest: dict[str, Any] = {}
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("key") != key:
            reason = "manifest key differs"
        elif model_path.stat().st_size != manifest.get("bytes"):
            reason = f"size {model_path.stat().st_size} != manifest {manifest.get('bytes')}"
        elif _file_sha256(model_path) != manifest.get("sha256"):
            reason = "sha256 differs from manifest"
    except FileNotFoundError as exc:
        reason = f"missing {Path(str(exc.filename)).name}"
    except (OSError, ValueError) as exc:
        reason = f"unreadable manifest ({exc.__class__.__name__})"
    if reason:
        log.warning("onnx cache entry %s is invalid (%s); rebuilding", model_path, reason)
        return None
    return OnnxArtifact(path=model_path, key=key, built=False, options=options, manifest=manifest)


def prepare(model: torch.nn.Module, *, cache_dir: Path | None = None, options: OnnxOptions | None = None,
            name: str = "model") -> OnnxArtifact:
    """The ONNX graph for ``model``: from the cache when valid, else exported, fused, quantised, cached."""
    require_onnx()
    options = options or OnnxOptions()
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OnnxBuildError(f"cannot create the ONNX graph cache {cache_dir} ({exc.strerror}); set [nlp] "
                             "onnx_cache to a writable directory") from exc
    t0 = time.perf_counter()
    key = cache_key(model, options)
    # Named by key alone, so the same weights loaded under another name reuse the graph; the
    # manifest records the model's name.
    stem = f"{key[:20]}-{'int8' if options.int8 else 'fp32'}"
    found = cached_artifact(cache_dir, stem, key, options)
    if found is not None:
        log.info("onnx cache hit %s key=%s (%.2f s)", found.path, key[:16], time.perf_counter() - t0)
        return found
    with exclusive(cache_dir / f".{stem}.lock"):
        found = cached_artifact(cache_dir, stem, key, options)  # another process may have built it meanwhile
        if found is not None:
            return found
        _clean_stale_builds(cache_dir)
        return _build(model, cache_dir, stem, key, options, name)


class _DropOnnxRuntimeInfo(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or "onnxruntime" not in record.pathname


@contextlib.contextmanager
def _quiet_onnxruntime_logs() -> Iterator[None]:
    """Keep the fusion and quantisation tools' INFO chatter (one line per tensor) off the operator's log.

    onnxruntime.transformers logs under bare module names (``fusion_base``, ``onnx_model``...) and
    the quantiser through the root logger, so both are matched by the file the record comes from.
    """
    import onnxruntime

    pkg = str(Path(onnxruntime.__file__).parent)
    saved: list[tuple[logging.Logger, int]] = []
    for name, logger in list(logging.Logger.manager.loggerDict.items()):
        module = sys.modules.get(name)
        if isinstance(logger, logging.Logger) and str(getattr(module, "__file__", "") or "").startswith(pkg):
            saved.append((logger, logger.level))
            logger.setLevel(logging.WARNING)
    drop = _DropOnnxRuntimeInfo()
    logging.getLogger().addFilter(drop)
    try:
        yield
    finally:
        logging.getLogger().removeFilter(drop)
        for logger, level in saved:
            logger.setLevel(level)


def _build(model: torch.nn.Module, cache_dir: Path, stem: str, key: str, options: OnnxOptions,
           name: str) -> OnnxArtifact:
    # Imported before the log filter so their module loggers exist when it runs.
    import onnxruntime.quantization.shape_inference
    import onnxruntime.tools.symbolic_shape_infer
    import onnxruntime.transformers.optimizer  # noqa: F401

    t0 = time.perf_counter()
    scratch = Path(tempfile.mkdtemp(dir=cache_dir, prefix=".build-"))
    try:
        with _quiet_onnxruntime_logs():
            raw = scratch / "exported.onnx"
            export(model, raw, opset=options.opset)
            graph = raw
            stats: dict[str, int] = {}
            if options.fuse:
                graph, stats = fuse(model, raw, scratch / "fused.onnx", options)
            check_parity(model, graph, options)
            final = graph
            if options.int8:
                final = quantize(graph, scratch, options)
            model_path = cache_dir / f"{stem}.onnx"
            _atomic_write(model_path, lambda tmp: shutil.copyfile(final, tmp))
            manifest = {
                "key": key, "name": name, "bytes": model_path.stat().st_size, "sha256": _file_sha256(model_path),
                "options": asdict(options), "fused_operators": stats, "format": FORMAT_VERSION,
                "versions": {d: _version(d) for d in ("torch", "transformers", "onnx", "onnxruntime")},
                "build_seconds": round(time.perf_counter() - t0, 2),
            }
            _atomic_write(cache_dir / f"{stem}.json",
                          lambda tmp: tmp.write_text(json.dumps(manifest, indent=2), encoding="utf-8"))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    log.info("built onnx graph %s int8=%s bytes=%d fused=%s in %.1f s", model_path, options.int8, manifest["bytes"],
             {k: v for k, v in stats.items() if v}, manifest["build_seconds"])
    return OnnxArtifact(path=model_path, key=key, built=True, options=options, manifest=manifest)


def _dummy_batch(model: torch.nn.Module, batch: int, seq: int, pad_from: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Token ids inside the vocabulary, the last row padded from ``pad_from`` (right padding, as served)."""
    config = getattr(model, "config", None)
    vocab = int(getattr(config, "vocab_size", 100) or 100)
    pad_id = int(getattr(config, "pad_token_id", 0) or 0)
    gen = torch.Generator().manual_seed(seq)
    ids = torch.randint(min(5, vocab - 1), vocab, (batch, seq), generator=gen)
    mask = torch.ones(batch, seq, dtype=torch.long)
    mask[-1, pad_from:] = 0
    ids[-1, pad_from:] = pad_id
    return ids, mask


@contextlib.contextmanager
def _eager_attention(model: torch.nn.Module) -> Iterator[None]:
    """Export with eager attention: its MatMul/Softmax pattern is what the Attention fusion matches."""
    config = getattr(model, "config", None)
    before = getattr(config, "_attn_implementation", None)
    setter = getattr(model, "set_attn_implementation", None)
    switched = False
    if before not in (None, "eager") and callable(setter):
        setter("eager")
        switched = True
    try:
        yield
    finally:
        if switched and callable(setter):
            setter(before)


def export(model: torch.nn.Module, path: Path, *, opset: int) -> None:
    """TorchScript export with dynamic batch and sequence axes; logits as the only output."""
    import onnx

    model.eval()
    ids, mask = _dummy_batch(model, 2, 16, pad_from=10)
    axes = {"batch": 0, "sequence": 1}
    dynamic = {n: {v: k for k, v in axes.items()} for n in INPUT_NAMES}
    dynamic["logits"] = {0: "batch"}
    with _eager_attention(model), torch.no_grad(), warnings.catch_warnings():
        # torch 2.9+ marks the TorchScript exporter deprecated in favour of the dynamo exporter, which
        # needs onnxscript and whose BERT graph onnxruntime's fusions do not recognise (no Attention).
        warnings.filterwarnings("ignore", message=r"You are using the legacy TorchScript-based ONNX export",
                                category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=r"The feature will be removed", category=DeprecationWarning)
        # transformers' mask builder compares the mask length with the sequence length in Python; the
        # engine always pads both to the same length, so the traced constant holds (check_parity
        # verifies it on another shape).
        warnings.filterwarnings("ignore", message=r"Converting a tensor to a Python boolean",
                                category=TracerWarning)
        # Position/token-type ids are sliced with non-negative indices only.
        warnings.filterwarnings("ignore", message=r"Exporting aten::index operator of advanced indexing",
                                category=UserWarning)
        torch.onnx.export(
            model, (ids, mask), str(path), input_names=list(INPUT_NAMES), output_names=["logits"],
            dynamic_axes=dynamic, opset_version=opset, do_constant_folding=True, dynamo=False,
        )
    onnx.checker.check_model(str(path))


def fuse(model: torch.nn.Module, src: Path, dst: Path, options: OnnxOptions) -> tuple[Path, dict[str, int]]:
    """onnxruntime's transformer fusions; models it has no recipe for keep the plain graph."""
    from onnxruntime.transformers.fusion_options import FusionOptions
    from onnxruntime.transformers.optimizer import optimize_model

    config = getattr(model, "config", None)
    model_type = FUSION_MODEL_TYPES.get(str(getattr(config, "model_type", "")))
    if model_type is None:
        log.info("no onnxruntime fusion recipe for model_type=%s; graph left unfused",
                 getattr(config, "model_type", "?"))
        return src, {}
    fusion = FusionOptions(model_type)
    fusion.enable_skip_layer_norm = options.fuse_skip_layernorm
    fusion.enable_bias_skip_layer_norm = options.fuse_skip_layernorm
    optimized = optimize_model(
        str(src), model_type=model_type, num_heads=int(getattr(config, "num_attention_heads", 0) or 0),
        hidden_size=int(getattr(config, "hidden_size", 0) or 0), optimization_options=fusion, opt_level=0,
    )
    stats = {k: int(v) for k, v in optimized.get_fused_operator_statistics().items()}
    if not stats.get("Attention"):
        # onnxruntime before 1.31 does not recognise the attention pattern transformers 5 exports;
        # the graph is still right, only slower.
        log.warning("onnxruntime %s fused no Attention for model_type=%s (fused: %s); scoring works but "
                    "slower", _version("onnxruntime"), getattr(config, "model_type", "?"),
                    {k: v for k, v in stats.items() if v})
    optimized.save_model_to_file(str(dst))
    return dst, stats


def quantize(src: Path, scratch: Path, options: OnnxOptions) -> Path:
    """Dynamic int8: weights quantised once, activations per batch at run time."""
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.quantization.shape_inference import quant_pre_process

    # Fused contrib ops (Attention, EmbedLayerNormalization) are opaque to onnx's shape inference;
    # the symbolic pass types their outputs so the quantiser can find the MatMul weights.
    shaped = scratch / "shaped.onnx"
    quant_pre_process(str(src), str(shaped), skip_optimization=True, auto_merge=True)
    ops = ["MatMul", "Attention"] + (["Gather", "EmbedLayerNormalization"] if options.quantize_embeddings else [])
    out = scratch / "int8.onnx"
    quantize_dynamic(
        str(shaped), str(out), op_types_to_quantize=ops, per_channel=options.per_channel,
        reduce_range=options.reduce_range,
        weight_type=QuantType.QInt8 if options.weight_type == "qint8" else QuantType.QUInt8,
        extra_options={"MatMulConstBOnly": True},
    )
    return out


def check_parity(model: torch.nn.Module, graph: Path, options: OnnxOptions) -> None:
    """The fp32 graph must give torch's probabilities on a padded batch of an unseen shape."""
    session = OnnxSession(graph, threads=1, options=options)
    ids, mask = _dummy_batch(model, 3, 23, pad_from=7)
    with torch.no_grad():
        expected = torch.softmax(model(input_ids=ids, attention_mask=mask).logits.float(), dim=-1).numpy()
    got = _softmax(session.logits(ids.numpy(), mask.numpy()))
    diff = float(np.abs(got - expected).max())
    if not diff <= PARITY_TOLERANCE:
        raise OnnxBuildError(f"exported graph {graph.name} differs from torch by {diff:.2e} in probability "
                             f"(tolerance {PARITY_TOLERANCE:.0e}); use a torch backend for this model")


def _softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    out: np.ndarray = e / e.sum(axis=-1, keepdims=True)
    return out


class OnnxSession:
    """An ONNX Runtime CPU session for one classifier graph with a fixed thread count.

    ``intra_op_num_threads`` is the engine's thread count (0 lets ONNX Runtime use every core);
    one inter-op thread and sequential execution, because a BERT graph is a chain of operators.
    """

    def __init__(self, path: Path, *, threads: int, options: OnnxOptions | None = None) -> None:
        require_onnx()
        import onnxruntime as ort

        self.path = Path(path)
        self.threads = threads
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = max(0, threads)
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = 3  # errors only: ORT's per-node placement notes are noise to an operator
        disabled = (options or OnnxOptions()).disabled_session_optimizers()
        self.session = ort.InferenceSession(str(self.path), opts, providers=["CPUExecutionProvider"],
                                            disabled_optimizers=disabled)
        self.input_names = [i.name for i in self.session.get_inputs()]

    def logits(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        feed = {"input_ids": input_ids.astype(np.int64, copy=False),
                "attention_mask": attention_mask.astype(np.int64, copy=False)}
        out: np.ndarray = self.session.run(["logits"], {k: v for k, v in feed.items() if k in self.input_names})[0]
        return out


def load_session(model: torch.nn.Module, *, threads: int, cache_dir: Path | None = None,
                 options: OnnxOptions | None = None, name: str = "model") -> tuple[OnnxSession, OnnxArtifact]:
    """Build or reuse the cached graph and open a session; an unloadable cached file is rebuilt once."""
    options = options or OnnxOptions()
    artifact = prepare(model, cache_dir=cache_dir, options=options, name=name)
    try:
        return OnnxSession(artifact.path, threads=threads, options=options), artifact
    except Exception as exc:  # onnxruntime raises its own pybind exception types for a bad file
        if artifact.built:
            raise
        log.warning("cached onnx graph %s does not load (%s); rebuilding", artifact.path, exc.__class__.__name__)
        artifact.path.with_suffix(".json").unlink(missing_ok=True)
        artifact = prepare(model, cache_dir=cache_dir, options=options, name=name)
        return OnnxSession(artifact.path, threads=threads, options=options), artifact
