package dev.nabla.cli.config;

/**
 * A mistake in a config file or a {@code --set} override. The message is one line that starts with where the
 * mistake is ({@code run.yaml:12:5} or {@code --set training.epochs=x}) and the key path, then says what is wrong.
 */
public final class ConfigException extends IllegalArgumentException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }

    /** {@code where: path: message}; the path is left out when empty. */
    static ConfigException at(Node.Loc loc, String path, String message) {
        return at(loc, path, message, null);
    }

    static ConfigException at(Node.Loc loc, String path, String message, Throwable cause) {
        return new ConfigException(loc + ": " + (path.isEmpty() ? "" : path + ": ") + message, cause);
    }
}
