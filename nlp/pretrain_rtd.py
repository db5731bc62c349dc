"""Replaced-token detection (ELECTRA-style) pre-training for a from-scratch BERT.

Masked-LM learns from the 15 % of positions it masks; on Pantau's 1.08M-token news corpus six
epochs of it ended near the unigram entropy (docs/nlp.md). Replaced-token detection learns from
every position: a small generator fills the masked positions with plausible tokens sampled from
its own masked-LM guesses, and the discriminator, the BERT that is fine-tuned afterwards, tells
for each token whether it is the original or a replacement (Clark et al., 2020, "ELECTRA").

The generator is a narrow BERT (``[pretrain] generator_hidden``, same depth) that reads the
discriminator's word embeddings through a projection and predicts through the same matrix, so the
two share their lexical knowledge. Loss = generator masked-LM + ``rtd_weight`` x discriminator
binary cross-entropy over all real tokens. Only the discriminator is kept: it is saved as a plain
``BertModel`` directory that ``BertForSequenceClassification.from_pretrained`` loads with a new head.
The loop (checkpoints, resume) is :func:`nlp.train.pretrain_loop`, shared with masked-LM.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from transformers import BertConfig, BertModel, PreTrainedTokenizerBase

from nlp.recipe import Recipe


class RtdModel(torch.nn.Module):
    """Discriminator (the BERT kept afterwards), its per-token head, and the generator."""

    def __init__(self, disc_config: BertConfig, generator_hidden: int) -> None:
        super().__init__()
        h = disc_config.hidden_size
        self.disc = BertModel(disc_config, add_pooling_layer=True)
        self.disc_head = torch.nn.Sequential(torch.nn.Linear(h, h), torch.nn.GELU(), torch.nn.Linear(h, 1))
        gh = generator_hidden
        gen_config = BertConfig(vocab_size=disc_config.vocab_size, hidden_size=gh,
                                num_hidden_layers=disc_config.num_hidden_layers,
                                num_attention_heads=max(1, gh // 64), intermediate_size=4 * gh,
                                max_position_embeddings=disc_config.max_position_embeddings,
                                pad_token_id=disc_config.pad_token_id)
        self.gen = BertModel(gen_config, add_pooling_layer=False)
        # The generator reads the shared word embeddings through `gen_in`; its own table is unused.
        self.gen.embeddings.word_embeddings.weight.requires_grad_(False)
        self.gen_in = torch.nn.Linear(h, gh)
        self.gen_out = torch.nn.Sequential(torch.nn.Linear(gh, h), torch.nn.GELU(), torch.nn.LayerNorm(h))
        self.gen_bias = torch.nn.Parameter(torch.zeros(disc_config.vocab_size))

    @property
    def word_embeddings(self) -> torch.nn.Embedding:
        emb: torch.nn.Embedding = self.disc.embeddings.word_embeddings
        return emb

    def generator_logits(self, ids: torch.Tensor, mask: torch.Tensor, chosen: torch.Tensor) -> torch.Tensor:
        """Vocabulary logits at the ``chosen`` (masked) positions only."""
        w = self.word_embeddings
        hidden = self.gen(inputs_embeds=self.gen_in(w(ids)), attention_mask=mask).last_hidden_state
        logits: torch.Tensor = self.gen_out(hidden[chosen]) @ w.weight.T + self.gen_bias
        return logits

    def disc_logits(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        hidden = self.disc(input_ids=ids, attention_mask=mask).last_hidden_state
        logits: torch.Tensor = self.disc_head(hidden).squeeze(-1)
        return logits


def rtd_step(model: RtdModel, ids: torch.Tensor, mask: torch.Tensor, tok: PreTrainedTokenizerBase, prob: float,
             rtd_weight: float, gen: torch.Generator) -> tuple[torch.Tensor, dict[str, float]] | None:
    """One batch: (loss, the generator's and the discriminator's losses), or None when nothing was masked."""
    special = (ids == tok.cls_token_id) | (ids == tok.sep_token_id) | (mask == 0)
    chosen = (torch.rand(ids.shape, generator=gen) < prob) & ~special
    if not bool(chosen.any()):
        return None
    masked = ids.masked_fill(chosen, int(tok.mask_token_id))
    logits = model.generator_logits(masked, mask, chosen)
    gen_loss = F.cross_entropy(logits, ids[chosen])
    with torch.no_grad():
        sampled = torch.multinomial(F.softmax(logits.float(), dim=-1), 1, generator=gen).squeeze(-1)
    corrupted = ids.clone()
    corrupted[chosen] = sampled
    replaced = (corrupted != ids).float()  # a sample equal to the original counts as original
    real = mask == 1
    disc_loss = F.binary_cross_entropy_with_logits(model.disc_logits(corrupted, mask)[real], replaced[real])
    losses = {"generator_loss": gen_loss.item(), "discriminator_loss": disc_loss.item()}
    return gen_loss + rtd_weight * disc_loss, losses


def run_rtd(recipe: Recipe, tok: PreTrainedTokenizerBase, texts: list[str], work: Path) -> Path:
    """Pre-train and save the discriminator as ``work/rtd/final``; returns that directory."""
    from nlp.train import bert_config, init_token_embeddings, pretrain_loop, token_embeddings

    spec = recipe.pretrain
    final = work / "rtd" / "final"
    config = bert_config(recipe, tok)
    torch.manual_seed(recipe.seed)
    model = RtdModel(config, spec.generator_hidden)
    if recipe.base.init_embeddings == "ppmi":
        init_token_embeddings(model.disc, *token_embeddings(recipe, tok, lambda: texts, work))
    pretrain_loop(recipe, "rtd", model, tok, texts, work,
                  lambda ids, mask, gen: rtd_step(model, ids, mask, tok, spec.mask_prob, spec.rtd_weight, gen))
    final.mkdir(parents=True, exist_ok=True)
    model.disc.save_pretrained(str(final))
    tok.save_pretrained(str(final))
    return final
