"""The NLP throughput bench's FLOP count, checked by hand for a BERT and a ModernBERT shape.

GFLOP/s against the measured matmul peak is only meaningful if the count fits the architecture:
ModernBERT's MLP is gated and most of its layers attend to a local window.
"""

from __future__ import annotations

from transformers import BertConfig, ModernBertConfig

from bench.nlp_throughput import encoder_flops


def test_bert_flops_count_projections_mlp_and_full_attention() -> None:
    cfg = BertConfig(hidden_size=8, intermediate_size=32, num_hidden_layers=2, num_attention_heads=2)
    # per layer and 10-token document: 2*10*(4*8*8 + 2*8*32) projections+MLP, 2*2*10*10*8 attention
    assert encoder_flops(cfg, [10]) == 2 * (2 * 10 * (256 + 512) + 4 * 10 * 10 * 8)
    assert encoder_flops(cfg, [10, 10]) == 2 * encoder_flops(cfg, [10])


def test_modernbert_flops_use_the_gated_mlp_and_the_local_window() -> None:
    cfg = ModernBertConfig(hidden_size=8, intermediate_size=32, num_hidden_layers=3, num_attention_heads=2,
                           local_attention=4,
                           layer_types=["full_attention", "sliding_attention", "sliding_attention"])
    assert cfg.sliding_window == 2  # half of local_attention on each side
    dense = 2 * 10 * (4 * 8 * 8 + 3 * 8 * 32)  # gated MLP: h -> 2*inter and inter -> h
    global_layer = 4 * 10 * 10 * 8  # layer 0 attends to all 10 tokens
    local_layer = 4 * 10 * 5 * 8  # layers 1 and 2: 2 neighbours on each side plus the token itself
    assert encoder_flops(cfg, [10]) == 3 * dense + global_layer + 2 * local_layer
