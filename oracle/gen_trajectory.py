"""Oracle for whole training runs: PyTorch 1.13 trajectories of small models, per optimizer and per loss.

Writes nabla-train/src/test/resources/fixtures/trajectory.safetensors. Every case is one training run:
a model built from a layer list with PyTorch's default initialisation (seeded), a loss, an optimizer, and
`epochs` epochs over `batches` batches of `batch_size` rows taken from the data in file order (no shuffling).
Each step is the plain loop: zero_grad, forward, loss (mean over the batch), backward, optional
clip_grad_norm_, optimizer.step; an optional epoch schedule is stepped after each epoch's batches.

Case kind "train", args:
  model       the layers, e.g. [["Linear", 6, 16], ["ReLU"], ["Linear", 16, 4]] (an nn.Sequential, so the
              parameters are named "0.weight", "0.bias", "2.weight", ...)
  params      the state-dict keys in order
  loss        {"name": class name, PyTorch keyword arguments...}; tensor arguments (weight, pos_weight) are
              stored as tensors "loss.<name>" and listed in "tensors"
  optimizer, options    the optimizer class and its keyword arguments
  schedule    optional {"name", "options"}, stepped once per epoch
  clip_grad_norm        optional max_norm (2-norm) applied before every step
  batch_size, batches (per epoch), epochs, steps (= batches * epochs)
  lrs         the learning rate every step used (full double precision)
Tensors: init.<key> the initial state dict; x, y the data (batch b of an epoch is rows [b*bs, (b+1)*bs));
losses [steps] the mean loss of every step; step<k>.<key> the state dict after step k (0-based);
grad_norms [steps] the total gradient norm before clipping (clipping cases only).
"""
from pathlib import Path

import torch
import torch.nn as nn

from fixture import Fixture

OUT = Path(__file__).resolve().parent.parent / "nabla-train" / "src" / "test" / "resources" / "fixtures"

MLP_CLS = [["Linear", 6, 16], ["ReLU"], ["Linear", 16, 4]]          # 6 features -> 4 classes
MLP_REG = [["Linear", 5, 12], ["ReLU"], ["Linear", 12, 3]]          # 5 features -> 3 outputs
CNN = [["Conv2d", 1, 4, 3], ["ReLU"], ["MaxPool2d", 2], ["Flatten"], ["Linear", 36, 3]]   # [N,1,8,8] -> 3 classes

OPTIMIZERS = {"SGD": torch.optim.SGD, "Adagrad": torch.optim.Adagrad, "RMSprop": torch.optim.RMSprop,
              "Adam": torch.optim.Adam, "AdamW": torch.optim.AdamW}
SCHEDULES = {"StepLR": torch.optim.lr_scheduler.StepLR, "ExponentialLR": torch.optim.lr_scheduler.ExponentialLR}


def build_model(spec):
    layers = []
    for name, *a in spec:
        layers.append({"Linear": lambda: nn.Linear(*a), "ReLU": nn.ReLU, "Sigmoid": nn.Sigmoid,
                       "LogSoftmax": lambda: nn.LogSoftmax(dim=a[0]), "Conv2d": lambda: nn.Conv2d(*a),
                       "MaxPool2d": lambda: nn.MaxPool2d(a[0]), "Flatten": nn.Flatten}[name]())
    return nn.Sequential(*layers)


def train_case(fx, name, model_spec, seed, x, y, batch_size, epochs, loss, optimizer, options,
               schedule=None, clip=None):
    n = x.shape[0]
    assert n % batch_size == 0
    batches = n // batch_size
    torch.manual_seed(seed)
    model = build_model(model_spec)
    sd = model.state_dict()
    for k, v in sd.items():
        fx.tensors[f"{name}/init.{k}"] = v.detach().clone()
    fx.tensors[f"{name}/x"] = x.clone()
    fx.tensors[f"{name}/y"] = y.clone()

    loss_args = {k: v for k, v in loss.items() if k != "name"}
    tensor_args = [k for k, v in loss_args.items() if isinstance(v, torch.Tensor)]
    for k in tensor_args:
        fx.tensors[f"{name}/loss.{k}"] = loss_args[k].clone()
    criterion = getattr(nn, loss["name"])(**loss_args)

    kwargs = dict(options)
    if "betas" in kwargs:
        kwargs["betas"] = tuple(kwargs["betas"])
    opt = OPTIMIZERS[optimizer](model.parameters(), **kwargs)
    sched = SCHEDULES[schedule["name"]](opt, **schedule["options"]) if schedule else None

    losses, norms, lrs, step = [], [], [], 0
    for epoch in range(epochs):
        for b in range(batches):
            xb, yb = x[b * batch_size:(b + 1) * batch_size], y[b * batch_size:(b + 1) * batch_size]
            opt.zero_grad()
            out = criterion(model(xb), yb)
            out.backward()
            if clip is not None:
                norms.append(float(nn.utils.clip_grad_norm_(model.parameters(), clip)))
            lrs.append(opt.param_groups[0]["lr"])
            opt.step()
            losses.append(out.item())
            for k, v in model.state_dict().items():
                fx.tensors[f"{name}/step{step}.{k}"] = v.detach().clone()
            step += 1
        if sched is not None:
            sched.step()
    fx.tensors[f"{name}/losses"] = torch.tensor(losses, dtype=torch.float32)
    if clip is not None:
        fx.tensors[f"{name}/grad_norms"] = torch.tensor(norms, dtype=torch.float32)
        assert sum(nrm > clip for nrm in norms) >= 2, f"{name}: clipping should be active, norms {norms}"
    assert all(l == l for l in losses), f"{name}: NaN loss"
    args = {"model": model_spec, "params": list(sd.keys()),
            "loss": {k: (True if isinstance(v, torch.Tensor) else v) for k, v in loss.items()},
            "tensors": tensor_args, "optimizer": optimizer, "options": options,
            "batch_size": batch_size, "batches": batches, "epochs": epochs, "steps": step, "lrs": lrs}
    if schedule:
        args["schedule"] = schedule
    if clip is not None:
        args["clip_grad_norm"] = clip
    fx.cases.append({"name": name, "op": "train", "args": args})
    print(f"{name:28s} losses {' '.join(f'{l:.4f}' for l in losses)}")


def main():
    fx = Fixture("trajectory", seed=11)

    # ---- every optimizer: MLP (Linear, ReLU, Linear) + CrossEntropyLoss, 3 batches of 4, 2 epochs = 6 steps
    x_cls = fx.randn(12, 6)
    y_cls = fx.randint(0, 4, 12)
    ce = {"name": "CrossEntropyLoss"}
    for i, (name, optimizer, options) in enumerate([
        ("sgd_plain", "SGD", {"lr": 0.1}),
        ("sgd_momentum_nesterov", "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
        ("sgd_weight_decay", "SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01}),
        ("adagrad", "Adagrad", {"lr": 0.05}),
        ("rmsprop", "RMSprop", {"lr": 0.005}),
        ("rmsprop_centered_momentum", "RMSprop", {"lr": 0.005, "alpha": 0.9, "centered": True, "momentum": 0.5}),
        ("adam", "Adam", {"lr": 0.01}),
        ("adam_amsgrad_weight_decay", "Adam", {"lr": 0.01, "betas": [0.8, 0.95], "amsgrad": True,
                                               "weight_decay": 0.01}),
        ("adamw", "AdamW", {"lr": 0.01, "weight_decay": 0.1}),
    ]):
        train_case(fx, name, MLP_CLS, 100 + i, x_cls, y_cls, 4, 2, ce, optimizer, options)

    # ---- every loss, each with SGD or Adam on a suitable small model
    sgd = ("SGD", {"lr": 0.05, "momentum": 0.9})
    adam = ("Adam", {"lr": 0.01})
    x_reg = fx.randn(16, 5)
    y_reg = fx.randn(16, 3) * 1.5
    train_case(fx, "mse", MLP_REG, 200, x_reg, y_reg, 4, 2, {"name": "MSELoss"}, *sgd)
    train_case(fx, "l1", MLP_REG, 201, x_reg, y_reg, 4, 2, {"name": "L1Loss"}, *adam)
    train_case(fx, "huber", MLP_REG, 202, x_reg, y_reg, 4, 2, {"name": "HuberLoss", "delta": 0.5}, *sgd)
    train_case(fx, "huber_adam", MLP_REG, 203, x_reg, y_reg, 8, 3, {"name": "HuberLoss"}, *adam)

    x_c = fx.randn(16, 6)
    y_c = fx.randint(0, 4, 16)
    y_ign = y_c.clone()
    y_ign[::3] = -1                                   # every batch of 4 keeps at least 2 labelled rows
    cw = torch.tensor([0.5, 2.0, 1.0, 1.5])
    train_case(fx, "ce_label_smoothing", MLP_CLS, 300, x_c, y_c, 4, 2,
               {"name": "CrossEntropyLoss", "label_smoothing": 0.1}, *adam)
    train_case(fx, "ce_class_weights", MLP_CLS, 301, x_c, y_c, 4, 2, {"name": "CrossEntropyLoss", "weight": cw}, *sgd)
    train_case(fx, "ce_ignore_index", MLP_CLS, 302, x_c, y_ign, 4, 2,
               {"name": "CrossEntropyLoss", "ignore_index": -1}, *adam)
    train_case(fx, "ce_all", MLP_CLS, 303, x_c, y_ign, 4, 2,
               {"name": "CrossEntropyLoss", "weight": cw, "ignore_index": -1, "label_smoothing": 0.2}, *sgd)
    log_cls = MLP_CLS + [["LogSoftmax", 1]]
    train_case(fx, "nll", log_cls, 304, x_c, y_c, 4, 2, {"name": "NLLLoss"}, *sgd)
    train_case(fx, "nll_weight_ignore", log_cls, 305, x_c, y_ign, 4, 2,
               {"name": "NLLLoss", "weight": cw, "ignore_index": -1}, *adam)

    x_b = fx.randn(16, 5)
    y_b = (fx.rand(16, 3) < 0.4).float()
    train_case(fx, "bce", MLP_REG + [["Sigmoid"]], 400, x_b, y_b, 4, 2, {"name": "BCELoss"}, *adam)
    train_case(fx, "bce_with_logits", MLP_REG, 401, x_b, y_b, 4, 2, {"name": "BCEWithLogitsLoss"}, *sgd)
    train_case(fx, "bce_with_logits_pos_weight", MLP_REG, 402, x_b, y_b, 4, 2,
               {"name": "BCEWithLogitsLoss", "pos_weight": torch.tensor([2.0, 0.5, 3.0])}, *adam)

    x_k = fx.randn(16, 6)
    t_k = torch.softmax(fx.randn(16, 4) * 2, dim=1)
    train_case(fx, "kl_batchmean", log_cls, 500, x_k, t_k, 4, 2,
               {"name": "KLDivLoss", "reduction": "batchmean"}, *adam)
    train_case(fx, "kl_batchmean_log_target", log_cls, 501, x_k, torch.log(t_k), 4, 2,
               {"name": "KLDivLoss", "reduction": "batchmean", "log_target": True}, *sgd)

    # ---- schedules (stepped per epoch of 2 batches) and gradient clipping by norm
    x_s, y_s = x_cls[:8], y_cls[:8]
    train_case(fx, "steplr_clip_sgd", MLP_CLS, 600, x_s, y_s, 4, 4, ce, "SGD", {"lr": 0.5, "momentum": 0.9},
               schedule={"name": "StepLR", "options": {"step_size": 1, "gamma": 0.5}}, clip=0.5)
    train_case(fx, "exponentiallr_adam", MLP_CLS, 601, x_s, y_s, 4, 4, ce, "Adam", {"lr": 0.02},
               schedule={"name": "ExponentialLR", "options": {"gamma": 0.6}})
    train_case(fx, "clip_adam", MLP_REG, 602, x_reg, y_reg * 4, 4, 2, {"name": "MSELoss"}, "Adam", {"lr": 0.01},
               clip=1.0)

    # ---- a small CNN with Adam for 3 steps
    x_img = fx.randn(12, 1, 8, 8)
    y_img = fx.randint(0, 3, 12)
    train_case(fx, "cnn_adam", CNN, 700, x_img, y_img, 4, 1, ce, "Adam", {"lr": 0.01})

    fx.save(OUT)


if __name__ == "__main__":
    main()
