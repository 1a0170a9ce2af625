"""The video-language model: configs, shapes, per-frame independence, checkpoints and their errors."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("open_clip")

from embodied_gym.rewards.checkpoint import (  # noqa: E402
    CheckpointMismatchError,
    CheckpointNotFoundError,
    load_model,
    load_open_clip_weights,
    save_checkpoint,
)
from embodied_gym.rewards.config import ConfigError, VideoModelConfig, get_config  # noqa: E402
from embodied_gym.rewards.model import FrameShapeError, VideoLanguageModel  # noqa: E402

TINY = dict(image_size=(32, 32), vision_width=32, vision_layers=1, vision_heads=2, embed_dim=32,
            text="open_clip", text_width=32, text_layers=1, text_heads=2, vocab_size=49408)


def tiny(**kw) -> VideoLanguageModel:
    torch.manual_seed(0)
    return VideoLanguageModel(get_config("tiny64", **{**TINY, **kw})).eval()


def test_import_embodied_gym_does_not_load_torch():
    code = "import sys, embodied_gym, embodied_gym.rewards; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_bad_configs_are_rejected_with_the_accepted_values():
    with pytest.raises(ConfigError, match="avg"):
        get_config("tiny64", temporal="lstm")
    with pytest.raises(ConfigError, match="multiple of patch_size"):
        get_config("tiny64", image_size=(60, 64))
    with pytest.raises(ConfigError, match="mineclip-attn"):
        get_config("vit-huge")
    with pytest.raises(ConfigError, match="unknown config fields"):
        VideoModelConfig.from_dict({"name": "x", "bogus": 1})
    cfg = get_config("mineclip-attn")
    assert cfg.image_size == (160, 256) and cfg.vision_width == 768 and cfg.temporal == "attn"
    assert VideoModelConfig.from_dict(cfg.to_dict()) == cfg


@pytest.mark.parametrize("temporal", ["avg", "attn"])
def test_shapes_and_frame_independence(temporal):
    model = tiny(temporal=temporal, temporal_heads=2)
    clips = torch.randint(0, 255, (3, 16, 3, 32, 32), dtype=torch.uint8)
    with torch.no_grad():
        video = model.encode_video(clips)
        assert video.shape == (3, 32)
        # a frame's embedding does not depend on the other frames in the batch (what the cache relies on)
        alone = model.encode_frames(clips[1, 5:6])
        together = model.encode_frames(clips.reshape(-1, 3, 32, 32))[16 + 5 : 16 + 6]
        torch.testing.assert_close(alone, together, rtol=1e-4, atol=1e-5)
        logits = model(clips, ["a", "b"])
        assert logits.shape == (3, 2)
        # frames of another size are resized to the model's resolution
        big = torch.nn.functional.interpolate(clips[0].float(), size=(64, 64), mode="nearest")
        assert model.encode_frames(big).shape == (16, 32)
    with pytest.raises(FrameShapeError):
        model.encode_video(torch.zeros(16, 3, 32, 32))
    with pytest.raises(FrameShapeError):
        model.encode_frames(torch.zeros(2, 4, 32, 32))


def test_order_matters_for_attn_but_not_avg():
    x = torch.randn(2, 16, 32)
    avg, attn = tiny(temporal="avg"), tiny(temporal="attn", temporal_heads=2)
    with torch.no_grad():
        torch.testing.assert_close(avg.aggregate(x), avg.aggregate(x.flip(1)))
        assert not torch.allclose(attn.aggregate(x), attn.aggregate(x.flip(1)), atol=1e-4)


def test_checkpoint_roundtrip_and_errors(tmp_path):
    model = tiny()
    path = save_checkpoint(model, tmp_path / "m.pt", meta={"negative_prompts": ["dig dirt"], "seed": 3})
    loaded = load_model(path)
    for key, value in model.state_dict().items():
        assert torch.equal(value, loaded.state_dict()[key]), key
    assert loaded.checkpoint_meta["seed"] == 3
    # a checkpoint whose weights do not match its config names the keys
    blob = torch.load(path, weights_only=False)
    del blob["state_dict"]["logit_scale"]
    blob["state_dict"]["extra.weight"] = torch.zeros(1)
    blob["state_dict"]["image_encoder.proj"] = torch.zeros(5, 5)
    torch.save(blob, tmp_path / "bad.pt")
    with pytest.raises(CheckpointMismatchError) as err:
        load_model(tmp_path / "bad.pt")
    text = str(err.value)
    assert "logit_scale" in text and "extra.weight" in text and "image_encoder.proj" in text
    with pytest.raises(CheckpointNotFoundError):
        load_model(tmp_path / "nope.pt")
    torch.save({"state_dict": {}}, tmp_path / "foreign.pt")
    with pytest.raises(CheckpointMismatchError, match="format"):
        load_model(tmp_path / "foreign.pt")


def test_open_clip_weights_from_a_local_file_with_position_resize(tmp_path):
    from open_clip.model import QuickGELU
    from open_clip.transformer import VisionTransformer

    model = tiny(image_size=(32, 48))
    torch.manual_seed(1)
    source = VisionTransformer(image_size=64, patch_size=16, width=32, layers=1, heads=2, mlp_ratio=4.0,
                               output_dim=32, act_layer=QuickGELU)
    state = {f"visual.{k}": v for k, v in source.state_dict().items()}
    state.update({f"{k}": v for k, v in model.text_encoder.model.state_dict().items()})
    state["logit_scale"] = torch.tensor(4.0)
    torch.save(state, tmp_path / "clip.pt")
    load_open_clip_weights(model, tmp_path / "clip.pt")
    assert torch.equal(model.image_encoder.conv1.weight, source.conv1.weight)
    assert model.image_encoder.positional_embedding.shape == (1 + 2 * 3, 32)  # 4x4 grid resized to 2x3
    assert torch.equal(model.image_encoder.positional_embedding[0], source.positional_embedding[0])
    assert model.logit_scale.item() == 4.0
    del state["visual.ln_post.bias"]
    torch.save(state, tmp_path / "broken.pt")
    with pytest.raises(CheckpointMismatchError, match="ln_post.bias"):
        load_open_clip_weights(model, tmp_path / "broken.pt", towers=("vision",))


def test_shipped_checkpoint_loads_and_is_small():
    from embodied_gym.rewards.reward import DEFAULT_CHECKPOINT

    if not DEFAULT_CHECKPOINT.is_file():
        pytest.fail(f"the default checkpoint {DEFAULT_CHECKPOINT} is missing from the package")
    assert DEFAULT_CHECKPOINT.stat().st_size <= 20 * 2**20
    model = load_model(DEFAULT_CHECKPOINT)
    meta = model.checkpoint_meta
    assert meta["negative_prompts"] and meta["data"]["seed"] is not None
    assert model.config.image_size == (64, 64)
    assert np.isfinite(model.logit_scale.item())
