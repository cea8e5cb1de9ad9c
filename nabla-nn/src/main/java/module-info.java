/** Neural-network modules: parameters and state dicts, layers, losses, initialisers. */
module dev.nabla.nn {
    requires transitive dev.nabla.core;
    requires jdk.incubator.vector;

    exports dev.nabla.nn;
    exports dev.nabla.nn.layers;
    exports dev.nabla.nn.loss;
    exports dev.nabla.nn.init;
    exports dev.nabla.nn.models;
    exports dev.nabla.nn.generate;
}
