/** Neural-network modules: parameters and state dicts, layers, losses, initialisers. */
module dev.nabla.nn {
    requires transitive dev.nabla.core;

}
