/** The seed programs written against the Java API; {@code examples/run.sh NAME} runs one. */
module dev.nabla.examples {
    requires transitive dev.nabla.train;

    exports dev.nabla.examples;
}
