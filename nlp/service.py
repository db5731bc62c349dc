"""Wiring between Pantau's settings and the NLP engine (model choice, backend, threads, batch size).

Command-line flags win over ``pantau.toml`` ``[nlp]`` settings, which win over the built-in
defaults (the shipped model, the ``onnx-int8`` backend, 2 threads, batches of 16). Settings are read
with ``getattr`` and a default, so an older settings object without a key still works.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nlp.engine import (
    BACKENDS,
    DEFAULT_SENTIMENT_MODEL,
    FP32_BACKEND,
    SentimentEngine,
    UnknownBackend,
    resolve_model_dir,
)


def _nlp_settings() -> Any:
    from pantau import settings as pantau_settings

    return pantau_settings.load().nlp


def chosen_model(model: str = "", nlp_settings: Any = None) -> str:
    if model:
        return resolve_model_dir(model)
    cfg = nlp_settings if nlp_settings is not None else _nlp_settings()
    return resolve_model_dir(str(getattr(cfg, "sentiment_model", "") or ""))


INT8_DEFAULT = True
"""Scoring runs int8 by default (``quantize=False``, the CLI's ``--fp32``, picks the backend's fp32 twin)."""

DEFAULT_BACKEND = "onnx-int8"
"""ONNX Runtime int8 is the fastest backend on the shipped model and costs 0.00 macro-F1 points
against fp32 on all three committed held-out samples (torch int8: 0.00 / -0.28 / -0.33); see
docs/nlp.md, "CPU engine" and "Throughput"."""


def chosen_backend(backend: str = "", nlp_settings: Any = None, *, quantize: bool = INT8_DEFAULT) -> str:
    """The backend name: argument, else ``[nlp] backend``, else ``DEFAULT_BACKEND``; fp32 twin without int8."""
    name = backend
    if not name:
        cfg = nlp_settings if nlp_settings is not None else _nlp_settings()
        name = str(getattr(cfg, "backend", "") or DEFAULT_BACKEND)
    if name not in BACKENDS:
        raise UnknownBackend(f"[nlp] backend: expected one of {', '.join(BACKENDS)}, found {name!r}")
    return name if quantize else FP32_BACKEND[name]


def engine_errors() -> tuple[type[Exception], ...]:
    """What loading a sentiment engine raises for an operator to fix (shown as one ``error:`` line):
    a malformed ``pantau.toml``, a model directory that is not there, an unknown backend, ONNX
    Runtime missing or a graph that does not reproduce the model."""
    from nlp.onnx_runtime import OnnxBuildError, OnnxRuntimeUnavailable
    from pantau.settings import ConfigError

    return (ConfigError, FileNotFoundError, UnknownBackend, OnnxRuntimeUnavailable, OnnxBuildError)


def load_engine(*, model: str = "", threads: int = 0, batch_size: int = 0, nlp_settings: Any = None,
                quantize: bool = INT8_DEFAULT, backend: str = "") -> SentimentEngine:
    cfg = nlp_settings if nlp_settings is not None else _nlp_settings()
    onnx_cache = str(getattr(cfg, "onnx_cache", "") or "")
    return SentimentEngine.load(
        chosen_model(model, cfg),
        threads=threads or int(getattr(cfg, "threads", 2)),
        batch_size=batch_size or int(getattr(cfg, "batch_size", 16)),
        backend=chosen_backend(backend, cfg, quantize=quantize),
        onnx_cache=Path(onnx_cache).expanduser() if onnx_cache else None,
    )


def model_info(*, model: str = "", nlp_settings: Any = None) -> dict[str, Any]:
    """What ``pantau nlp info --json`` prints; reads model metadata without loading weights."""
    cfg = nlp_settings if nlp_settings is not None else _nlp_settings()
    model_dir = chosen_model(model, cfg)
    info: dict[str, Any] = {
        "sentiment_model": model_dir,
        "sentiment_model_is_default": Path(model_dir) == DEFAULT_SENTIMENT_MODEL.resolve(),
        "sentiment_model_exists": Path(model_dir).is_dir(),
        "threads": int(getattr(cfg, "threads", 2)),
        "int8_dynamic_quantisation": INT8_DEFAULT,
        "backend": chosen_backend("", cfg),
        "batch_size": int(getattr(cfg, "batch_size", 16)),
    }
    config_file = Path(model_dir) / "config.json"
    if config_file.exists():
        cfg_json = json.loads(config_file.read_text(encoding="utf-8"))
        info["architecture"] = (cfg_json.get("architectures") or [""])[0]
        info["id2label"] = cfg_json.get("id2label", {})
        for key in ("vocab_size", "hidden_size", "num_hidden_layers"):
            if key in cfg_json:
                info[key] = cfg_json[key]
    metrics_file = Path(model_dir) / "metrics.json"
    if metrics_file.exists():
        metrics = json.loads(metrics_file.read_text(encoding="utf-8"))
        info["recipe"] = metrics.get("recipe", "")
        info["valid_macro_f1"] = {k: v.get("macro_f1") for k, v in metrics.get("valid", {}).items()}
    size = sum(p.stat().st_size for p in Path(model_dir).glob("*") if p.is_file()) if Path(model_dir).is_dir() else 0
    info["sentiment_model_bytes"] = size
    from nlp.topics import TOPIC_MODEL_DIR, load_taxonomy

    topic_dir = str(getattr(cfg, "topic_model", "") or "") or str(TOPIC_MODEL_DIR)
    info["topic_model"] = str(Path(topic_dir).resolve())
    info["topics"] = [t["id"] for t in load_taxonomy()]
    return info
