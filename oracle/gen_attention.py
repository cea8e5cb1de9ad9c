"""Oracle for attention and transformer layers in nabla-nn: MultiheadAttention, TransformerEncoderLayer, positional
encodings and a tiny nanoGPT-style GPT, with PyTorch 1.13's state dicts and every parameter's gradient.

Per case, besides fixture.py's "<case>/in<i>", "<case>/out", "<case>/w" and "<case>/grad<i>":
  "<case>/sd/<key>"     the module's state dict (loaded by the Java test with loadStateDict(strict=true)),
  "<case>/pgrad/<key>"  the gradient of the case's scalar objective for every parameter,
  "<case>/mask", "<case>/kpm"  attention mask / key padding mask (bool masks are stored as int64 0/1),
  "<case>/weights", "<case>/w_weights"  attention weights and their upstream gradient (need_weights cases).
The objective is sum(out * w) (+ sum(weights * w_weights)); for "gpt" cases it is the loss itself
("<case>/targets", "<case>/loss") and "<case>/out" holds the logits.
All modules run in eval mode with dropout 0 and inputs that require grad (so PyTorch's fused fast paths stay off).
Written to nabla-nn/src/test/resources/fixtures/attention.safetensors.
"""
import math
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F
from fixture import Fixture

OUT = Path(__file__).resolve().parent.parent / "nabla-nn" / "src" / "test" / "resources" / "fixtures"
fx = Fixture("attention")
r = fx.randn


def new_case(name, op, args):
    if any(c["name"] == name for c in fx.cases):
        raise ValueError("duplicate case " + name)
    fx.cases.append({"name": name, "op": op, "args": args})


def save_state(name, module):
    for k, v in module.state_dict().items():
        fx.tensors[f"{name}/sd/{k}"] = v.detach().clone()


def save_pgrads(name, module):
    for k, p in module.named_parameters():
        if p.grad is not None:
            fx.tensors[f"{name}/pgrad/{k}"] = p.grad.detach().clone()


def leaves(inputs):
    return [x.detach().clone().requires_grad_(True) for x in inputs]


def finish(name, module, xs, out, weights=None):
    w = torch.randn(out.shape, generator=fx.gen)
    total = (out * w).sum()
    if weights is not None:
        ww = torch.randn(weights.shape, generator=fx.gen)
        total = total + (weights * ww).sum()
        fx.tensors[f"{name}/weights"] = weights.detach()
        fx.tensors[f"{name}/w_weights"] = ww
    total.backward()
    fx.tensors[f"{name}/w"] = w
    fx.tensors[f"{name}/out"] = out.detach()
    for i, x in enumerate(xs):
        fx.tensors[f"{name}/in{i}"] = x.detach()
        if x.grad is not None:
            fx.tensors[f"{name}/grad{i}"] = x.grad.detach()
    save_pgrads(name, module)


def randomize_norms(module):
    with torch.no_grad():
        for k, p in module.named_parameters():
            if "norm" in k:
                p.copy_(r(*p.shape) * 0.3 + (1.0 if k.endswith("weight") else 0.0))
            elif k.endswith("bias"):
                p.copy_(r(*p.shape) * 0.1)  # PyTorch starts in_proj/out_proj biases at 0: test them non-zero
    return module


def causal(l, s=None):
    return torch.triu(torch.ones(l, l if s is None else s, dtype=torch.bool), 1)


# ---------------------------------------------------------------- MultiheadAttention
def mha(name, e, h, n, l, s=None, *, batch_first=True, bias=True, self_attn=True, kpm=None, mask=None,
        need_weights=False, average=True, is_causal=False, unbatched=False):
    """is_causal: the Java side passes isCausal=true; PyTorch gets the explicit triu mask (merged into `mask`)."""
    s = l if s is None else s
    m = randomize_norms(nn.MultiheadAttention(e, h, bias=bias, batch_first=batch_first)).eval()
    new_case(name, "mha", {"embed_dim": e, "num_heads": h, "bias": bias, "batch_first": batch_first,
                           "self": self_attn, "need_weights": need_weights, "average": average,
                           "causal": is_causal})
    save_state(name, m)

    def shaped(length):
        if unbatched:
            return r(length, e)
        return r(n, length, e) if batch_first else r(length, n, e)

    if kpm is not None:
        fx.tensors[f"{name}/kpm"] = kpm
    if mask is not None:
        fx.tensors[f"{name}/mask"] = mask
    torch_mask = mask
    if is_causal:
        torch_mask = causal(l, s) if mask is None else (mask | causal(l, s) if mask.dtype == torch.bool
                                                         else mask.masked_fill(causal(l, s), float("-inf")))
    if self_attn:
        xs = leaves([shaped(l)])
        q = k = v = xs[0]
    else:
        xs = leaves([shaped(l), shaped(s), shaped(s)])
        q, k, v = xs
    out, weights = m(q, k, v, key_padding_mask=kpm, need_weights=need_weights, attn_mask=torch_mask,
                     average_attn_weights=average)
    finish(name, m, xs, out, weights if need_weights else None)


E, H, N, L = 8, 2, 3, 5
mha("mha_self_batch_first", E, H, N, L)
mha("mha_self_seq_first_weights", E, H, N, L, batch_first=False, need_weights=True)
mha("mha_self_nobias", E, H, N, L, bias=False)
mha("mha_unbatched", E, H, 1, L, unbatched=True)
mha("mha_unbatched_cross_weights", E, H, 1, L, 4, unbatched=True, self_attn=False, need_weights=True)
kpm = torch.zeros(N, 6, dtype=torch.bool)
kpm[0, 5] = True
kpm[2, 3:] = True
mha("mha_cross_kpm_bool", E, H, N, L, 6, self_attn=False, kpm=kpm)
mha("mha_cross_kpm_bool_seq_first_weights", E, H, N, L, 6, self_attn=False, kpm=kpm, batch_first=False,
    need_weights=True)
kpm_f = r(N, L)
kpm_f[1, 2] = float("-inf")
mha("mha_self_kpm_float", E, H, N, L, kpm=kpm_f)
bmask = torch.rand(L, L, generator=fx.gen) > 0.6
bmask[:, 0] = False
kpm2 = torch.zeros(N, L, dtype=torch.bool)
kpm2[1, 3:] = True
mha("mha_self_bool_mask_kpm", E, H, N, L, mask=bmask, kpm=kpm2)
mha("mha_self_bool_mask_kpm_weights", E, H, N, L, mask=bmask, kpm=kpm2, need_weights=True)
fmask3 = r(N * H, L, 6)
fmask3[0, 1, 2] = float("-inf")
mha("mha_cross_float_mask3d", E, H, N, L, 6, self_attn=False, mask=fmask3)
mha("mha_cross_float_mask3d_kpm_weights_heads", E, H, N, L, 6, self_attn=False, mask=fmask3, kpm=kpm,
    need_weights=True, average=False)
mha("mha_self_float_mask2d_seq_first", E, H, N, L, mask=r(L, L), batch_first=False)
mha("mha_causal", E, H, N, L, is_causal=True)
mha("mha_causal_seq_first_weights", E, H, N, L, is_causal=True, batch_first=False, need_weights=True)
mha("mha_causal_kpm", 12, 3, N, 6, is_causal=True, kpm=torch.tensor([[False] * 6, [False] * 4 + [True] * 2,
                                                                      [False] * 5 + [True]]))
mha("mha_causal_cross_longer_keys", E, H, N, 4, 6, self_attn=False, is_causal=True)


# ---------------------------------------------------------------- TransformerEncoderLayer
def encoder(name, *, norm_first, activation, batch_first, mask=None, kpm=None, is_causal=False, d=8, nhead=2, ff=16):
    m = randomize_norms(nn.TransformerEncoderLayer(d, nhead, ff, dropout=0.0, activation=activation,
                                                   layer_norm_eps=1e-5, batch_first=batch_first,
                                                   norm_first=norm_first)).eval()
    new_case(name, "encoder", {"d_model": d, "nhead": nhead, "dim_feedforward": ff, "activation": activation,
                               "batch_first": batch_first, "norm_first": norm_first, "causal": is_causal})
    save_state(name, m)
    if kpm is not None:
        fx.tensors[f"{name}/kpm"] = kpm
    if mask is not None:
        fx.tensors[f"{name}/mask"] = mask
    torch_mask = causal(L) if is_causal else mask
    xs = leaves([r(N, L, d) if batch_first else r(L, N, d)])
    out = m(xs[0], src_mask=torch_mask, src_key_padding_mask=kpm)
    finish(name, m, xs, out)


encoder("enc_post_relu", norm_first=False, activation="relu", batch_first=True)
encoder("enc_pre_gelu", norm_first=True, activation="gelu", batch_first=True)
encoder("enc_post_gelu_seq_first_masks", norm_first=False, activation="gelu", batch_first=False, mask=bmask, kpm=kpm2)
encoder("enc_pre_relu_float_mask_kpm", norm_first=True, activation="relu", batch_first=True, mask=r(L, L), kpm=kpm2)
encoder("enc_pre_gelu_causal", norm_first=True, activation="gelu", batch_first=True, is_causal=True)
encoder("enc_post_relu_causal_kpm", norm_first=False, activation="relu", batch_first=True, is_causal=True, kpm=kpm2)


# ---------------------------------------------------------------- positional encodings
def sinusoidal_table(max_len, d):
    position = torch.arange(max_len, dtype=torch.float32).unsqueeze(1)
    div_term = torch.exp(torch.arange(0, d, 2, dtype=torch.float32) * (-math.log(10000.0) / d))
    pe = torch.zeros(max_len, d)
    pe[:, 0::2] = torch.sin(position * div_term)
    pe[:, 1::2] = torch.cos(position * div_term)
    return pe


class Sinusoidal(nn.Module):
    def __init__(self, d, max_len, batch_first):
        super().__init__()
        self.batch_first = batch_first
        self.register_buffer("pe", sinusoidal_table(max_len, d), persistent=False)

    def forward(self, x):
        t = x.shape[1] if self.batch_first else x.shape[0]
        return x + (self.pe[:t] if self.batch_first else self.pe[:t].unsqueeze(1))


class Learned(nn.Module):
    def __init__(self, max_len, d, batch_first):
        super().__init__()
        self.batch_first = batch_first
        self.embedding = nn.Embedding(max_len, d)

    def forward(self, x):
        t = x.shape[1] if self.batch_first else x.shape[0]
        pos = self.embedding(torch.arange(t))
        return x + (pos if self.batch_first else pos.unsqueeze(1))


def posenc(name, op, module, x, args):
    new_case(name, op, args)
    save_state(name, module)
    xs = leaves([x])
    finish(name, module, xs, module(xs[0]))


posenc("sinusoidal_batch_first", "sinusoidal", Sinusoidal(16, 50, True), r(2, 7, 16),
       {"d_model": 16, "max_len": 50, "batch_first": True})
posenc("sinusoidal_seq_first", "sinusoidal", Sinusoidal(6, 40, False), r(40, 2, 6),
       {"d_model": 6, "max_len": 40, "batch_first": False})
posenc("learned_batch_first", "learned", Learned(10, 4, True), r(3, 6, 4),
       {"d_model": 4, "max_len": 10, "batch_first": True})
posenc("learned_seq_first", "learned", Learned(10, 4, False), r(10, 2, 4),
       {"d_model": 4, "max_len": 10, "batch_first": False})


# ---------------------------------------------------------------- GPT (nanoGPT's module names)
class LayerNorm(nn.Module):
    def __init__(self, ndim, bias):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(ndim))
        self.bias = nn.Parameter(torch.zeros(ndim)) if bias else None

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, self.bias, 1e-5)


class CausalSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c_attn = nn.Linear(c["n_embd"], 3 * c["n_embd"], bias=c["bias"])
        self.c_proj = nn.Linear(c["n_embd"], c["n_embd"], bias=c["bias"])
        self.n_head, self.n_embd = c["n_head"], c["n_embd"]

    def forward(self, x):
        b, t, ch = x.size()
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        q, k, v = (z.view(b, t, self.n_head, ch // self.n_head).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(causal(t), float("-inf"))
        y = F.softmax(att, dim=-1) @ v
        return self.c_proj(y.transpose(1, 2).contiguous().view(b, t, ch))


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c_fc = nn.Linear(c["n_embd"], 4 * c["n_embd"], bias=c["bias"])
        self.c_proj = nn.Linear(4 * c["n_embd"], c["n_embd"], bias=c["bias"])

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.ln_1 = LayerNorm(c["n_embd"], c["bias"])
        self.attn = CausalSelfAttention(c)
        self.ln_2 = LayerNorm(c["n_embd"], c["bias"])
        self.mlp = MLP(c)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(c["vocab_size"], c["n_embd"]),
            wpe=nn.Embedding(c["block_size"], c["n_embd"]),
            h=nn.ModuleList([Block(c) for _ in range(c["n_layer"])]),
            ln_f=LayerNorm(c["n_embd"], c["bias"])))
        self.lm_head = nn.Linear(c["n_embd"], c["vocab_size"], bias=False)
        if c["tie_weights"]:
            self.transformer.wte.weight = self.lm_head.weight
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                torch.nn.init.normal_(m.weight, 0.0, 0.02)
            if isinstance(m, nn.Linear) and m.bias is not None:
                torch.nn.init.zeros_(m.bias)
        for pn, p in self.named_parameters():
            if pn.endswith("c_proj.weight"):
                torch.nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * c["n_layer"]))

    def forward(self, idx):
        t = idx.size(1)
        x = self.transformer.wte(idx) + self.transformer.wpe(torch.arange(t))
        for block in self.transformer.h:
            x = block(x)
        return self.lm_head(self.transformer.ln_f(x))


def gpt(name, c, b, t):
    torch.manual_seed(len(fx.cases))
    m = GPT(c)
    with torch.no_grad():  # larger weights than nanoGPT's init, so that every term matters in the comparison
        for k, p in m.named_parameters():
            p.add_(r(*p.shape) * (0.3 if "ln" in k else 0.2))
    new_case(name, "gpt", dict(c))
    save_state(name, m)
    idx = torch.randint(0, c["vocab_size"], (b, t), generator=fx.gen)
    targets = torch.randint(0, c["vocab_size"], (b, t), generator=fx.gen)
    logits = m(idx)
    loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
    loss.backward()
    fx.tensors[f"{name}/in0"] = idx
    fx.tensors[f"{name}/targets"] = targets
    fx.tensors[f"{name}/out"] = logits.detach()
    fx.tensors[f"{name}/loss"] = loss.detach()
    save_pgrads(name, m)


tiny = {"vocab_size": 11, "block_size": 8, "n_layer": 2, "n_head": 2, "n_embd": 16, "dropout": 0.0}
gpt("gpt_untied_bias", dict(tiny, bias=True, tie_weights=False), 3, 8)
gpt("gpt_tied_nobias", dict(tiny, bias=False, tie_weights=True), 3, 8)
gpt("gpt_untied_nobias_short", dict(tiny, bias=False, tie_weights=False), 2, 5)

fx.save(OUT)
