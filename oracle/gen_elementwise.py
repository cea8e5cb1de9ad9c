"""Oracle for elementwise ops, views, sum/mean/var and matmul."""
import torch
import torch.nn.functional as F
from fixture import Fixture

fx = Fixture("elementwise")
r = fx.randn
pos = lambda *s: fx.rand(*s) + 0.5

for name, shapes in {"same": ([3, 4], [3, 4]), "bcast": ([2, 3, 4], [3, 1]), "scalar": ([5], [])}.items():
    a, b = r(*shapes[0]), r(*shapes[1])
    fx.case(f"add_{name}", "add", {}, [a, b], torch.add)
    fx.case(f"sub_{name}", "sub", {}, [a, b], torch.sub)
    fx.case(f"mul_{name}", "mul", {}, [a, b], torch.mul)
    fx.case(f"div_{name}", "div", {}, [a, pos(*shapes[1])], torch.div)
    fx.case(f"maximum_{name}", "maximum", {}, [a, b], torch.maximum)
    fx.case(f"minimum_{name}", "minimum", {}, [a, b], torch.minimum)
    fx.case(f"pow_{name}", "pow", {}, [pos(*shapes[0]), r(*shapes[1])], torch.pow)

x = r(4, 5) * 2
for op, fn in {"neg": torch.neg, "exp": torch.exp, "abs": torch.abs, "relu": torch.relu,
               "sigmoid": torch.sigmoid, "tanh": torch.tanh, "gelu": F.gelu}.items():
    fx.case(op, op, {}, [x], fn)
fx.case("gelu_tanh", "gelu_tanh", {}, [x], lambda t: F.gelu(t, approximate="tanh"))
fx.case("log", "log", {}, [pos(4, 5)], torch.log)
fx.case("sqrt", "sqrt", {}, [pos(4, 5)], torch.sqrt)
fx.case("leaky_relu", "leaky_relu", {"negative_slope": 0.1}, [x], lambda t: F.leaky_relu(t, 0.1))
fx.case("clamp", "clamp", {"min": -0.5, "max": 0.7}, [x], lambda t: torch.clamp(t, -0.5, 0.7))
fx.case("pow_cube", "pow_scalar", {"exponent": 3.0}, [x], lambda t: t ** 3.0)
fx.case("where", "where", {}, [(r(4, 1) > 0).float(), r(4, 5), r(5)],
        lambda c, a, b: torch.where(c != 0, a, b))
fx.case("masked_fill", "masked_fill", {"value": -1e9}, [r(3, 4), (r(1, 4) > 0).float()],
        lambda a, m: a.masked_fill(m != 0, -1e9))

y = r(2, 3, 4)
fx.case("sum_all", "sum", {"dims": [], "keepdim": False, "all": True}, [y], lambda t: t.sum())
fx.case("sum_1", "sum", {"dims": [1], "keepdim": False}, [y], lambda t: t.sum(1))
fx.case("sum_02_keep", "sum", {"dims": [0, 2], "keepdim": True}, [y], lambda t: t.sum((0, 2), keepdim=True))
fx.case("mean_all", "mean", {"dims": [], "keepdim": False, "all": True}, [y], lambda t: t.mean())
fx.case("mean_neg1", "mean", {"dims": [-1], "keepdim": False}, [y], lambda t: t.mean(-1))
fx.case("var_1", "var", {"dims": [1], "unbiased": True, "keepdim": False}, [y], lambda t: t.var(1))
fx.case("var_02_biased", "var", {"dims": [0, 2], "unbiased": False, "keepdim": True}, [y],
        lambda t: t.var((0, 2), unbiased=False, keepdim=True))

fx.case("matmul_2d", "matmul", {}, [r(5, 7), r(7, 3)], torch.matmul)
fx.case("matmul_batched", "matmul", {}, [r(2, 5, 7), r(2, 7, 3)], torch.matmul)
fx.case("matmul_bcast", "matmul", {}, [r(2, 1, 5, 7), r(3, 7, 4)], torch.matmul)
fx.case("matmul_vec_mat", "matmul", {}, [r(7), r(7, 3)], torch.matmul)
fx.case("matmul_mat_vec", "matmul", {}, [r(5, 7), r(7)], torch.matmul)
fx.case("matmul_dot", "matmul", {}, [r(7), r(7)], torch.matmul)
fx.case("matmul_large", "matmul", {}, [r(67, 131), r(131, 45)], torch.matmul)

fx.case("permute_reshape", "permute_reshape", {"perm": [2, 0, 1], "shape": [4, 6]}, [y],
        lambda t: t.permute(2, 0, 1).reshape(4, 6))
fx.case("slice_step", "slice", {"dim": 1, "start": 1, "end": 4, "step": 2}, [r(3, 5)], lambda t: t[:, 1:4:2])
fx.case("expand_mul", "expand_mul", {"shape": [3, 4]}, [r(3, 1), r(3, 4)], lambda a, b: a.expand(3, 4) * b)
fx.save()
