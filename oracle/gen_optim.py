"""Oracle for dev.nabla.optim: optimizer trajectories, learning-rate schedules and gradient clipping.

Writes nabla-train/src/test/resources/fixtures/optim.safetensors. Case kinds (the "op" field):

optimizer  args {"optimizer", "options" (PyTorch keyword arguments), "groups" (optional per-group
           overrides, each with "params": [indices]), "steps", "skip" ([step, param] pairs whose grad is None)}.
           Tensors: in<i> the initial params; grad<k>.<i> the gradient given at step k; param<k>.<i> the params
           after step k; state.<i>.<name> the per-parameter state tensors after the last step (args "state_scalars"
           holds the scalar state, e.g. step, per parameter index).
schedule   args {"schedule", "options", "lrs": the lr of every group after construction and after each of
           the steps, "metrics" for ReduceLROnPlateau}. Learning rates are kept in JSON (full double precision).
clip_grad_norm / clip_grad_value
           args {"max_norm", "norm_type" or "clip_value"}; in<i> grads before, out<i> after, "total" the norm.
"""
import math
import warnings
from pathlib import Path

import torch

from fixture import Fixture

OUT = Path(__file__).resolve().parent.parent / "nabla-train" / "src" / "test" / "resources" / "fixtures"
SHAPES = [(3, 4), (5,)]
STEPS = 5

OPTIMIZERS = {"SGD": torch.optim.SGD, "Adagrad": torch.optim.Adagrad, "RMSprop": torch.optim.RMSprop,
              "Adam": torch.optim.Adam, "AdamW": torch.optim.AdamW}


def optimizer_case(fx, name, optimizer, options, groups=None, skip=()):
    params = [fx.randn(*s).requires_grad_(True) for s in SHAPES]
    for i, p in enumerate(params):
        fx.tensors[f"{name}/in{i}"] = p.detach().clone()
    if groups:
        spec = [dict({k: v for k, v in g.items() if k != "params"}, params=[params[i] for i in g["params"]])
                for g in groups]
    else:
        spec = params
    kwargs = dict(options)
    if "betas" in kwargs:
        kwargs["betas"] = tuple(kwargs["betas"])
    opt = OPTIMIZERS[optimizer](spec, **kwargs)
    for k in range(STEPS):
        scale = 0.5 if k % 2 == 0 else 1.7          # varying magnitudes exercise amsgrad's running maximum
        for i, p in enumerate(params):
            if [k, i] in [list(s) for s in skip]:
                p.grad = None
                continue
            g = fx.randn(*SHAPES[i]) * scale
            fx.tensors[f"{name}/grad{k}.{i}"] = g
            p.grad = g.clone()
        opt.step()
        for i, p in enumerate(params):
            fx.tensors[f"{name}/param{k}.{i}"] = p.detach().clone()
    scalars = {}
    sd = opt.state_dict()
    for i, st in sd["state"].items():
        for key, v in st.items():
            if isinstance(v, torch.Tensor) and v.numel() == 1 and key == "step":
                scalars.setdefault(str(i), {})[key] = int(v.item())
            elif isinstance(v, torch.Tensor):
                fx.tensors[f"{name}/state.{i}.{key}"] = v.detach().clone()
            elif isinstance(v, (int, float)):
                scalars.setdefault(str(i), {})[key] = v
    args = {"optimizer": optimizer, "options": options, "steps": STEPS, "skip": [list(s) for s in skip],
            "state_scalars": scalars}
    if groups:
        args["groups"] = groups
    fx.cases.append({"name": name, "op": "optimizer", "args": args})


def schedule_case(fx, name, schedule, options, make, steps=30, metrics=None):
    params = [torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)]
    opt = torch.optim.SGD([{"params": [params[0]]}, {"params": [params[1]], "lr": 0.05}], lr=0.1)
    sched = make(opt)
    lrs = [[g["lr"] for g in opt.param_groups]]
    for k in range(steps):
        opt.step()
        if metrics is not None:
            sched.step(metrics[k])
        else:
            sched.step()
        lrs.append([g["lr"] for g in opt.param_groups])
        if metrics is None:
            assert sched.get_last_lr() == lrs[-1]
    args = {"schedule": schedule, "options": options, "lrs": lrs}
    if metrics is not None:
        args["metrics"] = metrics
    fx.cases.append({"name": name, "op": "schedule", "args": args})


def clip_case(fx, name, op, args, fn):
    grads = [fx.randn(*s) * 2 for s in SHAPES]
    params = [torch.zeros(s, requires_grad=True) for s in SHAPES]
    for i, (p, g) in enumerate(zip(params, grads)):
        p.grad = g.clone()
        fx.tensors[f"{name}/in{i}"] = g
    total = fn(params)
    for i, p in enumerate(params):
        fx.tensors[f"{name}/out{i}"] = p.grad.detach().clone()
    if total is not None:
        fx.tensors[f"{name}/total"] = total.detach().reshape(())
    fx.cases.append({"name": name, "op": op, "args": args})


def main():
    # SequentialLR calls the deprecated step(epoch) internally; the warning is expected
    warnings.filterwarnings("ignore", category=UserWarning, module="torch.optim.lr_scheduler")
    fx = Fixture("optim", seed=7)
    S = torch.optim.lr_scheduler

    opt_cases = [
        ("sgd_plain", "SGD", {"lr": 0.1}),
        ("sgd_momentum", "SGD", {"lr": 0.1, "momentum": 0.9}),
        ("sgd_nesterov", "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
        ("sgd_dampening", "SGD", {"lr": 0.1, "momentum": 0.8, "dampening": 0.3}),
        ("sgd_weight_decay", "SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.05}),
        ("sgd_maximize", "SGD", {"lr": 0.1, "momentum": 0.5, "weight_decay": 0.01, "maximize": True}),
        ("adagrad", "Adagrad", {"lr": 0.1}),
        ("adagrad_lr_decay", "Adagrad", {"lr": 0.1, "lr_decay": 0.2, "weight_decay": 0.05,
                                         "initial_accumulator_value": 0.1, "eps": 1e-6}),
        ("adagrad_maximize", "Adagrad", {"lr": 0.05, "maximize": True}),
        ("rmsprop", "RMSprop", {"lr": 0.01}),
        ("rmsprop_centered", "RMSprop", {"lr": 0.01, "centered": True, "alpha": 0.9}),
        ("rmsprop_momentum", "RMSprop", {"lr": 0.01, "momentum": 0.9}),
        ("rmsprop_all", "RMSprop", {"lr": 0.02, "alpha": 0.95, "eps": 1e-6, "weight_decay": 0.1,
                                    "momentum": 0.5, "centered": True, "maximize": True}),
        ("adam", "Adam", {"lr": 0.01}),
        ("adam_amsgrad", "Adam", {"lr": 0.01, "amsgrad": True, "betas": [0.8, 0.9]}),
        ("adam_weight_decay", "Adam", {"lr": 0.01, "weight_decay": 0.1, "eps": 1e-6}),
        ("adam_maximize_amsgrad", "Adam", {"lr": 0.02, "maximize": True, "amsgrad": True}),
        ("adamw", "AdamW", {"lr": 0.01}),
        ("adamw_amsgrad", "AdamW", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True, "betas": [0.85, 0.95]}),
        ("adamw_maximize", "AdamW", {"lr": 0.01, "weight_decay": 0.5, "maximize": True}),
    ]
    for name, o, options in opt_cases:
        optimizer_case(fx, name, o, options)
    optimizer_case(fx, "sgd_groups", "SGD", {"lr": 0.1, "momentum": 0.9},
                   groups=[{"params": [0]}, {"params": [1], "lr": 0.01, "momentum": 0.5, "nesterov": True,
                                             "dampening": 0.0}])
    optimizer_case(fx, "adam_groups", "Adam", {"lr": 0.01, "amsgrad": True},
                   groups=[{"params": [1]}, {"params": [0], "lr": 0.05, "weight_decay": 0.1}])
    optimizer_case(fx, "adam_skip", "Adam", {"lr": 0.01}, skip=[[1, 1], [2, 1], [3, 0]])
    optimizer_case(fx, "sgd_momentum_skip", "SGD", {"lr": 0.1, "momentum": 0.9}, skip=[[0, 1], [2, 0]])
    optimizer_case(fx, "rmsprop_skip", "RMSprop", {"lr": 0.01, "momentum": 0.9, "centered": True}, skip=[[0, 0]])
    optimizer_case(fx, "adagrad_skip", "Adagrad", {"lr": 0.1, "lr_decay": 0.1}, skip=[[1, 1]])

    schedule_case(fx, "constant", "ConstantLR", {"factor": 1.0, "total_iters": 0},
                  lambda o: S.ConstantLR(o, factor=1.0, total_iters=0))
    schedule_case(fx, "constant_factor", "ConstantLR", {"factor": 0.5, "total_iters": 4},
                  lambda o: S.ConstantLR(o, factor=0.5, total_iters=4))
    schedule_case(fx, "step", "StepLR", {"step_size": 7, "gamma": 0.5}, lambda o: S.StepLR(o, 7, gamma=0.5))
    schedule_case(fx, "multistep", "MultiStepLR", {"milestones": [5, 12, 12, 20], "gamma": 0.3},
                  lambda o: S.MultiStepLR(o, [5, 12, 12, 20], gamma=0.3))
    schedule_case(fx, "exponential", "ExponentialLR", {"gamma": 0.9}, lambda o: S.ExponentialLR(o, 0.9))
    schedule_case(fx, "cosine", "CosineAnnealingLR", {"T_max": 30, "eta_min": 0.0},
                  lambda o: S.CosineAnnealingLR(o, 30))
    schedule_case(fx, "cosine_restart", "CosineAnnealingLR", {"T_max": 10, "eta_min": 0.001},
                  lambda o: S.CosineAnnealingLR(o, 10, eta_min=0.001))
    schedule_case(fx, "linear", "LinearLR", {"start_factor": 0.25, "end_factor": 1.0, "total_iters": 4},
                  lambda o: S.LinearLR(o, 0.25, 1.0, 4))
    schedule_case(fx, "linear_decay", "LinearLR", {"start_factor": 1.0, "end_factor": 0.1, "total_iters": 20},
                  lambda o: S.LinearLR(o, 1.0, 0.1, 20))

    def warm(start, iters, after_name, after_options, make_after):
        def make(o):
            w = S.LinearLR(o, start_factor=start, end_factor=1.0, total_iters=iters)
            return S.SequentialLR(o, [w, make_after(o)], milestones=[iters])
        return {"schedule": "Warmup", "options": {"start_factor": start, "total_iters": iters,
                                                   "after": {"schedule": after_name, "options": after_options}}}, make

    for name, (spec, make) in {
        "warmup_cosine": warm(0.1, 5, "CosineAnnealingLR", {"T_max": 25, "eta_min": 1e-4},
                              lambda o: S.CosineAnnealingLR(o, 25, eta_min=1e-4)),
        "warmup_step": warm(0.2, 3, "StepLR", {"step_size": 5, "gamma": 0.5}, lambda o: S.StepLR(o, 5, 0.5)),
        "warmup_multistep": warm(0.5, 4, "MultiStepLR", {"milestones": [3, 10], "gamma": 0.1},
                                 lambda o: S.MultiStepLR(o, [3, 10], 0.1)),
        "warmup_exponential": warm(0.01, 6, "ExponentialLR", {"gamma": 0.95}, lambda o: S.ExponentialLR(o, 0.95)),
        "warmup_constant": warm(0.3, 8, "ConstantLR", {"factor": 1.0, "total_iters": 0},
                                lambda o: S.ConstantLR(o, 1.0, 0)),
    }.items():
        schedule_case(fx, name, spec["schedule"], spec["options"], make)

    gen = torch.Generator().manual_seed(3)
    noisy = [round(1.0 / (1 + 0.1 * k) + 0.05 * float(torch.rand((), generator=gen)), 6) for k in range(30)]
    plateau = [1.0, 0.9, 0.9, 0.9, 0.9, 0.89995, 0.9, 0.85, 0.85, 0.85, 0.85, 0.85, 0.7, 0.7, 0.7, 0.7, 0.7,
               0.7, 0.7, 0.7, 0.69, 0.69, 0.69, 0.69, 0.69, 0.69, 0.69, 0.69, 0.69, 0.69]
    rising = [0.1, 0.2, 0.25, 0.26, 0.27, 0.27, 0.27, 0.4, 0.41, 0.41, 0.41, 0.41, 0.41, 0.5, 0.5, 0.5, 0.5, 0.5,
              0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
    for name, opts, metrics in [
        ("plateau_min_rel", {"mode": "min", "factor": 0.5, "patience": 2}, plateau),
        ("plateau_min_cooldown", {"mode": "min", "factor": 0.3, "patience": 1, "cooldown": 2, "min_lr": 0.004},
         plateau),
        ("plateau_max_abs", {"mode": "max", "factor": 0.5, "patience": 1, "threshold": 0.05,
                             "threshold_mode": "abs", "cooldown": 1}, rising),
        ("plateau_max_rel", {"mode": "max", "factor": 0.2, "patience": 3, "threshold": 0.01, "eps": 0.003}, rising),
        ("plateau_noisy", {"mode": "min", "factor": 0.7, "patience": 0, "threshold": 0.0, "threshold_mode": "abs",
                           "min_lr": 0.02}, noisy),
    ]:
        schedule_case(fx, name, "ReduceLROnPlateau", opts, lambda o, opts=opts: S.ReduceLROnPlateau(o, **opts),
                      metrics=metrics)

    clip = torch.nn.utils.clip_grad_norm_
    clip_case(fx, "clip_norm2", "clip_grad_norm", {"max_norm": 1.0, "norm_type": 2.0}, lambda ps: clip(ps, 1.0))
    clip_case(fx, "clip_norm2_noop", "clip_grad_norm", {"max_norm": 100.0, "norm_type": 2.0},
              lambda ps: clip(ps, 100.0))
    clip_case(fx, "clip_norm_inf", "clip_grad_norm", {"max_norm": 0.5, "norm_type": "inf"},
              lambda ps: clip(ps, 0.5, norm_type=math.inf))
    clip_case(fx, "clip_norm1", "clip_grad_norm", {"max_norm": 3.0, "norm_type": 1.0},
              lambda ps: clip(ps, 3.0, norm_type=1.0))
    clip_case(fx, "clip_norm3", "clip_grad_norm", {"max_norm": 2.0, "norm_type": 3.0},
              lambda ps: clip(ps, 2.0, norm_type=3.0))
    clip_case(fx, "clip_value", "clip_grad_value", {"clip_value": 0.3},
              lambda ps: torch.nn.utils.clip_grad_value_(ps, 0.3))

    fx.save(OUT)


if __name__ == "__main__":
    main()
