"""Oracle for softmax, log_softmax, logsumexp, max/min/argmax/argmin, cross_entropy and mse_loss."""
import torch
import torch.nn.functional as F
from fixture import Fixture

fx = Fixture("softmax_losses")
r = fx.randn

# ---------------------------------------------------------------- softmax family
x3 = r(3, 4, 5)
big = r(2, 5, 6) * 100  # magnitudes around +-100: exp overflows without the max subtracted
for tag, x in {"": x3, "big_": big}.items():
    for d in (0, 1, -1):
        ds = str(d).replace("-", "m")
        fx.case(f"softmax_{tag}{ds}", "softmax", {"dim": d}, [x], lambda t, d=d: torch.softmax(t, d))
        fx.case(f"log_softmax_{tag}{ds}", "log_softmax", {"dim": d}, [x], lambda t, d=d: torch.log_softmax(t, d))
        fx.case(f"logsumexp_{tag}{ds}", "logsumexp", {"dims": [d], "keepdim": False}, [x],
                lambda t, d=d: torch.logsumexp(t, d))
fx.case("softmax_transposed", "softmax_t", {"dim": -1}, [r(6, 4)], lambda t: torch.softmax(t.t(), -1))
fx.case("log_softmax_wide", "log_softmax", {"dim": 1}, [r(2, 3, 700)], lambda t: torch.log_softmax(t, 1))
fx.case("logsumexp_12_keep", "logsumexp", {"dims": [1, 2], "keepdim": True}, [x3],
        lambda t: torch.logsumexp(t, (1, 2), keepdim=True))
fx.case("logsumexp_02", "logsumexp", {"dims": [0, 2], "keepdim": False}, [x3], lambda t: torch.logsumexp(t, (0, 2)))
fx.case("logsumexp_02_keep", "logsumexp", {"dims": [0, 2], "keepdim": True}, [x3],
        lambda t: torch.logsumexp(t, (0, 2), keepdim=True))
inf = float("inf")
rows = torch.tensor([[-inf, -inf, -inf], [inf, 1.0, 2.0], [-inf, 0.5, -1.0], [1e30, -1e30, 3.0]])
fx.case("logsumexp_inf", "logsumexp", {"dims": [1], "keepdim": False}, [rows], lambda t: torch.logsumexp(t, 1))

# ---------------------------------------------------------------- extrema
ties = torch.randint(0, 3, (3, 4, 5), generator=fx.gen).float()  # many ties
for tag, x in {"": x3, "ties_": ties}.items():
    fx.case(f"max_all_{tag}", "max_all", {}, [x], lambda t: t.max())
    fx.case(f"min_all_{tag}", "min_all", {}, [x], lambda t: t.min())
    fx.case(f"argmax_all_{tag}", "argmax_all", {}, [x], lambda t: t.argmax())
    for d in (0, 1, -1):
        for keep in (False, True):
            name = f"{tag}{str(d).replace('-', 'm')}{'_keep' if keep else ''}"
            args = {"dim": d, "keepdim": keep}
            fx.case(f"max_{name}", "max", args, [x], lambda t, d=d, k=keep: t.max(d, keepdim=k).values)
            fx.case(f"min_{name}", "min", args, [x], lambda t, d=d, k=keep: t.min(d, keepdim=k).values)
            fx.case(f"argmax_{name}", "argmax", args, [x], lambda t, d=d, k=keep: t.argmax(d, keepdim=k))
            fx.case(f"argmin_{name}", "argmin", args, [x], lambda t, d=d, k=keep: t.argmin(d, keepdim=k))
nan = float("nan")
withnan = torch.tensor([[1.0, nan, 3.0, nan], [2.0, 5.0, 5.0, -1.0], [nan, 0.0, 7.0, 1.0]])
fx.case("max_nan_1", "max", {"dim": 1, "keepdim": False}, [withnan], lambda t: t.max(1).values)
fx.case("min_nan_0", "min", {"dim": 0, "keepdim": False}, [withnan], lambda t: t.min(0).values)
fx.case("argmax_nan_1", "argmax", {"dim": 1, "keepdim": False}, [withnan], lambda t: t.argmax(1))
fx.case("argmin_nan_0", "argmin", {"dim": 0, "keepdim": False}, [withnan], lambda t: t.argmin(0))
fx.case("max_all_nan", "max_all", {}, [withnan], lambda t: t.max())
fx.case("argmax_all_nan", "argmax_all", {}, [withnan], lambda t: t.argmax())

# ---------------------------------------------------------------- cross-entropy
reds = ("none", "mean", "sum")
def ce_cases(tag, logits, target):
    for red in reds:
        for ls in (0.0, 0.1):
            for ign in (-100, 1):
                name = f"ce_{tag}_{red}_ls{int(ls * 10)}_ign{'none' if ign == -100 else ign}"
                args = {"reduction": red, "label_smoothing": ls, "ignore_index": ign}
                fx.case(name, "cross_entropy", args, [logits, target],
                        lambda a, b, red=red, ls=ls, ign=ign: F.cross_entropy(
                            a, b, reduction=red, label_smoothing=ls, ignore_index=ign))

ce_cases("2d", r(6, 5) * 3, fx.randint(0, 5, 6))
ce_cases("4d", r(2, 4, 3, 5), fx.randint(0, 4, 2, 3, 5))
# ignore_index -100 really used: some targets are -100
t_ign = fx.randint(0, 5, 8)
t_ign[[1, 4, 5]] = -100
fx.case("ce_ignored_mean", "cross_entropy", {"reduction": "mean", "label_smoothing": 0.0, "ignore_index": -100},
        [r(8, 5), t_ign], lambda a, b: F.cross_entropy(a, b))
fx.case("ce_ignored_mean_ls", "cross_entropy", {"reduction": "mean", "label_smoothing": 0.1, "ignore_index": -100},
        [r(8, 5), t_ign], lambda a, b: F.cross_entropy(a, b, label_smoothing=0.1))
fx.case("ce_unbatched", "cross_entropy", {"reduction": "mean", "label_smoothing": 0.1, "ignore_index": -100},
        [r(7), torch.tensor(3)], lambda a, b: F.cross_entropy(a, b, label_smoothing=0.1))
fx.case("ce_big", "cross_entropy", {"reduction": "sum", "label_smoothing": 0.0, "ignore_index": -100},
        [r(4, 6) * 100, fx.randint(0, 6, 4)], lambda a, b: F.cross_entropy(a, b, reduction="sum"))
fx.case("ce_3d_wide", "cross_entropy", {"reduction": "mean", "label_smoothing": 0.2, "ignore_index": -100},
        [r(3, 4, 600), fx.randint(0, 4, 3, 600)], lambda a, b: F.cross_entropy(a, b, label_smoothing=0.2))
fx.case("ce_all_ignored", "cross_entropy", {"reduction": "mean", "label_smoothing": 0.1, "ignore_index": 2},
        [r(3, 4), torch.tensor([2, 2, 2])], lambda a, b: F.cross_entropy(a, b, ignore_index=2, label_smoothing=0.1))

# ---------------------------------------------------------------- mse
for red in reds:
    fx.case(f"mse_{red}", "mse", {"reduction": red}, [r(3, 4, 2), r(3, 4, 2)],
            lambda a, b, red=red: F.mse_loss(a, b, reduction=red))
fx.save()
