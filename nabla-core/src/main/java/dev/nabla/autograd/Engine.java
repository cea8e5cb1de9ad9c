package dev.nabla.autograd;

import dev.nabla.ops.Reductions;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.StoragePool;
import dev.nabla.tensor.Tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reverse-mode differentiation over the recorded graph. Use {@link Tensor#backward()}. */
public final class Engine {
    private Engine() {}

    static void attach(Tensor out, Node node) {
        out.attachGradFn(node);
    }

    /**
     * Back-propagates {@code gradient} (the gradient of some scalar with respect to {@code root};
     * {@code null} means 1 for a one-element root) and accumulates into the {@code grad} of every leaf
     * that requires it. Unless {@code retainGraph}, the graph is released as it is walked.
     */
    public static void backward(Tensor root, Tensor gradient, boolean retainGraph) {
        if (!root.requiresGrad())
            throw new IllegalStateException("backward: the tensor does not require grad and has no grad_fn "
                    + "(did you compute it under NoGrad, or from tensors without requiresGrad?)");
        if (gradient == null) {
            if (root.numel() != 1)
                throw new IllegalArgumentException("backward: grad can be implicitly created only for scalar outputs, "
                        + "but the output has shape " + Shape.str(root.shape()) + "; pass a gradient");
            gradient = Tensor.onesLike(root);
        } else if (!Arrays.equals(gradient.shape(), root.shape())) {
            throw new IllegalArgumentException("backward: gradient shape " + Shape.str(gradient.shape())
                    + " does not match the output shape " + Shape.str(root.shape()));
        } else if (gradient.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException("backward: gradient must be float32, got " + gradient.dtype());
        }
        boolean previous = GradMode.set(false);
        BufferPool outer = POOL.get();
        POOL.set(new BufferPool());
        try {
            run(root, gradient, retainGraph);
        } finally {
            GradMode.set(previous);
            POOL.set(outer);
        }
    }

    private static void run(Tensor root, Tensor gradient, boolean retainGraph) {
        if (root.gradFn() == null) { // a leaf: backward of a leaf just accumulates
            accumulate(root, gradient);
            return;
        }
        List<Tensor> order = topologicalOrder(root);
        // storages handed to a leaf as its grad in this pass, without a copy
        Set<float[]> adopted = Collections.newSetFromMap(new IdentityHashMap<>());
        Map<Tensor, Tensor> grads = new IdentityHashMap<>();
        // storages of pending gradients that nothing but their one entry in grads can reach: a second
        // gradient for the same tensor is added into them in place instead of into a fresh sum (GPT's
        // residual stream merged two 2 MB gradients into a third at every block)
        Set<float[]> exclusive = Collections.newSetFromMap(new IdentityHashMap<>());
        grads.put(root, gradient);
        for (int k = order.size() - 1; k >= 0; k--) {
            Tensor t = order.get(k);
            Node node = t.gradFn();
            Tensor g = grads.remove(t);
            if (g == null) continue; // no path from root carries gradient here
            boolean disposable = exclusive.remove(g.data());
            if (node.released())
                throw new IllegalStateException("backward: trying to backward through the graph a second time (at op '"
                        + node.op() + "'); the saved tensors were freed after the first backward. "
                        + "Pass retainGraph=true to the first call if you need to backward twice.");
            Tensor[] inputs = node.inputsRaw();
            Tensor[] inputGrads;
            DISPOSABLE.set(disposable ? g : null);
            try {
                inputGrads = node.backward().apply(g);
            } finally {
                DISPOSABLE.set(null);
            }
            if (inputGrads.length != inputs.length)
                throw new IllegalStateException("op '" + node.op() + "' returned " + inputGrads.length
                        + " gradients for " + inputs.length + " inputs");
            for (int i = 0; i < inputs.length; i++) {
                Tensor in = inputs[i];
                Tensor gi = inputGrads[i];
                if (in == null || gi == null || !in.requiresGrad()) continue;
                gi = sumToShape(node.op(), gi, in.shape());
                if (in.gradFn() == null) {
                    if (in.grad() == null && !retainGraph && owned(gi, i, g, t, inputs, inputGrads, adopted)) {
                        in.setGrad(gi);
                        adopted.add(gi.data());
                    } else {
                        accumulate(in, gi);
                    }
                }
                else merge(grads, exclusive, in, gi, owned(gi, i, g, t, inputs, inputGrads, adopted));
            }
            if (disposable && !returned(g, inputGrads)) POOL.get().give(g.data());
            if (!retainGraph) node.release();
        }
    }

    /** Whether a rule handed its incoming gradient on (itself, or a view of its storage) as an input's gradient. */
    private static boolean returned(Tensor g, Tensor[] inputGrads) {
        for (Tensor gi : inputGrads) if (gi != null && gi.sharesStorageWith(g)) return true;
        return false;
    }

    /** The gradient buffers of the backward pass running on this thread that it has finished with. */
    private static final ThreadLocal<BufferPool> POOL = new ThreadLocal<>();

    static float[] buffer(int n) {
        BufferPool pool = POOL.get();
        float[] a = pool == null ? null : pool.take(n);
        if (a == null) a = StoragePool.allocate(n);
        return a != null ? a : new float[n];
    }

    /**
     * Dead gradient storages by length, for one backward pass (it is dropped with the pass, so nothing is held
     * between steps). Only arrays of at least {@code MIN} floats are kept, a few per length: below that a new
     * array costs less than the bookkeeping, and beyond a few of a length they are not asked for again.
     */
    private static final class BufferPool {
        private static final int MIN = 1024, PER_LENGTH = 4;
        private final Map<Integer, ArrayDeque<float[]>> free = new HashMap<>();

        void give(float[] a) {
            if (a.length < MIN) return;
            ArrayDeque<float[]> q = free.computeIfAbsent(a.length, k -> new ArrayDeque<>());
            if (q.size() < PER_LENGTH) q.push(a);
        }

        float[] take(int n) {
            if (n < MIN) return null;
            ArrayDeque<float[]> q = free.get(n);
            float[] a = q == null ? null : q.poll();
            if (a != null) Arrays.fill(a, 0f);
            return a;
        }
    }

    /** The incoming gradient of the backward rule now running, when nothing else references its storage. */
    private static final ThreadLocal<Tensor> DISPOSABLE = new ThreadLocal<>();

    /**
     * True while a backward rule runs and {@code gradOutput} is its incoming gradient held in a contiguous storage
     * of its own that nothing else references (made by another rule's backward for this op alone): the rule may
     * overwrite it, e.g. with the gradient it computes from it elementwise, instead of allocating another.
     */
    static boolean disposable(Tensor gradOutput) {
        return gradOutput != null && DISPOSABLE.get() == gradOutput;
    }

    /** Post-order DFS over non-leaf tensors, iterative so that long chains (RNNs) cannot overflow the stack. */
    private static List<Tensor> topologicalOrder(Tensor root) {
        List<Tensor> order = new ArrayList<>();
        Map<Tensor, Boolean> visited = new IdentityHashMap<>();
        ArrayDeque<Tensor> stack = new ArrayDeque<>();
        ArrayDeque<int[]> next = new ArrayDeque<>();
        visited.put(root, Boolean.TRUE);
        stack.push(root);
        next.push(new int[] {0});
        while (!stack.isEmpty()) {
            Tensor t = stack.peek();
            Tensor[] inputs = t.gradFn().inputsRaw();
            int[] i = next.peek();
            if (inputs != null && i[0] < inputs.length) {
                Tensor child = inputs[i[0]++];
                if (child != null && child.gradFn() != null && visited.put(child, Boolean.TRUE) == null) {
                    stack.push(child);
                    next.push(new int[] {0});
                }
            } else {
                stack.pop();
                next.pop();
                order.add(t);
            }
        }
        return order;
    }

    /**
     * Whether gradient {@code gi} (for input {@code i}) may become a leaf's grad as it is, without the copy
     * {@link #accumulate} makes: it must be a whole, contiguous storage that nothing else can reach: not the
     * incoming gradient or a view of it (add and reshape pass theirs through), not shared with the node's
     * output, inputs or other returned gradients, not already some leaf's grad. Then later accumulation into
     * the leaf's grad cannot show through anywhere else. Copying every leaf gradient was 10% of an MLP's
     * backward pass (a fresh 200 KB array per step for a 784x64 weight).
     */
    private static boolean owned(Tensor gi, int i, Tensor g, Tensor out, Tensor[] inputs, Tensor[] inputGrads,
                                 Set<float[]> adopted) {
        if (gi.dtype() != DType.FLOAT32 || gi.offset() != 0 || !gi.isContiguous() || gi.numel() != gi.data().length)
            return false;
        if (gi.sharesStorageWith(g) || gi.sharesStorageWith(out) || adopted.contains(gi.data())) return false;
        for (Tensor in : inputs) if (in != null && gi.sharesStorageWith(in)) return false;
        for (int j = 0; j < inputGrads.length; j++)
            if (j != i && inputGrads[j] != null && gi.sharesStorageWith(inputGrads[j])) return false;
        return true;
    }

    /**
     * Adds gradient {@code gi} to the pending gradient of non-leaf {@code in}: into the pending one in place when
     * no one else can see it, else into {@code gi} when that is fresh and unshared ({@code giOwned}), else into a
     * new tensor. The sum is the same either way (addition commutes).
     */
    private static void merge(Map<Tensor, Tensor> grads, Set<float[]> exclusive, Tensor in, Tensor gi, boolean giOwned) {
        giOwned = giOwned && !exclusive.contains(gi.data());
        Tensor cur = grads.get(in);
        if (cur == null) {
            grads.put(in, gi);
            if (giOwned) exclusive.add(gi.data());
        } else if (exclusive.contains(cur.data())) {
            cur.add_(gi);
        } else if (giOwned) {
            gi.add_(cur);
            grads.put(in, gi);
            exclusive.add(gi.data());
        } else {
            Tensor sum = cur.add(gi);
            grads.put(in, sum);
            exclusive.add(sum.data());
        }
    }

    private static void accumulate(Tensor leaf, Tensor g) {
        Tensor current = leaf.grad();
        if (current == null) leaf.setGrad(g.contiguous() == g ? g.clone() : g.contiguous());
        else current.add_(g);
    }

    /**
     * Sums a gradient of a broadcast shape back to the input's shape: over the leading dims broadcasting
     * added, and over the dims where the input had size 1. The one place broadcasting is undone.
     */
    public static Tensor sumToShape(String op, Tensor g, int[] shape) {
        int[] gs = g.shape();
        if (Arrays.equals(gs, shape)) return g;
        int lead = gs.length - shape.length;
        if (lead < 0)
            throw new IllegalStateException("op '" + op + "' returned a gradient of shape " + Shape.str(gs)
                    + " for an input of shape " + Shape.str(shape));
        int[] dims = new int[gs.length];
        int n = 0;
        for (int i = 0; i < gs.length; i++) {
            if (i < lead) dims[n++] = i;
            else if (shape[i - lead] == 1 && gs[i] != 1) dims[n++] = i;
            else if (shape[i - lead] != gs[i])
                throw new IllegalStateException("op '" + op + "' returned a gradient of shape " + Shape.str(gs)
                        + " that does not broadcast to its input's shape " + Shape.str(shape));
        }
        Tensor summed = n == 0 ? g : Reductions.sum(g, Arrays.copyOf(dims, n), true);
        return summed.reshape(shape);
    }
}
