/** Training: optimizers, learning-rate schedules, data loading, the training loop, metrics, checkpoints. */
module dev.nabla.train {
    requires transitive dev.nabla.core;
    requires transitive dev.nabla.nn;
    requires jdk.incubator.vector; // the Adam/AdamW kernel
    requires java.net.http; // downloading named datasets when they are not on disk

    exports dev.nabla.data;
    exports dev.nabla.text;
    exports dev.nabla.metrics;
    exports dev.nabla.optim;
    exports dev.nabla.optim.schedule;
    exports dev.nabla.train;
    exports dev.nabla.train.callback;
}
