/** The {@code nabla} command. */
module dev.nabla.cli {
    requires dev.nabla.core;
    requires dev.nabla.train;
    requires info.picocli;
    requires com.fasterxml.jackson.core;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.dataformat.yaml;
    requires org.knowm.xchart;
    requires java.desktop;

    opens dev.nabla.cli to info.picocli;
}
