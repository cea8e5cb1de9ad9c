"""Oracle for index_select, gather, scatter_add, embedding, one_hot, cat, stack, split and chunk."""
import torch
import torch.nn.functional as F
from fixture import Fixture

fx = Fixture("indexing")
r = fx.randn
ri = fx.randint
idx = lambda *v: torch.tensor(v, dtype=torch.long)

# index_select, with repeated indices so the gradient accumulates
x = r(4, 5, 3)
for dim, index in {0: idx(3, 0, 3, 1), 1: idx(4, 4, 0, 2, 1, 4), -1: idx(2, 0, 2)}.items():
    name = f"index_select_{dim}".replace("-", "neg")
    fx.case(name, "index_select", {"dim": dim}, [x, index], lambda t, i, d=dim: t.index_select(d, i))
fx.case("index_select_transposed", "index_select_t", {"dim": 0}, [r(3, 6), idx(5, 0, 5, 2)],
        lambda t, i: t.t().index_select(0, i))
fx.case("index_select_scalar_index", "index_select", {"dim": 1}, [r(3, 4), torch.tensor(2)],
        lambda t, i: t.index_select(1, i))

# gather
fx.case("gather_2d_dim0", "gather", {"dim": 0}, [r(4, 3), ri(0, 4, 5, 3)], lambda t, i: t.gather(0, i))
fx.case("gather_2d_dim1", "gather", {"dim": 1}, [r(4, 6), ri(0, 6, 3, 8)], lambda t, i: t.gather(1, i))
fx.case("gather_3d_dim1", "gather", {"dim": 1}, [r(3, 4, 5), ri(0, 4, 2, 6, 3)], lambda t, i: t.gather(1, i))
fx.case("gather_3d_dimneg1", "gather", {"dim": -1}, [r(3, 4, 5), ri(0, 5, 3, 4, 7)], lambda t, i: t.gather(-1, i))
fx.case("gather_transposed", "gather_t", {"dim": 1}, [r(5, 4), ri(0, 5, 4, 3)], lambda t, i: t.t().gather(1, i))

# scatter_add (out of place); repeated targets accumulate
fx.case("scatter_add_2d_dim0", "scatter_add", {"dim": 0}, [r(3, 4), ri(0, 3, 5, 4), r(5, 4)],
        lambda t, i, s: t.scatter_add(0, i, s))
fx.case("scatter_add_3d_dim1_small_index", "scatter_add", {"dim": 1}, [r(2, 4, 3), ri(0, 4, 2, 6, 2), r(2, 7, 3)],
        lambda t, i, s: t.scatter_add(1, i, s[:, :6, :2]))  # only the leading block is used; torch 1.13's
# backward cannot handle a src larger than index itself, so the reference narrows src explicitly
fx.case("scatter_add_dimneg1", "scatter_add", {"dim": -1}, [r(3, 5), ri(0, 5, 3, 9), r(3, 9)],
        lambda t, i, s: t.scatter_add(-1, i, s))

# embedding: repeated indices so rows of the weight gradient accumulate
fx.case("embedding_2d", "embedding", {}, [idx(1, 4, 4, 0, 1, 1, 5, 2).reshape(2, 4), r(6, 5)],
        lambda i, w: F.embedding(i, w))
fx.case("embedding_1d", "embedding", {}, [idx(3, 3, 3, 0), r(4, 7)], lambda i, w: F.embedding(i, w))
fx.case("embedding_3d", "embedding", {}, [ri(0, 10, 2, 3, 4), r(10, 3)], lambda i, w: F.embedding(i, w))

# one_hot (PyTorch returns int64; Nabla returns float32 with the same values)
fx.case("one_hot_5", "one_hot", {"num_classes": 5}, [idx(0, 4, 2, 2, 1, 3).reshape(2, 3)],
        lambda i: F.one_hot(i, 5).float())
fx.case("one_hot_infer", "one_hot", {"num_classes": -1}, [idx(3, 0, 6, 1)], lambda i: F.one_hot(i).float())

# cat and stack on several dims, including negative ones
a, b, c = r(2, 3, 4), r(2, 1, 4), r(2, 5, 4)
fx.case("cat_dim1", "cat", {"dim": 1}, [a, b, c], lambda *t: torch.cat(t, 1))
fx.case("cat_dim0", "cat", {"dim": 0}, [r(1, 3, 4), a, r(3, 3, 4)], lambda *t: torch.cat(t, 0))
fx.case("cat_dimneg1", "cat", {"dim": -1}, [r(2, 3, 1), a, r(2, 3, 2)], lambda *t: torch.cat(t, -1))
fx.case("cat_single", "cat", {"dim": 0}, [r(3, 2)], lambda *t: torch.cat(t, 0))
for dim in [0, 1, 3, -1, -2, -4]:
    name = f"stack_dim{dim}".replace("-", "neg")
    fx.case(name, "stack", {"dim": dim}, [r(2, 3, 4), r(2, 3, 4), r(2, 3, 4)], lambda *t, d=dim: torch.stack(t, d))

# split / chunk followed by a different scale per piece, then cat back: checks the views' gradients
def scaled_cat(pieces, dim):
    return torch.cat([p * (k + 1) for k, p in enumerate(pieces)], dim)

fx.case("split_dim1", "split_scale_cat", {"split_size": 2, "dim": 1}, [r(3, 7)],
        lambda t: scaled_cat(torch.split(t, 2, 1), 1))
fx.case("split_dimneg1_3d", "split_scale_cat", {"split_size": 3, "dim": -1}, [r(2, 3, 8)],
        lambda t: scaled_cat(torch.split(t, 3, -1), -1))
fx.case("chunk_dim0", "chunk_scale_cat", {"chunks": 3, "dim": 0}, [r(7, 4)],
        lambda t: scaled_cat(torch.chunk(t, 3, 0), 0))
fx.case("chunk_fewer_pieces", "chunk_scale_cat", {"chunks": 4, "dim": 1}, [r(2, 6)],
        lambda t: scaled_cat(torch.chunk(t, 4, 1), 1))
fx.case("chunk_then_stack", "chunk_scale_stack", {"chunks": 2, "dim": 1}, [r(3, 4, 2)],
        lambda t: torch.stack([p * (k + 1) for k, p in enumerate(torch.chunk(t, 2, 1))], 0))
fx.save()
