package dev.nabla.cli;

import dev.nabla.cli.config.RunConfig;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The config file and its {@code --set} overrides, shared by the commands that read a config. */
final class ConfigOptions {
    @Parameters(index = "0", paramLabel = "CONFIG", description = "The run's config file (YAML, or JSON by a .json name).")
    Path config;

    @Option(names = "--set", paramLabel = "KEY.PATH=VALUE",
            description = "Override a config value (parsed as YAML: 2, 0.1, true, [a, b]); repeatable, e.g. --set training.epochs=2.")
    List<String> sets = new ArrayList<>();

    RunConfig load() throws IOException {
        return RunConfig.load(config, sets);
    }
}
