"""Per-step inference for the reward wrappers in plain numpy: the frame tower and the clip scorer.

Why numpy: a reward wrapper embeds ONE frame per env step. For the small default tower (open_clip ViT,
64x64, 17 tokens, width 128) the arithmetic is ~0.3 ms, but an eager torch forward costs ~3x that in
per-op dispatch, and on a 2-core box torch's OpenMP pool and the worlds' numba threads take turns on the
cores, which costs more again. The same forward as ~30 numpy calls (single-threaded BLAS at these sizes)
has neither cost. Weights are copied once from the torch modules, and the pixel normalisation is folded
into the patch projection (it is linear), so uint8 frames go straight into one matmul.

:class:`NumpyVisionTower` reproduces open_clip's ``VisionTransformer.forward`` for the configuration this
package builds (pre-norm ``ResidualAttentionBlock``, class-token pooling, ``ln_post`` then ``proj``);
:func:`numpy_tower_or_none` returns ``None`` for any other layout so callers fall back to torch.
:class:`NumpyClipHead` does the rest of MineCLIP's reward: average pooling, the residual video adapter,
cosine similarity with cached prompt embeddings, softmax.
"""

from __future__ import annotations

import numpy as np

_EPS = 1e-5


def _np(t) -> np.ndarray:
    return t.detach().cpu().numpy().astype(np.float32, copy=True)


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    """LayerNorm over the last axis of a 2-D array (few temporaries: this runs 5 times per frame)."""
    xc = x - x.mean(axis=-1, keepdims=True)
    var = np.einsum("ij,ij->i", xc, xc)[:, None]
    var *= np.float32(1.0 / x.shape[-1])
    var += np.float32(eps)
    xc *= 1.0 / np.sqrt(var)
    xc *= w
    xc += b
    return xc


def _quick_gelu(x: np.ndarray) -> np.ndarray:
    return x / (1.0 + np.exp(-1.702 * x))


def _gelu(x: np.ndarray) -> np.ndarray:
    from math import sqrt

    try:
        from scipy.special import erf
    except ImportError:  # pragma: no cover - scipy ships with scikit-learn
        raise ImportError("the numpy tower's exact GELU needs scipy") from None
    return 0.5 * x * (1.0 + erf(x / sqrt(2.0)))


class NumpyVisionTower:
    """open_clip ``VisionTransformer`` forward in numpy: uint8 frames in, frame embeddings out.

    ``mean``/``std`` are the model's pixel statistics on the 0-255 scale; frames must already have the
    tower's resolution (the wrapper resizes others through torch first).
    """

    #: frames per forward pass; larger batches are split (measured: ~16 is fastest for the tiny64 tower)
    CHUNK = 16

    def __init__(self, tower, mean: np.ndarray, std: np.ndarray) -> None:
        conv = _np(tower.conv1.weight)  # (width, 3, ph, pw)
        self.width = conv.shape[0]
        self.patch = tuple(int(p) for p in tower.conv1.kernel_size)
        self.image_size = tuple(int(s) for s in tower.image_size)
        mean = np.asarray(mean, np.float32).reshape(3)
        std = np.asarray(std, np.float32).reshape(3)
        # conv(x_norm) = conv((x - mean) / std) = (conv / std) . x - (conv / std) . mean
        scaled = conv / std[None, :, None, None]
        self.bias_patch = -np.einsum("wchk,c->w", scaled, mean).astype(np.float32)
        # weights for patches laid out (ph, pw, c) -- HWC frames -- and (c, ph, pw) -- CHW frames
        self.w_hwc = np.ascontiguousarray(scaled.transpose(2, 3, 1, 0).reshape(-1, self.width))
        self.w_chw = np.ascontiguousarray(scaled.reshape(self.width, -1).T)
        cls = _np(tower.class_embedding)
        pos = _np(tower.positional_embedding)
        self.cls_row = (cls + pos[0])[None, None, :]
        self.pos_patches = pos[1:][None]
        self.ln_pre = (_np(tower.ln_pre.weight), _np(tower.ln_pre.bias), float(tower.ln_pre.eps))
        self.blocks = []
        for block in tower.transformer.resblocks:
            attn = block.attn
            heads = int(attn.num_heads)
            self.blocks.append(dict(
                ln1=(_np(block.ln_1.weight), _np(block.ln_1.bias), float(block.ln_1.eps)),
                w_in=np.ascontiguousarray(_np(attn.in_proj_weight).T), b_in=_np(attn.in_proj_bias),
                w_out=np.ascontiguousarray(_np(attn.out_proj.weight).T), b_out=_np(attn.out_proj.bias),
                heads=heads,
                ln2=(_np(block.ln_2.weight), _np(block.ln_2.bias), float(block.ln_2.eps)),
                w_fc=np.ascontiguousarray(_np(block.mlp.c_fc.weight).T), b_fc=_np(block.mlp.c_fc.bias),
                w_proj=np.ascontiguousarray(_np(block.mlp.c_proj.weight).T), b_proj=_np(block.mlp.c_proj.bias),
                act=_quick_gelu if type(block.mlp.gelu).__name__ == "QuickGELU" else _gelu,
            ))
        self.ln_post = (_np(tower.ln_post.weight), _np(tower.ln_post.bias), float(tower.ln_post.eps))
        self.proj = np.ascontiguousarray(_np(tower.proj))
        self.output_dim = self.proj.shape[1]

    def _patches(self, frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(B, 3, H, W) or (B, H, W, 3) uint8 -> (B, grid, patch pixels) and the matching weights."""
        ph, pw = self.patch
        h, w = self.image_size
        gh, gw = h // ph, w // pw
        b = frames.shape[0]
        if frames.shape[-1] == 3 and frames.shape[1] != 3:  # HWC
            x = frames.reshape(b, gh, ph, gw, pw, 3).transpose(0, 1, 3, 2, 4, 5)
            weights = self.w_hwc
        else:
            x = frames.reshape(b, 3, gh, ph, gw, pw).transpose(0, 2, 4, 1, 3, 5)
            weights = self.w_chw
        return x.reshape(b, gh * gw, -1).astype(np.float32), weights

    def __call__(self, frames: np.ndarray) -> np.ndarray:
        """``(B, 3, H, W)`` or ``(B, H, W, 3)`` pixels (uint8 or float 0-255) -> ``(B, output_dim)`` float32.

        Activations stay 2-D, ``(B * tokens, width)``, so every projection is one BLAS call (numpy's
        matmul on a stack of matrices calls BLAS once per matrix).
        """
        frames = np.asarray(frames)
        spatial = frames.shape[1:3] if frames.shape[-1] == 3 and frames.shape[1] != 3 else frames.shape[2:4]
        if frames.ndim != 4 or tuple(spatial) != self.image_size:
            raise ValueError(f"the numpy tower takes (B, 3, {self.image_size[0]}, {self.image_size[1]}) "
                             f"or HWC frames, got {frames.shape}")
        if frames.shape[0] > self.CHUNK:  # activations of a few frames stay in cache; big batches do not
            return np.concatenate([self(frames[i : i + self.CHUNK]) for i in range(0, len(frames), self.CHUNK)])
        b = frames.shape[0]
        d = self.width
        patches, weights = self._patches(frames)
        grid = patches.shape[1]
        n = grid + 1
        x = np.empty((b, n, d), dtype=np.float32)
        x[:, 0] = self.cls_row[0]
        x[:, 1:] = (patches.reshape(b * grid, -1) @ weights).reshape(b, grid, d)
        x[:, 1:] += self.bias_patch
        x[:, 1:] += self.pos_patches
        x = _layer_norm(x.reshape(b * n, d), *self.ln_pre)
        for blk in self.blocks:
            heads = blk["heads"]
            hd = d // heads
            qkv = _layer_norm(x, *blk["ln1"]) @ blk["w_in"]
            qkv += blk["b_in"]
            qkv = qkv.reshape(b, n, 3, heads, hd).transpose(2, 0, 3, 1, 4)  # (3, B, heads, N, hd)
            q, k, v = qkv[0], qkv[1], qkv[2]
            att = (q * np.float32(hd**-0.5)) @ k.transpose(0, 1, 3, 2)
            att -= att.max(axis=-1, keepdims=True)
            np.exp(att, out=att)
            att /= att.sum(axis=-1, keepdims=True)
            out = (att @ v).transpose(0, 2, 1, 3).reshape(b * n, d) @ blk["w_out"]
            out += blk["b_out"]
            x = x + out
            h = _layer_norm(x, *blk["ln2"]) @ blk["w_fc"]
            h += blk["b_fc"]
            h = blk["act"](h) @ blk["w_proj"]
            h += blk["b_proj"]
            x += h
        pooled = _layer_norm(np.ascontiguousarray(x.reshape(b, n, d)[:, 0]), *self.ln_post)
        return pooled @ self.proj


def numpy_tower_or_none(model) -> NumpyVisionTower | None:
    """A :class:`NumpyVisionTower` when ``model.image_encoder`` has exactly the layout it implements.

    Anything else (attentional pooling, LayerScale, patch dropout, average-token pooling, other block
    types or activations) returns ``None``: the caller then keeps the torch forward, which is always right.
    """
    from open_clip.transformer import LayerNorm, QuickGELU, ResidualAttentionBlock
    from torch import nn

    tower = model.image_encoder
    try:
        if getattr(tower, "attn_pool", None) is not None or getattr(tower, "final_ln_after_pool", False):
            return None
        if getattr(tower, "pool_type", "tok") != "tok" or getattr(tower, "output_tokens", False):
            return None
        if not isinstance(tower.patch_dropout, nn.Identity) or tower.proj is None:
            return None
        if tower.conv1.bias is not None or tuple(tower.conv1.kernel_size) != tuple(tower.conv1.stride):
            return None
        if not getattr(tower.transformer, "batch_first", True):
            return None
        norms = [tower.ln_pre, tower.ln_post]
        for block in tower.transformer.resblocks:
            if type(block) is not ResidualAttentionBlock or hasattr(block, "ln_1_kv"):
                return None
            if not (isinstance(block.ls_1, nn.Identity) and isinstance(block.ls_2, nn.Identity)):
                return None
            if not isinstance(block.attn, nn.MultiheadAttention) or block.attn.in_proj_weight is None:
                return None
            if block.attn.in_proj_bias is None or block.attn.out_proj.bias is None:
                return None
            if type(block.mlp.gelu) not in (QuickGELU, nn.GELU) or getattr(block.mlp.gelu, "approximate",
                                                                          "none") != "none":
                return None
            norms += [block.ln_1, block.ln_2]
        if not all(type(n) in (LayerNorm, nn.LayerNorm) and n.elementwise_affine for n in norms):
            return None
    except AttributeError:
        return None
    mean = model.pixel_mean.reshape(3).cpu().numpy()
    std = model.pixel_std.reshape(3).cpu().numpy()
    return NumpyVisionTower(tower, mean, std)


class NumpyClipHead:
    """Frame embeddings -> clip embedding for ``avg`` pooling in numpy: the mean, then the residual adapter.

    (The reward wrapper then normalises it and takes one product with its cached prompt matrix.)
    """

    def __init__(self, model) -> None:
        from embodied_gym.rewards.model import ResidualAdapter, TemporalAverage
        from torch import nn

        if not isinstance(model.temporal, TemporalAverage):
            raise TypeError("NumpyClipHead only implements average pooling")
        adapter = model.video_adapter
        self.layers: list[tuple[np.ndarray, np.ndarray]] = []
        self.mix = None
        if isinstance(adapter, ResidualAdapter):
            import torch

            linears = [m for m in adapter.mlp if isinstance(m, nn.Linear)]
            self.layers = [(np.ascontiguousarray(_np(m.weight).T), _np(m.bias)) for m in linears]
            self.mix = float(torch.sigmoid(adapter.residual_weight.detach()).item())
        elif not isinstance(adapter, nn.Identity):
            raise TypeError(f"NumpyClipHead does not know the video adapter {type(adapter).__name__}")

    def clip_embeddings(self, frame_features: np.ndarray) -> np.ndarray:
        """``(B, T, D)`` frame embeddings -> ``(B, D)`` clip embeddings (not normalised)."""
        x = frame_features.mean(axis=1, dtype=np.float32)
        if self.mix is None:
            return x
        h = x
        for i, (w, b) in enumerate(self.layers):
            h = h @ w + b
            if i < len(self.layers) - 1:
                h = np.maximum(h, 0.0)
        return self.mix * x + (1.0 - self.mix) * h
