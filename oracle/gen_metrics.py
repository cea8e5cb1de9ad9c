"""Oracle for the metrics: scikit-learn's scores on random predictions (apt-get install python3-sklearn).

Not a PyTorch fixture, so it writes its own small safetensors file with the same layout as fixture.py:
"<case>/scores" [N, C], "<case>/targets" [N] and one scalar tensor per metric name.
"""
import json
from pathlib import Path

import numpy as np
import torch
from sklearn import metrics as skm

from fixture import write_safetensors

OUT = Path(__file__).resolve().parent.parent / "nabla-train" / "src" / "test" / "resources" / "fixtures"
rng = np.random.default_rng(0)
tensors, cases = {}, []
for name, (n, c, skill) in {"balanced": (200, 4, 0.6), "skewed": (150, 5, 0.3), "binary": (120, 2, 0.5)}.items():
    targets = rng.integers(0, c, n) if name != "skewed" else np.minimum(rng.geometric(0.5, n) - 1, c - 1)
    scores = rng.normal(size=(n, c)).astype(np.float32)
    scores[np.arange(n), targets] += skill * 2  # some signal, so scores are not trivial
    pred = scores.argmax(1)
    tensors[f"{name}/scores"] = torch.from_numpy(scores)
    tensors[f"{name}/targets"] = torch.from_numpy(targets.astype(np.int64))
    labels = list(range(c))
    values = {"accuracy": skm.accuracy_score(targets, pred),
              "top2_accuracy": skm.top_k_accuracy_score(targets, scores, k=2, labels=labels) if c > 2 else 1.0,
              "confusion": skm.confusion_matrix(targets, pred, labels=labels)}
    for avg in ["macro", "micro", "weighted"]:
        for metric, fn in [("precision", skm.precision_score), ("recall", skm.recall_score), ("f1", skm.f1_score)]:
            values[f"{metric}_{avg}"] = fn(targets, pred, labels=labels, average=avg, zero_division=0)
    y = rng.normal(size=n).astype(np.float32)
    yhat = (y + rng.normal(scale=0.5, size=n)).astype(np.float32)
    tensors[f"{name}/y"] = torch.from_numpy(y)
    tensors[f"{name}/yhat"] = torch.from_numpy(yhat)
    values["mse"] = skm.mean_squared_error(y, yhat)
    values["mae"] = skm.mean_absolute_error(y, yhat)
    values["r2"] = skm.r2_score(y, yhat)
    for k, v in values.items():
        tensors[f"{name}/{k}"] = torch.tensor(np.asarray(v), dtype=torch.int64 if k == "confusion" else torch.float64).float() \
            if k != "confusion" else torch.from_numpy(np.asarray(v).astype(np.int64))
    cases.append({"name": name, "classes": c})
OUT.mkdir(parents=True, exist_ok=True)
write_safetensors(OUT / "metrics.safetensors", tensors,
                  {"format": "nabla-oracle", "version": "1", "sklearn": "1.2.1", "cases": json.dumps(cases)})
print("wrote", OUT / "metrics.safetensors")
