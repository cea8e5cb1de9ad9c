"""Oracle for nabla-nn: layers and losses as modules, with PyTorch state dicts and parameter gradients.

For every case, beyond fixture.py's "<case>/in<i>", "<case>/out", "<case>/w" and "<case>/grad<i>" (input grads):
  "<case>/sd/<key>"    the module's state dict before the forward (the Java test loads it with loadStateDict),
  "<case>/pgrad/<key>" the gradient of sum(out * w) for every parameter,
  "<case>/post/<key>"  the state dict after the forward(s) (BatchNorm's running statistics).
args["steps"] = k means in0..in(k-1) were first passed through the module in training mode (no backward); the
recorded forward runs on the remaining inputs in the mode args["training"].
Written to nabla-nn/src/test/resources/fixtures/nn.safetensors.
"""
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F
from fixture import Fixture

OUT = Path(__file__).resolve().parent.parent / "nabla-nn" / "src" / "test" / "resources" / "fixtures"
fx = Fixture("nn")
r, rand, randint = fx.randn, fx.rand, fx.randint


def record(name, op, args, module, inputs, grad_inputs=(0,), steps=(), training=True):
    if any(c["name"] == name for c in fx.cases):
        raise ValueError("duplicate case " + name)
    for k, v in module.state_dict().items():
        fx.tensors[f"{name}/sd/{k}"] = v.detach().clone()
    module.train()
    for x in steps:
        module(x)
    module.train(training)
    xs = []
    for i, x in enumerate(inputs):
        x = x.detach().clone()
        if i in grad_inputs and x.is_floating_point():
            x.requires_grad_(True)
        xs.append(x)
    out = module(*xs)
    if out.requires_grad:
        w = torch.randn(out.shape, generator=fx.gen)
        try:
            out.backward(w)
        except RuntimeError as e:  # e.g. a target gradient PyTorch does not implement: record without it
            if len(grad_inputs) <= 1:
                raise
            print(f"{name}: {e}; recording without target gradient")
            for k in list(fx.tensors):
                if k.startswith(name + "/"):
                    del fx.tensors[k]
            return record(name, op, args, module, inputs, grad_inputs[:1], steps, training)
        fx.tensors[f"{name}/w"] = w
    all_inputs = list(steps) + xs
    for i, x in enumerate(all_inputs):
        fx.tensors[f"{name}/in{i}"] = x.detach()
    fx.tensors[f"{name}/out"] = out.detach()
    for i, x in enumerate(xs):
        if x.grad is not None:
            fx.tensors[f"{name}/grad{i + len(steps)}"] = x.grad.detach()
    for k, p in module.named_parameters():
        if p.grad is not None:
            fx.tensors[f"{name}/pgrad/{k}"] = p.grad.detach()
    for k, v in module.state_dict().items():
        fx.tensors[f"{name}/post/{k}"] = v.detach().clone()
    fx.cases.append({"name": name, "op": op, "args": dict(args, steps=len(steps), training=training)})


def randomize(module):
    """Non-default values for norm parameters and buffers, so that every element's role is tested."""
    with torch.no_grad():
        for k, v in module.state_dict().items():
            if k.endswith("num_batches_tracked"):
                v.fill_(3)
            elif "running_var" in k:
                v.copy_(rand(*v.shape) + 0.5)
            elif v.is_floating_point() and ("norm" in type(module).__name__.lower() or "running" in k):
                v.copy_(r(*v.shape) * 0.5 + (1.0 if k.endswith("weight") else 0.0))
    return module


torch.manual_seed(0)

# ---------------------------------------------------------------- layers
record("linear", "linear", {"in_features": 5, "out_features": 3, "bias": True}, nn.Linear(5, 3), [r(4, 5)])
record("linear_nobias_3d", "linear", {"in_features": 5, "out_features": 3, "bias": False},
       nn.Linear(5, 3, bias=False), [r(2, 3, 5)])
record("conv2d", "conv2d", {"in_channels": 3, "out_channels": 4, "kernel_size": [3, 3], "stride": [1, 1],
                            "padding": [1, 1], "dilation": [1, 1], "groups": 1, "bias": True},
       nn.Conv2d(3, 4, 3, padding=1), [r(2, 3, 6, 6)])
record("conv2d_opts", "conv2d", {"in_channels": 4, "out_channels": 6, "kernel_size": [3, 2], "stride": [2, 1],
                                 "padding": [1, 0], "dilation": [1, 2], "groups": 2, "bias": True},
       nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2), [r(2, 4, 7, 8)])
record("conv2d_unbatched_nobias", "conv2d", {"in_channels": 2, "out_channels": 3, "kernel_size": [2, 2],
                                             "stride": [1, 1], "padding": [0, 0], "dilation": [1, 1], "groups": 1,
                                             "bias": False},
       nn.Conv2d(2, 3, 2, bias=False), [r(2, 5, 5)])
record("maxpool2d", "maxpool2d", {"kernel_size": [2, 2], "stride": [2, 2], "padding": [0, 0], "dilation": [1, 1],
                                  "ceil_mode": False}, nn.MaxPool2d(2), [r(2, 3, 6, 6)])
record("maxpool2d_opts", "maxpool2d", {"kernel_size": [3, 3], "stride": [2, 2], "padding": [1, 1],
                                       "dilation": [1, 1], "ceil_mode": True},
       nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), [r(1, 2, 8, 8)])
record("avgpool2d", "avgpool2d", {"kernel_size": [2, 2], "stride": [2, 2], "padding": [0, 0], "ceil_mode": False,
                                  "count_include_pad": True}, nn.AvgPool2d(2), [r(2, 3, 6, 6)])
record("avgpool2d_opts", "avgpool2d", {"kernel_size": [3, 3], "stride": [2, 2], "padding": [1, 1],
                                       "ceil_mode": True, "count_include_pad": False},
       nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False), [r(1, 2, 8, 8)])
record("adaptive_even", "adaptive_avgpool2d", {"output_size": [2, 3]}, nn.AdaptiveAvgPool2d((2, 3)), [r(2, 3, 6, 6)])
record("adaptive_uneven", "adaptive_avgpool2d", {"output_size": [3, 4]}, nn.AdaptiveAvgPool2d((3, 4)), [r(2, 2, 7, 9)])
record("adaptive_global", "adaptive_avgpool2d", {"output_size": [1, 1]}, nn.AdaptiveAvgPool2d(1), [r(2, 3, 5, 4)])
record("flatten", "flatten", {"start_dim": 1, "end_dim": -1}, nn.Flatten(), [r(2, 3, 4, 5)])
record("flatten_opts", "flatten", {"start_dim": 0, "end_dim": 2}, nn.Flatten(0, 2), [r(2, 3, 4, 5)])
record("dropout_eval", "dropout", {"p": 0.3}, nn.Dropout(0.3), [r(4, 5)], training=False)

record("batchnorm2d_train", "batchnorm2d", {"num_features": 3, "eps": 1e-3, "momentum": 0.2, "affine": True,
                                            "track_running_stats": True},
       randomize(nn.BatchNorm2d(3, eps=1e-3, momentum=0.2)), [r(4, 3, 3, 3) * 2 + 1])
record("batchnorm2d_steps_eval", "batchnorm2d", {"num_features": 3, "eps": 1e-5, "momentum": 0.1, "affine": True,
                                                 "track_running_stats": True},
       randomize(nn.BatchNorm2d(3)), [r(2, 3, 4, 4)], steps=[r(2, 3, 4, 4) + 1, r(2, 3, 4, 4) * 3], training=False)
record("batchnorm2d_cma", "batchnorm2d", {"num_features": 2, "eps": 1e-5, "momentum": None, "affine": True,
                                          "track_running_stats": True},
       randomize(nn.BatchNorm2d(2, momentum=None)), [r(3, 2, 2, 3)], steps=[r(3, 2, 2, 3), r(3, 2, 2, 3) - 2])
record("batchnorm1d", "batchnorm1d", {"num_features": 4, "eps": 1e-5, "momentum": 0.1, "affine": True,
                                      "track_running_stats": True},
       randomize(nn.BatchNorm1d(4)), [r(8, 4)])
record("batchnorm1d_3d_noaffine", "batchnorm1d", {"num_features": 3, "eps": 1e-5, "momentum": 0.3, "affine": False,
                                                  "track_running_stats": True},
       randomize(nn.BatchNorm1d(3, momentum=0.3, affine=False)), [r(4, 3, 5)], steps=[r(4, 3, 5)], training=False)
record("batchnorm1d_notrack_eval", "batchnorm1d", {"num_features": 4, "eps": 1e-5, "momentum": 0.1, "affine": True,
                                                   "track_running_stats": False},
       randomize(nn.BatchNorm1d(4, track_running_stats=False)), [r(6, 4)], training=False)
record("layernorm", "layernorm", {"normalized_shape": [5], "eps": 1e-5, "elementwise_affine": True},
       randomize(nn.LayerNorm(5)), [r(2, 3, 5)])
record("layernorm_2d", "layernorm", {"normalized_shape": [3, 4], "eps": 1e-3, "elementwise_affine": True},
       randomize(nn.LayerNorm([3, 4], eps=1e-3)), [r(2, 3, 4) * 2])
record("layernorm_noaffine", "layernorm", {"normalized_shape": [6], "eps": 1e-5, "elementwise_affine": False},
       nn.LayerNorm(6, elementwise_affine=False), [r(4, 6)])
record("embedding", "embedding", {"num_embeddings": 10, "embedding_dim": 4}, nn.Embedding(10, 4),
       [randint(0, 10, 2, 5)], grad_inputs=())
emb = nn.Embedding(10, 4, padding_idx=2)
with torch.no_grad():
    emb.weight[2].copy_(r(4))  # a non-zero padding row: still read in the forward, never given a gradient
record("embedding_padding", "embedding", {"num_embeddings": 10, "embedding_dim": 4, "padding_idx": 2}, emb,
       [torch.tensor([[2, 1, 2, 7], [0, 2, 9, 1], [1, 1, 2, 3]])], grad_inputs=())

x = r(4, 5) * 2
record("relu", "relu", {}, nn.ReLU(), [x])
record("leaky_relu", "leaky_relu", {"negative_slope": 0.2}, nn.LeakyReLU(0.2), [x])
record("gelu", "gelu", {"approximate": "none"}, nn.GELU(), [x])
record("gelu_tanh", "gelu", {"approximate": "tanh"}, nn.GELU(approximate="tanh"), [x])
record("sigmoid", "sigmoid", {}, nn.Sigmoid(), [x])
record("tanh", "tanh", {}, nn.Tanh(), [x])
record("softmax", "softmax", {"dim": 1}, nn.Softmax(dim=1), [r(2, 3, 4)])
record("log_softmax", "log_softmax", {"dim": -1}, nn.LogSoftmax(dim=-1), [r(2, 3, 4)])
record("identity", "identity", {}, nn.Identity(), [x])

record("mlp", "mlp", {}, nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 3)), [r(4, 6)])
cnn = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.BatchNorm2d(2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                    nn.Linear(8, 3))
record("cnn", "cnn", {}, randomize(cnn), [r(2, 1, 4, 4)])

# ---------------------------------------------------------------- losses: in0 = input, in1 = target
def loss(name, op, args, module, inp, target, target_grad=True):
    record(name, op, args, module, [inp, target], grad_inputs=(0, 1) if target_grad else (0,))


for red in ["mean", "sum", "none"]:
    loss(f"mse_{red}", "mse", {"reduction": red}, nn.MSELoss(reduction=red), r(3, 4), r(3, 4))
    loss(f"l1_{red}", "l1", {"reduction": red}, nn.L1Loss(reduction=red), r(3, 4), r(3, 4))
loss("huber", "huber", {"reduction": "mean", "delta": 0.5}, nn.HuberLoss(delta=0.5), r(4, 5), r(4, 5))
loss("huber_none", "huber", {"reduction": "none", "delta": 1.5}, nn.HuberLoss(reduction="none", delta=1.5),
     r(4, 5) * 2, r(4, 5))

logits, idx = r(6, 5), torch.tensor([0, 1, 4, 1, 2, 3])
cw = rand(5) + 0.5
loss("ce_idx", "cross_entropy", {"reduction": "mean"}, nn.CrossEntropyLoss(), logits, idx)
loss("ce_idx_ls_ignore_sum", "cross_entropy", {"reduction": "sum", "ignore_index": 1, "label_smoothing": 0.1},
     nn.CrossEntropyLoss(reduction="sum", ignore_index=1, label_smoothing=0.1), logits, idx)
loss("ce_weight", "cross_entropy", {"reduction": "mean"}, nn.CrossEntropyLoss(weight=cw), logits, idx)
loss("ce_weight_ls_ignore", "cross_entropy", {"reduction": "mean", "ignore_index": 1, "label_smoothing": 0.2},
     nn.CrossEntropyLoss(weight=cw, ignore_index=1, label_smoothing=0.2), logits, idx)
loss("ce_weight_spatial_none", "cross_entropy", {"reduction": "none", "ignore_index": 0},
     nn.CrossEntropyLoss(weight=cw[:4], reduction="none", ignore_index=0), r(2, 4, 3), randint(0, 4, 2, 3))
loss("ce_weight_unbatched", "cross_entropy", {"reduction": "mean"}, nn.CrossEntropyLoss(weight=cw), r(5),
     torch.tensor(3))
loss("ce_prob", "cross_entropy", {"reduction": "mean", "label_smoothing": 0.1},
     nn.CrossEntropyLoss(label_smoothing=0.1), logits, F.softmax(r(6, 5), 1))
loss("ce_prob_weight_sum", "cross_entropy", {"reduction": "sum"}, nn.CrossEntropyLoss(weight=cw, reduction="sum"),
     logits, F.softmax(r(6, 5), 1))
loss("ce_prob_spatial_none", "cross_entropy", {"reduction": "none"}, nn.CrossEntropyLoss(reduction="none"),
     r(2, 3, 4), F.softmax(r(2, 3, 4), 1))
logp = F.log_softmax(r(6, 5), 1)
loss("nll_weight_ignore", "nll", {"reduction": "mean", "ignore_index": 2}, nn.NLLLoss(weight=cw, ignore_index=2),
     logp, torch.tensor([2, 0, 4, 2, 1, 3]))
loss("nll_sum", "nll", {"reduction": "sum"}, nn.NLLLoss(reduction="sum"), logp, idx)
loss("nll_spatial_none", "nll", {"reduction": "none"}, nn.NLLLoss(weight=cw[:3], reduction="none"),
     F.log_softmax(r(2, 3, 4), 1), randint(0, 3, 2, 4))
probs = torch.sigmoid(r(3, 4) * 2)
loss("bce", "bce", {"reduction": "mean"}, nn.BCELoss(), probs, rand(3, 4))
loss("bce_weight_sum", "bce", {"reduction": "sum"}, nn.BCELoss(weight=rand(4) + 0.5, reduction="sum"), probs,
     (rand(3, 4) > 0.5).float())
loss("bce_none", "bce", {"reduction": "none"}, nn.BCELoss(reduction="none"), probs, rand(3, 4))
big = torch.cat([r(2, 4) * 2, torch.tensor([[30.0, -30.0, 80.0, -80.0]])])
loss("bce_logits", "bce_logits", {"reduction": "mean"}, nn.BCEWithLogitsLoss(), big, rand(3, 4))
loss("bce_logits_pos_weight", "bce_logits", {"reduction": "mean"},
     nn.BCEWithLogitsLoss(weight=rand(3, 1) + 0.5, pos_weight=rand(4) * 3), big, rand(3, 4))
loss("bce_logits_none", "bce_logits", {"reduction": "none"},
     nn.BCEWithLogitsLoss(reduction="none", pos_weight=rand(4) * 3), big, (rand(3, 4) > 0.5).float())
p_in, p_t = F.log_softmax(r(4, 5), 1), F.softmax(r(4, 5), 1)
for red in ["batchmean", "mean", "sum", "none"]:
    loss(f"kldiv_{red}", "kldiv", {"reduction": red, "log_target": False}, nn.KLDivLoss(reduction=red), p_in, p_t)
loss("kldiv_log_target", "kldiv", {"reduction": "batchmean", "log_target": True},
     nn.KLDivLoss(reduction="batchmean", log_target=True), p_in, F.log_softmax(r(4, 5), 1))
loss("kldiv_zero_target", "kldiv", {"reduction": "sum", "log_target": False}, nn.KLDivLoss(reduction="sum"), p_in,
     torch.tensor([[0.5, 0.0, 0.5, 0.0, 0.0]] * 4), target_grad=False)

fx.save(OUT)
