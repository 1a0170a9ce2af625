"""Loading real MineCLIP checkpoints: key names, shapes and numerics, on random MineCLIP-shaped weights.

The expected names and shapes below are written down from MineCLIP's published modules (MineDojo/MineCLIP:
``VideoRewardBase`` with ``image_encoder``/``temporal_encoder``/``reward_head``, the CLIP towers under
``clip_model``, ``reward_head.clip_model`` repeating them, a ``v0-2.t0`` adapter spec, and the
``attn.d2.nh8.glusw`` temporal transformer from x-transformers 0.27), independently of the mapping code.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("open_clip")

from embodied_gym.rewards.checkpoint import (  # noqa: E402
    CheckpointMismatchError,
    load_mineclip_checkpoint,
    load_mineclip_state_dict,
)
from embodied_gym.rewards.config import get_config  # noqa: E402
from embodied_gym.rewards.model import VideoLanguageModel  # noqa: E402


def mineclip_shapes(variant: str, vw=768, vl=12, tw=512, tl=12, d=512, grid=(10, 16), seq=32, vocab=49408,
                    ctx=77) -> dict[str, tuple[int, ...]]:
    """MineCLIP's state-dict keys (after stripping ``model.``) and shapes, from its module definitions."""
    keys: dict[str, tuple[int, ...]] = {}

    def block(prefix: str, w: int) -> None:
        keys.update({
            f"{prefix}.attn.in_proj_weight": (3 * w, w), f"{prefix}.attn.in_proj_bias": (3 * w,),
            f"{prefix}.attn.out_proj.weight": (w, w), f"{prefix}.attn.out_proj.bias": (w,),
            f"{prefix}.ln_1.weight": (w,), f"{prefix}.ln_1.bias": (w,),
            f"{prefix}.mlp.c_fc.weight": (4 * w, w), f"{prefix}.mlp.c_fc.bias": (4 * w,),
            f"{prefix}.mlp.c_proj.weight": (w, 4 * w), f"{prefix}.mlp.c_proj.bias": (w,),
            f"{prefix}.ln_2.weight": (w,), f"{prefix}.ln_2.bias": (w,),
        })

    for vp in ("image_encoder", "clip_model.vision_model", "reward_head.clip_model.vision_model"):
        keys[f"{vp}.conv1.weight"] = (vw, 3, 16, 16)
        keys[f"{vp}.cls_token"] = (vw,)
        keys[f"{vp}.pos_embed"] = (grid[0] * grid[1] + 1, vw)
        keys[f"{vp}.ln_pre.weight"] = (vw,)
        keys[f"{vp}.ln_pre.bias"] = (vw,)
        for i in range(vl):
            block(f"{vp}.blocks.{i}", vw)
        keys[f"{vp}.ln_post.weight"] = (vw,)
        keys[f"{vp}.ln_post.bias"] = (vw,)
        keys[f"{vp}.projection"] = (vw, d)
    for tp in ("clip_model.text_model", "reward_head.clip_model.text_model"):
        keys[f"{tp}.token_embedding.weight"] = (vocab, tw)
        keys[f"{tp}.pos_embed"] = (ctx, tw)
        for i in range(tl):
            block(f"{tp}.blocks.{i}", tw)
        keys[f"{tp}.ln_final.weight"] = (tw,)
        keys[f"{tp}.ln_final.bias"] = (tw,)
        keys[f"{tp}.projection"] = (tw, d)
    keys["clip_model.logit_scale"] = ()
    keys["reward_head.clip_model.logit_scale"] = ()
    keys["reward_head.video_residual_weight"] = ()
    keys["reward_head.video_adapter.0.weight"] = (d, d)
    keys["reward_head.video_adapter.0.bias"] = (d,)
    keys["reward_head.video_adapter.3.weight"] = (d, d)
    keys["reward_head.video_adapter.3.bias"] = (d,)
    if variant == "attn":
        base = "temporal_encoder.attn.model"
        keys[f"{base}.pos_emb.emb.weight"] = (seq, d)
        for layer in range(4):
            keys[f"{base}.attn_layers.layers.{layer}.0.0.weight"] = (d,)
            keys[f"{base}.attn_layers.layers.{layer}.0.0.bias"] = (d,)
            lp = f"{base}.attn_layers.layers.{layer}.1"
            if layer % 2 == 0:
                for name in ("to_q", "to_k", "to_v"):
                    keys[f"{lp}.{name}.weight"] = (d, d)
                keys[f"{lp}.to_out.weight"] = (d, d)
                keys[f"{lp}.to_out.bias"] = (d,)
            else:
                keys[f"{lp}.net.0.proj.weight"] = (8 * d, d)
                keys[f"{lp}.net.0.proj.bias"] = (8 * d,)
                keys[f"{lp}.net.3.weight"] = (d, 4 * d)
                keys[f"{lp}.net.3.bias"] = (d,)
        keys[f"{base}.norm.weight"] = (d,)
        keys[f"{base}.norm.bias"] = (d,)
    return keys


def random_checkpoint(shapes: dict, seed: int = 0) -> dict:
    """A Lightning-style checkpoint; aliased towers share one tensor, as they do in a real MineCLIP model."""
    g = torch.Generator().manual_seed(seed)
    canonical: dict[str, torch.Tensor] = {}
    state = {}
    for key, shape in shapes.items():
        base = key.removeprefix("reward_head.").replace("clip_model.vision_model.", "image_encoder.")
        if base not in canonical:
            canonical[base] = torch.randn(shape, generator=g) * 0.05
        state["model." + key] = canonical[base]
    return {"state_dict": state}


SMALL = dict(vision_width=64, vision_layers=2, vision_heads=2, text_width=32, text_layers=1, text_heads=2,
             embed_dim=64, temporal_heads=8, vocab_size=500)


def small_model(variant: str) -> VideoLanguageModel:
    return VideoLanguageModel(get_config(f"mineclip-{variant}", **SMALL))


def small_shapes(variant: str) -> dict:
    return mineclip_shapes(variant, vw=64, vl=2, tw=32, tl=1, d=64, vocab=500)


@pytest.mark.parametrize("variant", ["avg", "attn"])
def test_mineclip_state_dict_loads_strictly_and_copies_every_tensor(variant):
    model = small_model(variant)
    blob = random_checkpoint(small_shapes(variant))
    load_mineclip_state_dict(model, blob)
    sd = model.state_dict()
    src = blob["state_dict"]
    assert torch.equal(sd["image_encoder.class_embedding"], src["model.image_encoder.cls_token"])
    assert torch.equal(sd["image_encoder.transformer.resblocks.1.mlp.c_fc.weight"],
                       src["model.image_encoder.blocks.1.mlp.c_fc.weight"])
    assert torch.equal(sd["text_encoder.model.text_projection"], src["model.clip_model.text_model.projection"])
    assert torch.equal(sd["video_adapter.mlp.2.weight"], src["model.reward_head.video_adapter.3.weight"])
    assert torch.equal(sd["logit_scale"], src["model.clip_model.logit_scale"])
    if variant == "attn":
        assert torch.equal(sd["temporal.blocks.1.ff_in.weight"],
                           src["model.temporal_encoder.attn.model.attn_layers.layers.3.1.net.0.proj.weight"])


def test_missing_and_unexpected_keys_are_named():
    model = small_model("attn")
    blob = random_checkpoint(small_shapes("attn"))
    state = blob["state_dict"]
    del state["model.temporal_encoder.attn.model.norm.bias"]
    state["model.reward_head.text_adapter.0.weight"] = torch.zeros(64, 64)
    with pytest.raises(CheckpointMismatchError) as err:
        load_mineclip_state_dict(model, blob)
    message = str(err.value)
    assert "temporal_encoder.attn.model.norm.bias" in message
    assert "reward_head.text_adapter.0.weight" in message
    assert isinstance(err.value, KeyError)


def test_avg_checkpoint_into_attn_config_reports_the_missing_transformer():
    with pytest.raises(CheckpointMismatchError) as err:
        load_mineclip_state_dict(small_model("attn"), random_checkpoint(small_shapes("avg")))
    assert "temporal_encoder.attn.model.pos_emb.emb.weight" in err.value.missing


def test_shape_mismatch_is_reported():
    blob = random_checkpoint(mineclip_shapes("avg", vw=64, vl=2, tw=32, tl=1, d=64, grid=(14, 14), vocab=500))
    with pytest.raises(CheckpointMismatchError) as err:
        load_mineclip_state_dict(small_model("avg"), blob)
    assert any("pos_embed" in m for m in err.value.mismatched)


def _reference_temporal(state: dict, x: torch.Tensor, heads: int = 8) -> torch.Tensor:
    """MineCLIP's attn aggregator written from its definition with MineCLIP's own key names."""
    import torch.nn.functional as F

    p = {k.removeprefix("model.temporal_encoder.attn.model."): v for k, v in state.items()
         if k.startswith("model.temporal_encoder.attn.model.")}
    b, n, d = x.shape
    x = x + p["pos_emb.emb.weight"][:n] * d**-0.5
    for layer in range(4):
        pre = f"attn_layers.layers.{layer}."
        h = F.layer_norm(x, (d,), p[pre + "0.0.weight"], p[pre + "0.0.bias"])
        if layer % 2 == 0:
            q, k, v = (F.linear(h, p[pre + f"1.{m}.weight"]).view(b, n, heads, -1).transpose(1, 2)
                       for m in ("to_q", "to_k", "to_v"))
            att = torch.softmax(q @ k.transpose(-1, -2) * q.shape[-1] ** -0.5, dim=-1) @ v
            out = F.linear(att.transpose(1, 2).reshape(b, n, d), p[pre + "1.to_out.weight"], p[pre + "1.to_out.bias"])
        else:
            val, gate = F.linear(h, p[pre + "1.net.0.proj.weight"], p[pre + "1.net.0.proj.bias"]).chunk(2, dim=-1)
            out = F.linear(val * F.silu(gate), p[pre + "1.net.3.weight"], p[pre + "1.net.3.bias"])
        x = x + out
    return F.layer_norm(x, (d,), p["norm.weight"], p["norm.bias"]).mean(dim=1)


def test_loaded_temporal_transformer_computes_mineclips_function():
    model = small_model("attn").eval()
    blob = random_checkpoint(small_shapes("attn"), seed=3)
    load_mineclip_state_dict(model, blob)
    x = torch.randn(3, 16, 64, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        ours = model.temporal(x)
    torch.testing.assert_close(ours, _reference_temporal(blob["state_dict"], x), rtol=1e-4, atol=1e-5)


def test_load_mineclip_checkpoint_from_file_detects_variant(tmp_path, monkeypatch):
    import embodied_gym.rewards.checkpoint as ck

    blob = random_checkpoint(small_shapes("attn"))
    path = tmp_path / "attn.pth"
    torch.save(blob, path)
    # the file holds the small test shapes, so build the small config instead of the full one
    monkeypatch.setattr(ck, "get_config", lambda name: get_config(name, **SMALL))
    model = load_mineclip_checkpoint(path)
    assert model.config.temporal == "attn"
    with pytest.raises(FileNotFoundError):
        load_mineclip_checkpoint(tmp_path / "missing.pth")


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["avg", "attn"])
def test_full_size_mineclip_checkpoint_loads(variant):
    """The real sizes: ViT-B/16 at 160x256, 12-layer text tower, 512-d embedding."""
    model = VideoLanguageModel(get_config(f"mineclip-{variant}"))
    blob = random_checkpoint(mineclip_shapes(variant))
    load_mineclip_state_dict(model, blob)
    with torch.no_grad():
        out = model.encode_video(torch.zeros(1, 2, 3, 160, 256, dtype=torch.uint8))
    assert out.shape == (1, 512)
