"""TrOCR models built from configuration (random weights): published sizes and a tiny one.

No TrOCR weights ship in any package this project installs, so benchmarks use the published
architectures with random weights (same FLOPs as the real models), and tests and fine-tuning
smoke runs use a tiny model with a byte-level tokenizer built offline.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ARCHITECTURES", "build_trocr", "byte_tokenizer", "image_processor"]

# Values from the published microsoft/trocr-*-handwritten configurations.
ARCHITECTURES: dict[str, dict[str, Any]] = {
    "small": {  # 61.6 M parameters: DeiT-small encoder + 6-layer decoder
        "encoder_type": "deit",
        "encoder": dict(
            image_size=384,
            patch_size=16,
            hidden_size=384,
            num_hidden_layers=12,
            num_attention_heads=6,
            intermediate_size=1536,
            qkv_bias=True,
        ),
        "decoder": dict(
            vocab_size=64044,
            d_model=256,
            decoder_layers=6,
            decoder_attention_heads=8,
            decoder_ffn_dim=1024,
            activation_function="relu",
            scale_embedding=True,
            tie_word_embeddings=False,
        ),
    },
    "base": {  # 333.9 M parameters: ViT-base encoder + 12-layer decoder, tied output embeddings
        "encoder_type": "vit",
        "encoder": dict(
            image_size=384,
            patch_size=16,
            hidden_size=768,
            num_hidden_layers=12,
            num_attention_heads=12,
            intermediate_size=3072,
            qkv_bias=False,
        ),
        "decoder": dict(
            vocab_size=50265,
            d_model=1024,
            decoder_layers=12,
            decoder_attention_heads=16,
            decoder_ffn_dim=4096,
            activation_function="gelu",
            scale_embedding=False,
            tie_word_embeddings=True,
        ),
    },
    "tiny": {  # for tests: reads a 32 x 128 line image; trains in seconds on a CPU
        "encoder_type": "vit",
        "encoder": dict(
            image_size=(32, 128),
            patch_size=8,
            hidden_size=64,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=128,
            qkv_bias=True,
        ),
        "decoder": dict(
            d_model=64,
            decoder_layers=2,
            decoder_attention_heads=2,
            decoder_ffn_dim=128,
            activation_function="gelu",
            scale_embedding=False,
            tie_word_embeddings=False,
            max_position_embeddings=128,
        ),
    },
}
SPECIAL_TOKENS = ["<s>", "<pad>", "</s>", "<unk>"]  # ids 0..3, as in RoBERTa: bos, pad, eos, unk


def byte_tokenizer() -> Any:
    """A byte-level tokenizer (one token per UTF-8 byte) that needs no download."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    alphabet = pre_tokenizers.ByteLevel.alphabet()
    vocab = {token: index for index, token in enumerate(SPECIAL_TOKENS)}
    for symbol in sorted(alphabet):
        vocab[symbol] = len(vocab)
    tokenizer = Tokenizer(models.BPE(vocab=vocab, merges=[], unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    tokenizer.decoder = decoders.ByteLevel()
    # Like TrOCR's RoBERTa tokenizer: "<s> text </s>", so training labels end with the end token.
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", special_tokens=[("<s>", 0), ("</s>", 2)]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token="<s>",
        pad_token="<pad>",
        eos_token="</s>",
        unk_token="<unk>",
    )


def image_processor(size: tuple[int, int]) -> Any:
    """The PIL-backed image processor TrOCR uses (no torchvision), for a (height, width) input."""
    from transformers import ViTImageProcessorPil

    height, width = size
    return ViTImageProcessorPil(
        size={"height": height, "width": width}, image_mean=[0.5] * 3, image_std=[0.5] * 3
    )


def build_trocr(size: str = "tiny", *, tokenizer: Any = None, seed: int = 0) -> tuple[Any, Any]:
    """Build a randomly initialised TrOCR model and its processor.

    Args:
        size: ``"tiny"``, ``"small"`` or ``"base"`` (see ``ARCHITECTURES``).
        tokenizer: Tokenizer to pair with it (default: ``byte_tokenizer()``; for the published
            sizes the vocabulary size stays the published one either way, so FLOPs match).
        seed: Seed for the random weights.

    Returns:
        ``(VisionEncoderDecoderModel, TrOCRProcessor)``.
    """
    import torch
    from transformers import (
        DeiTConfig,
        TrOCRConfig,
        TrOCRProcessor,
        VisionEncoderDecoderConfig,
        VisionEncoderDecoderModel,
        ViTConfig,
    )

    architecture = ARCHITECTURES[size]
    tokenizer = tokenizer or byte_tokenizer()
    encoder_class = {"deit": DeiTConfig, "vit": ViTConfig}[architecture["encoder_type"]]
    encoder = encoder_class(**architecture["encoder"])
    decoder_options = {"vocab_size": len(tokenizer), **architecture["decoder"]}
    decoder = TrOCRConfig(
        **decoder_options,
        cross_attention_hidden_size=encoder.hidden_size,
        is_decoder=True,
        add_cross_attention=True,
        bos_token_id=tokenizer.bos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.eos_token_id,  # TrOCR starts decoding from </s>
    )
    config = VisionEncoderDecoderConfig.from_encoder_decoder_configs(encoder, decoder)
    config.decoder_start_token_id = tokenizer.eos_token_id
    config.pad_token_id = tokenizer.pad_token_id
    config.eos_token_id = tokenizer.eos_token_id
    # The seed is for these weights only: the caller's random numbers continue as before.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = VisionEncoderDecoderModel(config=config)
    model.generation_config.decoder_start_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    image_size = encoder.image_size
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    return model.eval(), TrOCRProcessor(image_processor(tuple(image_size)), tokenizer)
