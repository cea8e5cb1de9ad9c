/** The {@code nabla} command. */
module dev.nabla.cli {
    requires dev.nabla.core;
    requires dev.nabla.train;
    requires info.picocli;

    opens dev.nabla.cli to info.picocli;
}
