"""Oracle for conv2d, max_pool2d, avg_pool2d and linear, and their fused forms with an activation (family "conv")."""
import torch
import torch.nn.functional as F
from fixture import Fixture

fx = Fixture("conv")
r = fx.randn


def conv(name, x_shape, w_shape, stride=1, padding=0, dilation=1, groups=1, bias=True):
    args = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups, "bias": bias}
    inputs = [r(*x_shape), r(*w_shape)] + ([r(w_shape[0])] if bias else [])
    fx.case(name, "conv2d", args, inputs,
            lambda x, w, b=None: F.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups))


conv("conv_basic", [2, 3, 7, 7], [4, 3, 3, 3])
conv("conv_nobias", [2, 3, 7, 7], [4, 3, 3, 3], bias=False)
conv("conv_stride2", [3, 2, 9, 8], [5, 2, 3, 3], stride=2)
conv("conv_pad1", [3, 3, 6, 6], [4, 3, 3, 3], padding=1)
conv("conv_pad2_stride2", [3, 2, 7, 9], [3, 2, 5, 5], stride=2, padding=2)
conv("conv_dilation2", [2, 2, 9, 9], [3, 2, 3, 3], dilation=2, padding=2)
conv("conv_groups2", [3, 4, 6, 6], [6, 2, 3, 3], groups=2, padding=1)
conv("conv_depthwise", [3, 5, 7, 6], [5, 1, 3, 3], groups=5, padding=1, stride=(1, 2))
conv("conv_depthwise_mult", [2, 3, 6, 6], [6, 1, 3, 3], groups=3, bias=False)
conv("conv_rect_kernel", [3, 2, 8, 11], [4, 2, 2, 5], stride=(2, 1), padding=(1, 2), dilation=(2, 1))
conv("conv_rect_input", [1, 3, 5, 12], [2, 3, 3, 4], padding=(0, 1))
conv("conv_1x1", [3, 6, 5, 4], [4, 6, 1, 1])
conv("conv_1x1_groups_nobias", [2, 6, 3, 5], [4, 3, 1, 1], groups=2, bias=False)
conv("conv_1x1_stride2", [2, 3, 6, 5], [4, 3, 1, 1], stride=2)
conv("conv_kernel_eq_input", [2, 3, 4, 5], [2, 3, 4, 5])
conv("conv_big_pad", [2, 1, 3, 3], [2, 1, 2, 2], padding=3, stride=3)
conv("conv_train1", [2, 1, 28, 28], [32, 1, 3, 3], padding=1)
conv("conv_train2", [2, 32, 14, 14], [64, 32, 3, 3], padding=1)


def max_pool(name, x_shape, kernel, stride=None, padding=0, dilation=1, ceil_mode=False):
    args = {"kernel_size": kernel, "stride": stride if stride is not None else [], "padding": padding,
            "dilation": dilation, "ceil_mode": ceil_mode}
    fx.case(name, "max_pool2d", args, [r(*x_shape)],
            lambda x: F.max_pool2d(x, kernel, stride, padding, dilation, ceil_mode=ceil_mode))


max_pool("max_2", [2, 3, 8, 8], 2)
max_pool("max_3_s2", [2, 2, 9, 7], 3, 2)
max_pool("max_3_s2_pad1", [2, 2, 8, 8], 3, 2, 1)
max_pool("max_ceil", [1, 2, 7, 7], 2, 2, 0, 1, True)
max_pool("max_ceil_pad", [2, 1, 6, 9], 3, 2, 1, 1, True)
max_pool("max_ceil_drop_last", [1, 2, 5, 5], 3, 3, 1, 1, True)
max_pool("max_dilation", [2, 2, 9, 10], 3, 1, 1, 2)
max_pool("max_dilation_ceil", [1, 2, 10, 8], (2, 3), (2, 3), (1, 1), (3, 2), True)
max_pool("max_rect", [2, 3, 7, 10], (2, 4), (1, 3), (1, 2))
max_pool("max_unbatched", [3, 6, 6], 2)


def avg_pool(name, x_shape, kernel, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    args = {"kernel_size": kernel, "stride": stride if stride is not None else [], "padding": padding,
            "ceil_mode": ceil_mode, "count_include_pad": count_include_pad}
    fx.case(name, "avg_pool2d", args, [r(*x_shape)],
            lambda x: F.avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad))


avg_pool("avg_2", [2, 3, 8, 8], 2)
avg_pool("avg_3_s2_pad1", [2, 2, 9, 9], 3, 2, 1)
avg_pool("avg_3_s2_pad1_nopad", [2, 2, 9, 9], 3, 2, 1, False, False)
avg_pool("avg_ceil", [1, 2, 7, 7], 2, 2, 0, True)
avg_pool("avg_ceil_pad", [2, 1, 8, 7], 3, 2, 1, True, True)
avg_pool("avg_ceil_pad_nopad", [2, 1, 8, 7], 3, 2, 1, True, False)
avg_pool("avg_ceil_drop_last", [1, 2, 5, 5], 3, 3, 1, True, True)
avg_pool("avg_rect", [2, 2, 6, 11], (2, 4), (2, 3), (1, 2), True)
avg_pool("avg_unbatched", [2, 5, 5], 3, 1, 1, False, False)

fx.case("linear_2d", "linear", {"bias": True}, [r(5, 7), r(3, 7), r(3)], F.linear)
fx.case("linear_2d_nobias", "linear", {"bias": False}, [r(5, 7), r(3, 7)], F.linear)
fx.case("linear_3d", "linear", {"bias": True}, [r(2, 4, 6), r(5, 6), r(5)], F.linear)
fx.case("linear_3d_nobias", "linear", {"bias": False}, [r(2, 4, 6), r(5, 6)], F.linear)
fx.case("linear_1d", "linear", {"bias": True}, [r(6), r(4, 6), r(4)], F.linear)
fx.case("linear_large", "linear", {"bias": True}, [r(3, 10, 64), r(33, 64), r(33)], F.linear)
# FusedLinear: a Linear followed by its activation, as one op; rows past one 64-row block of the backward pass.
fx.case("linear_relu_2d", "linear_relu", {"bias": True}, [r(5, 7), r(3, 7), r(3)], lambda x, w, b: F.relu(F.linear(x, w, b)))
fx.case("linear_relu_3d_nobias", "linear_relu", {"bias": False}, [r(2, 4, 6), r(5, 6)], lambda x, w: F.relu(F.linear(x, w)))
fx.case("linear_relu_blocks", "linear_relu", {"bias": True}, [r(3, 50, 24), r(40, 24), r(40)],
        lambda x, w, b: F.relu(F.linear(x, w, b)))
fx.case("linear_gelu_2d", "linear_gelu", {"bias": True}, [r(5, 7), r(3, 7), r(3)], lambda x, w, b: F.gelu(F.linear(x, w, b)))
fx.case("linear_gelu_blocks", "linear_gelu", {"bias": True}, [r(2, 70, 16), r(36, 16), r(36)],
        lambda x, w, b: F.gelu(F.linear(x, w, b)))
fx.case("linear_gelu_1d_nobias", "linear_gelu", {"bias": False}, [r(6), r(4, 6)], lambda x, w: F.gelu(F.linear(x, w)))
fx.case("linear_gelu_tanh_2d", "linear_gelu_tanh", {"bias": True}, [r(9, 5), r(11, 5), r(11)],
        lambda x, w, b: F.gelu(F.linear(x, w, b), approximate="tanh"))
# conv2d_relu: a Conv2d followed by a ReLU, as one op (appended last, so the cases above keep their numbers).
for name, xs, ws, kw in [("conv_relu_basic", [2, 3, 7, 7], [4, 3, 3, 3], dict(padding=1)),
                         ("conv_relu_stride2_nobias", [3, 2, 9, 8], [5, 2, 3, 3], dict(stride=2, bias=False)),
                         ("conv_relu_groups2", [3, 4, 6, 6], [6, 2, 3, 3], dict(groups=2, padding=1, dilation=2)),
                         ("conv_relu_train1", [9, 1, 28, 28], [8, 1, 3, 3], dict(padding=1))]:
    a = {"stride": kw.get("stride", 1), "padding": kw.get("padding", 0), "dilation": kw.get("dilation", 1),
         "groups": kw.get("groups", 1), "bias": kw.get("bias", True)}
    ins = [r(*xs), r(*ws)] + ([r(ws[0])] if a["bias"] else [])
    fx.case(name, "conv2d_relu", a, ins,
            lambda x, w, b=None, a=a: F.relu(F.conv2d(x, w, b, stride=a["stride"], padding=a["padding"],
                                                      dilation=a["dilation"], groups=a["groups"])))
fx.save()
