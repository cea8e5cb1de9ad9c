"""Oracle for nabla-nn's recurrent layers: nn.RNN (tanh, relu), nn.LSTM and nn.GRU.

Per case, with in0 = the input, in1 = h0 and in2 = c0 (LSTM) when args["h0"] is true:
  "<case>/out", "<case>/h", "<case>/c"  the output sequence and the final states (c for the LSTM only),
  "<case>/w", "<case>/wh", "<case>/wc"  the upstream gradients: the recorded loss is
                                        sum(out*w) + sum(h*wh) (+ sum(c*wc)),
  "<case>/grad<i>"                      its gradient with respect to input i,
  "<case>/sd/<key>"                     the module's state dict (loaded into Nabla with strict=true),
  "<case>/pgrad/<key>"                  its gradient with respect to every parameter.
args: the constructor arguments (mode "rnn_tanh", "rnn_relu", "lstm", "gru"), "training" (always false: dropout
is recorded in eval mode, where it must have no effect) and "h0".
Written to nabla-nn/src/test/resources/fixtures/rnn.safetensors.
"""
from pathlib import Path

import torch
import torch.nn as nn
from fixture import Fixture

OUT = Path(__file__).resolve().parent.parent / "nabla-nn" / "src" / "test" / "resources" / "fixtures"
fx = Fixture("rnn")
r = fx.randn


def record(name, mode, input_size, hidden, T, B, num_layers=1, bias=True, batch_first=False, dropout=0.0,
           bidirectional=False, h0=False, unbatched=False):
    if any(c["name"] == name for c in fx.cases):
        raise ValueError("duplicate case " + name)
    kw = dict(num_layers=num_layers, bias=bias, batch_first=batch_first, dropout=dropout, bidirectional=bidirectional)
    if mode.startswith("rnn"):
        m = nn.RNN(input_size, hidden, nonlinearity=mode[4:], **kw)
    elif mode == "lstm":
        m = nn.LSTM(input_size, hidden, **kw)
    else:
        m = nn.GRU(input_size, hidden, **kw)
    m.eval()
    for k, v in m.state_dict().items():
        fx.tensors[f"{name}/sd/{k}"] = v.detach().clone()
    dirs = 2 if bidirectional else 1
    shape = (T, input_size) if unbatched else ((B, T, input_size) if batch_first else (T, B, input_size))
    sshape = (num_layers * dirs, hidden) if unbatched else (num_layers * dirs, B, hidden)
    inputs = [r(*shape)]
    if h0:
        inputs.append(r(*sshape) * 0.5)
        if mode == "lstm":
            inputs.append(r(*sshape))
    xs = [t.clone().requires_grad_(True) for t in inputs]
    if mode == "lstm":
        out, (h, c) = m(xs[0], (xs[1], xs[2]) if h0 else None)
    else:
        out, h = m(xs[0], xs[1] if h0 else None)
        c = None
    w, wh = torch.randn(out.shape, generator=fx.gen), torch.randn(h.shape, generator=fx.gen)
    loss = (out * w).sum() + (h * wh).sum()
    if c is not None:
        wc = torch.randn(c.shape, generator=fx.gen)
        loss = loss + (c * wc).sum()
        fx.tensors[f"{name}/c"] = c.detach()
        fx.tensors[f"{name}/wc"] = wc
    loss.backward()
    for i, x in enumerate(xs):
        fx.tensors[f"{name}/in{i}"] = x.detach()
        fx.tensors[f"{name}/grad{i}"] = x.grad.detach()
    fx.tensors[f"{name}/out"] = out.detach()
    fx.tensors[f"{name}/h"] = h.detach()
    fx.tensors[f"{name}/w"] = w
    fx.tensors[f"{name}/wh"] = wh
    for k, p in m.named_parameters():
        fx.tensors[f"{name}/pgrad/{k}"] = p.grad.detach()
    fx.cases.append({"name": name, "op": mode, "args": {
        "mode": mode, "input_size": input_size, "hidden_size": hidden, "num_layers": num_layers, "bias": bias,
        "batch_first": batch_first, "dropout": dropout, "bidirectional": bidirectional, "h0": h0,
        "training": False}})


torch.manual_seed(0)
for mode in ["rnn_tanh", "rnn_relu", "lstm", "gru"]:
    record(f"{mode}_basic", mode, 3, 4, T=5, B=2)
    record(f"{mode}_h0", mode, 3, 4, T=4, B=3, h0=True)
    record(f"{mode}_2layers_batch_first", mode, 4, 5, T=6, B=2, num_layers=2, batch_first=True, h0=True)
    record(f"{mode}_bidirectional", mode, 3, 4, T=5, B=2, bidirectional=True)
    record(f"{mode}_bidir_2layers_bf_h0", mode, 3, 5, T=4, B=3, num_layers=2, batch_first=True,
           bidirectional=True, h0=True)
    record(f"{mode}_nobias", mode, 3, 4, T=5, B=2, bias=False, h0=True)
    record(f"{mode}_nobias_bidir_2layers", mode, 2, 3, T=3, B=2, num_layers=2, bias=False, bidirectional=True)
    record(f"{mode}_dropout_eval_3layers", mode, 3, 4, T=4, B=2, num_layers=3, dropout=0.5)
    record(f"{mode}_unbatched", mode, 3, 4, T=5, B=1, num_layers=2, bidirectional=True, h0=True, unbatched=True)
    record(f"{mode}_t1_b1", mode, 2, 3, T=1, B=1, h0=True)
record("lstm_wide", "lstm", 8, 16, T=12, B=5, num_layers=2, batch_first=True)
record("gru_wide", "gru", 8, 16, T=12, B=5, num_layers=2)

fx.save(OUT)
