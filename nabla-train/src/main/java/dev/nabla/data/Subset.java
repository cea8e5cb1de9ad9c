package dev.nabla.data;

/** A view of some examples of another dataset, by index. */
final class Subset implements Dataset {
    private final Dataset base;
    private final int[] indices;

    Subset(Dataset base, int[] indices) {
        for (int i : indices)
            if (i < 0 || i >= base.size())
                throw new IllegalArgumentException("subset: index " + i + " is outside a dataset of " + base.size() + " examples");
        this.base = base;
        this.indices = indices.clone();
    }

    @Override
    public int size() {
        return indices.length;
    }

    @Override
    public Batch batch(int[] positions) {
        int[] mapped = new int[positions.length];
        for (int k = 0; k < positions.length; k++) mapped[k] = indices[positions[k]];
        return base.batch(mapped);
    }
}
