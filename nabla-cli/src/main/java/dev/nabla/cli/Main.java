package dev.nabla.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code nabla} command: a good Unix citizen (exit 0 on success, one-line errors on stderr). */
@Command(name = "nabla", mixinStandardHelpOptions = true, version = "nabla 0.1.0-SNAPSHOT",
        description = "Nabla, deep learning for the JVM.",
        subcommands = {TrainCommand.class, EvalCommand.class, PredictCommand.class, GenerateCommand.class, SummaryCommand.class,
                DemoCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main {
    @Option(names = "--debug", description = "Print stack traces of errors.", scope = CommandLine.ScopeType.INHERIT)
    boolean debug;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (for tests). */
    public static int run(String... args) {
        Main main = new Main();
        CommandLine cl = new CommandLine(main);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (main.debug || parseResult.hasMatchedOption("--debug")) e.printStackTrace(commandLine.getErr());
            else commandLine.getErr().println("nabla: " + oneLine(e));
            return 1;
        });
        return cl.execute(args);
    }

    private static String oneLine(Throwable e) {
        String m = e.getMessage();
        return (m == null || m.isBlank() ? e.getClass().getSimpleName() : m).lines().findFirst().orElse("");
    }
}
