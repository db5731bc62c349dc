"""Training recipes: one TOML file says everything needed to rebuild a model.

A recipe names the data (files plus label mapping, or a ``prepare`` step that builds them from the
staged third-party data), the base (``scratch``: a new small BERT with its own WordPiece
tokenizer; or ``pretrained``: a local Hugging Face directory or hub id), the optional pre-training
pass (masked-LM or replaced-token detection) and the fine-tuning schedule. Paths are relative to the recipe file's
directory's parent when they start with ``./`` or ``../``; otherwise relative to the current
directory. ``recipes/sentiment-id-news.toml`` is the shipped model's recipe.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class RecipeError(ValueError):
    """The recipe file is malformed: the message names the file, the key and what was expected."""


@dataclass(kw_only=True, frozen=True)
class DataSpec:
    prepare: str = ""  # "sentiment": build files from `shared` with nlp.prepare_sentiment
    shared: str = "../shared/data"
    train: str = ""
    valid: tuple[str, ...] = ()
    text_col: str = "text"
    label_col: str = "label"
    label_map: dict[str, str] = field(default_factory=dict)
    # Unlabelled text for the tokenizer and masked-LM pass (one text per line); empty means
    # Pantau's news corpus built from `shared` (nlp.prepare_sentiment.unlabelled_news_text).
    unlabelled: tuple[str, ...] = ()
    # In-domain labelled files added to the training set `train_extra_repeat` times (oversampled).
    train_extra: tuple[str, ...] = ()
    train_extra_repeat: int = 1
    # Officers' relabels (`pantau nlp feedback export`): a relabel replaces the label of every training
    # row with the same text, then joins the training set `feedback_repeat` times.
    feedback: tuple[str, ...] = ()
    feedback_repeat: int = 3


@dataclass(kw_only=True, frozen=True)
class BaseSpec:
    kind: str = "scratch"  # scratch | pretrained
    path: str = ""  # for pretrained: local HF dir or hub id
    vocab_size: int = 16000
    hidden: int = 256
    layers: int = 4
    heads: int = 4
    intermediate: int = 1024
    max_position: int = 512
    # "ppmi": initialise the token embeddings from PPMI-SVD vectors of the pre-training corpus
    # (nlp.token_embeddings); "" keeps BERT's random initialisation.
    init_embeddings: str = ""
    embedding_window: int = 5


@dataclass(kw_only=True, frozen=True)
class PretrainSpec:
    enabled: bool = False
    # "mlm": masked-LM (loss on the masked positions); "rtd": replaced-token detection, ELECTRA-style
    # (nlp.pretrain_rtd): a narrow generator fills the masked positions, the BERT learns from every token.
    objective: str = "mlm"
    generator_hidden: int = 64  # rtd: width of the generator (same depth as the BERT)
    rtd_weight: float = 50.0  # rtd: weight of the discriminator loss against the generator's masked-LM loss
    epochs: int = 1
    batch_size: int = 64
    lr: float = 5e-4
    mask_prob: float = 0.15
    max_len: int = 64
    include_train_texts: bool = True


@dataclass(kw_only=True, frozen=True)
class FinetuneSpec:
    epochs: int = 3
    batch_size: int = 32
    lr: float = 1e-4
    warmup: float = 0.06
    weight_decay: float = 0.01
    max_len: int = 128
    class_weighting: str = "sqrt"  # none | sqrt (inverse square-root of class frequency)
    select_on: tuple[str, ...] = ()  # valid file stems whose mean macro-F1 picks the best epoch
    # Stored weights: "float16" or "float32"; "" keeps float16 for a model trained from scratch and
    # float32 for a pretrained base (a hub model's precision is its own).
    save_dtype: str = ""


@dataclass(kw_only=True, frozen=True)
class DistillSpec:
    """Distillation: a fresh copy of the base learns from a teacher's (by default the fine-tuned
    model's own: "born-again") softened probabilities on the training rows and, with ``unlabelled``, on the unlabelled
    corpus, plus the gold labels. Uses the fine-tuning batch size, learning rate and schedule."""

    enabled: bool = False
    epochs: int = 3
    alpha: float = 0.5  # weight of the teacher's soft targets; 1 - alpha goes to the gold label
    temperature: float = 2.0
    unlabelled: bool = True
    # Another model as the teacher (a directory: a fine-tuned e5 saved by nlp.bases.e5_classifier, or
    # any sequence-classification model). Then the recipe's own fine-tuning stage is skipped: the
    # student starts from [base] and learns the teacher's soft labels plus the gold labels.
    teacher: str = ""


@dataclass(kw_only=True, frozen=True)
class Recipe:
    path: Path
    name: str
    seed: int
    output: str
    work_dir: str
    threads: int
    data: DataSpec
    base: BaseSpec
    pretrain: PretrainSpec
    finetune: FinetuneSpec
    distill: DistillSpec = field(default_factory=DistillSpec)
    checkpoint_every: int = 200
    raw: dict[str, Any] = field(default_factory=dict)

    def resolve(self, p: str) -> Path:
        """Resolve a path from the recipe: relative to the repository root (the recipe's parent dir)."""
        path = Path(p)
        if path.is_absolute():
            return path
        return (self.path.resolve().parent.parent / path).resolve()


def _section(raw: dict[str, Any], key: str, cls: type[Any], path: Path) -> Any:
    sec = raw.get(key, {})
    if not isinstance(sec, dict):
        raise RecipeError(f"{path}: [{key}] must be a table")
    known = set(cls.__dataclass_fields__)
    unknown = set(sec) - known
    if unknown:
        raise RecipeError(f"{path}: unknown keys in [{key}]: {sorted(unknown)}; expected some of {sorted(known)}")
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in sec.items()}
    defaults = cls()
    for k, v in values.items():
        expected = type(getattr(defaults, k))
        if expected is float and isinstance(v, int):
            values[k] = float(v)
        elif not isinstance(values[k], expected):
            raise RecipeError(f"{path}: [{key}].{k} must be {expected.__name__}, got {type(v).__name__}")
    return cls(**values)


def load_recipe(path: str | Path) -> Recipe:
    p = Path(path)
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RecipeError(f"{p}: cannot read recipe: {exc}") from exc
    for key in ("name", "output"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise RecipeError(f"{p}: top-level key {key!r} must be a non-empty string")
    base = _section(raw, "base", BaseSpec, p)
    if base.kind not in ("scratch", "pretrained"):
        raise RecipeError(f"{p}: [base].kind must be 'scratch' or 'pretrained', got {base.kind!r}")
    if base.kind == "pretrained" and not base.path:
        raise RecipeError(f"{p}: [base].path is required when kind = 'pretrained'")
    if base.init_embeddings not in ("", "ppmi"):
        raise RecipeError(f"{p}: [base].init_embeddings must be '' or 'ppmi', got {base.init_embeddings!r}")
    pretrain = _section(raw, "pretrain", PretrainSpec, p)
    if pretrain.objective not in ("mlm", "rtd"):
        raise RecipeError(f"{p}: [pretrain].objective must be 'mlm' or 'rtd', got {pretrain.objective!r}")
    if pretrain.generator_hidden < 1 or pretrain.rtd_weight <= 0:
        raise RecipeError(f"{p}: [pretrain] needs generator_hidden >= 1 and rtd_weight > 0, "
                          f"got generator_hidden={pretrain.generator_hidden} rtd_weight={pretrain.rtd_weight}")
    distill = _section(raw, "distill", DistillSpec, p)
    if not 0.0 <= distill.alpha <= 1.0 or distill.temperature <= 0:
        raise RecipeError(f"{p}: [distill] needs 0 <= alpha <= 1 and temperature > 0, "
                          f"got alpha={distill.alpha} temperature={distill.temperature}")
    finetune = _section(raw, "finetune", FinetuneSpec, p)
    if finetune.save_dtype not in ("", "float16", "float32"):
        raise RecipeError(f"{p}: [finetune].save_dtype must be '', 'float16' or 'float32', got {finetune.save_dtype!r}")
    data = _section(raw, "data", DataSpec, p)
    if not data.train:
        raise RecipeError(f"{p}: [data].train is required")
    if data.feedback_repeat < 1 or data.train_extra_repeat < 1:
        raise RecipeError(f"{p}: [data] needs feedback_repeat >= 1 and train_extra_repeat >= 1, "
                          f"got feedback_repeat={data.feedback_repeat} train_extra_repeat={data.train_extra_repeat}")
    return Recipe(
        path=p,
        name=raw["name"],
        seed=int(raw.get("seed", 13)),
        output=raw["output"],
        work_dir=str(raw.get("work_dir", f"build/nlp/runs/{raw['name']}")),
        threads=int(raw.get("threads", 2)),
        checkpoint_every=int(raw.get("checkpoint_every", 200)),
        data=data,
        base=base,
        pretrain=pretrain,
        finetune=finetune,
        distill=distill,
        raw=raw,
    )
