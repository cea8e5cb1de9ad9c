package dev.nabla.cli.config;

import dev.nabla.nn.layers.Sequential;
import dev.nabla.tensor.Generator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Every config mistake is one error naming where (file:line:column or the --set) and the key path. */
class ConfigErrorsTest {
    @TempDir
    Path dir;

    static final String GOOD = """
            model:
              layers:
                - {type: Flatten}
                - {type: Linear, in_features: 4, out_features: 8}
                - {type: ReLU}
                - {type: Linear, in_features: 8, out_features: 3}
            data:
              train: {format: npy, x: x.npy, y: y.npy}
              batch_size: 16
            loss: {type: CrossEntropyLoss}
            optimizer: {type: Adam, lr: 0.001, betas: [0.9, 0.999], eps: 1.0e-8, weight_decay: 0}
            training: {epochs: 2, seed: 0}
            metrics: [accuracy, f1]
            """;

    private RunConfig load(String yaml, String... sets) throws IOException {
        Path f = dir.resolve("run.yaml");
        Files.writeString(f, yaml);
        return RunConfig.load(f, List.of(sets));
    }

    private String error(String yaml, String... sets) {
        ConfigException e = assertThrows(ConfigException.class, () -> {
            RunConfig c = load(yaml, sets);
            Sequential m = c.buildModel(new Generator(0));
            c.buildLoss();
            c.buildSchedule(c.buildOptimizer(m));
        });
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        return e.getMessage();
    }

    @Test
    void dataTransformsApplyInOrderAndUnknownOnesAreNamed() throws IOException {
        dev.nabla.io.Npy.write(dir.resolve("x.npy"), dev.nabla.tensor.Tensor.arange(8).reshape(2, 2, 2));
        dev.nabla.io.Npy.write(dir.resolve("y.npy"), dev.nabla.tensor.Tensor.ofLongs(new long[] {0, 2}, 2));
        String yaml = GOOD.replace("  batch_size: 16", "  batch_size: 16\n  transforms:\n    - {type: scale, factor: 0.5}\n"
                + "    - {type: normalize, mean: [1], std: [2]}\n    - {type: flatten}");
        var data = load(yaml).loadData();
        dev.nabla.data.Batch b = data.train().batch(new int[] {1});
        assertArrayEquals(new float[] {0.5f, 0.75f, 1f, 1.25f}, b.x().toFloatArray(), "((4..7) * 0.5 - 1) / 2");
        assertArrayEquals(new int[] {1, 4}, b.x().shape());
        String e = error(GOOD.replace("  batch_size: 16", "  batch_size: 16\n  transforms:\n    - {type: flatten}\n    - {type: blur, radius: 2}"));
        assertTrue(e.contains("data.transforms[1].type") && e.contains("unknown transform 'blur'"), e);
    }

    @Test
    void goodConfigLoadsWithDefaultsAndOverrides() throws IOException {
        RunConfig c = load(GOOD, "training.epochs=5", "optimizer.lr=0.01", "data.shuffle=false", "model.layers[1].out_features=8");
        assertEquals(5, c.epochs);
        assertEquals(16, c.batchSize);
        assertFalse(c.shuffle);
        assertEquals(0, c.seed);
        assertNull(c.maxSteps);
        assertEquals(dir.resolve("runs").resolve("run"), c.outputDir);
        Sequential m = c.buildModel(new Generator(0));
        assertEquals(4, m.size());
        assertEquals(4 * 8 + 8 + 8 * 3 + 3, m.numParameters());
        assertEquals(0.01, c.buildOptimizer(m).paramGroups().getFirst().lr(), 1e-12);
        assertEquals(List.of("accuracy", "f1"), c.metricNames());
    }

    @Test
    void unknownKeyNamesPathLineAndSuggestion() {
        String msg = error(GOOD.replace("training: {epochs: 2, seed: 0}", "training:\n  epochs: 2\n  epoch: 3"));
        assertTrue(msg.startsWith(dir.resolve("run.yaml") + ":14:3: training.epoch: unknown key (did you mean 'epochs'?)"), msg);
        assertTrue(msg.contains("training takes"), msg);
        String top = error(GOOD + "extra: 1\n");
        assertTrue(top.contains("run.yaml:14:1: extra: unknown key"), top);
        String layerArg = error(GOOD.replace("in_features: 4,", "in_feature: 4,"));
        assertTrue(layerArg.contains("run.yaml:4:7: model.layers[1].in_features: required key is missing")
                || layerArg.contains(":4:") && layerArg.contains("in_feature"), layerArg);
        String optimizerArg = error(GOOD.replace("weight_decay: 0}", "weight_decay: 0, momentum: 0.9}"));
        assertTrue(optimizerArg.contains(":11:") && optimizerArg.contains("optimizer.momentum: unknown key"), optimizerArg);
    }

    @Test
    void wrongTypeNamesPathLineAndValue() {
        String msg = error(GOOD.replace("epochs: 2", "epochs: ten"));
        assertTrue(msg.contains("run.yaml:12:20: training.epochs: expected an integer, got \"ten\" (a string)"), msg);
        String b = error(GOOD.replace("batch_size: 16", "batch_size: [16]"));
        assertTrue(b.contains("run.yaml:9:15: data.batch_size: expected an integer, got a list"), b);
        String f = error(GOOD.replace("in_features: 4,", "in_features: 4.5,"));
        assertTrue(f.contains("run.yaml:4:35: model.layers[1].in_features: expected an integer, got 4.5 (a number)"), f);
        String bool = error(GOOD.replace("{type: Linear, in_features: 8, out_features: 3}",
                "{type: Linear, in_features: 8, out_features: 3, bias: maybe}"));
        assertTrue(bool.contains(":6:") && bool.contains("model.layers[3].bias: expected true or false"), bool);
        String betas = error(GOOD.replace("betas: [0.9, 0.999]", "betas: [0.9]"));
        assertTrue(betas.contains(":11:") && betas.contains("optimizer.betas: expected a list of 2 numbers"), betas);
    }

    @Test
    void unknownTypesListTheKnownOnes() {
        String layer = error(GOOD.replace("{type: ReLU}", "{type: Relu}"));
        assertTrue(layer.contains("run.yaml:5:14: model.layers[2].type: unknown layer type 'Relu' (did you mean 'ReLU'?); known: "), layer);
        assertTrue(layer.contains("Conv2d") && layer.contains("Linear"), layer);
        String loss = error(GOOD.replace("CrossEntropyLoss", "CrossEntropy"));
        assertTrue(loss.contains(":10:") && loss.contains("loss.type: unknown loss type 'CrossEntropy'") && loss.contains("NLLLoss"), loss);
        String opt = error(GOOD.replace("type: Adam,", "type: Adamax,"));
        assertTrue(opt.contains(":11:") && opt.contains("unknown optimizer type 'Adamax'") && opt.contains("RMSprop"), opt);
        String sched = error(GOOD + "schedule: {type: OneCycleLR}\n");
        assertTrue(sched.contains(":14:") && sched.contains("unknown schedule type 'OneCycleLR'") && sched.contains("StepLR"), sched);
        String missing = error(GOOD.replace("{type: ReLU}", "{inplace: true}"));
        assertTrue(missing.contains(":5:") && missing.contains("model.layers[2].type: required key is missing"), missing);
    }

    @Test
    void constructorErrorsAreTaggedWithTheLayersLine() {
        String msg = error(GOOD.replace("in_features: 4,", "in_features: 0,"));
        assertTrue(msg.contains("run.yaml:4:7: model.layers[1]: Linear: in_features must be positive, got 0"), msg);
        String lr = error(GOOD.replace("lr: 0.001", "lr: -1"));
        assertTrue(lr.contains(":11:") && lr.contains("Invalid learning rate: -1"), lr);
    }

    @Test
    void badSetPathsAreNamed() {
        String typo = error(GOOD, "training.epoch=2");
        assertEquals("--set training.epoch=2: training.epoch: unknown key (did you mean 'epochs'?); training takes "
                + typo.substring(typo.indexOf("takes ") + 6), typo);
        String throughScalar = error(GOOD, "training.epochs.max=2");
        assertTrue(throughScalar.startsWith("--set training.epochs.max=2: training.epochs.max: 'training.epochs' is 2 (an integer)"),
                throughScalar);
        String index = error(GOOD, "model.layers.9.out_features=2");
        assertTrue(index.contains("model.layers.9: index 9 is out of range for a list of 4 items"), index);
        String noEquals = error(GOOD, "training.epochs");
        assertTrue(noEquals.contains("expected key.path=value"), noEquals);
        String badValue = error(GOOD, "training.epochs=abc");
        assertTrue(badValue.startsWith("--set training.epochs=abc: training.epochs: expected an integer"), badValue);
    }

    @Test
    void setValuesAreParsedAsYaml() throws IOException {
        RunConfig c = load(GOOD, "metrics=[accuracy]", "training.max_steps=7", "training.clip_grad_norm=1.5",
                "schedule={type: StepLR, step_size: 2}", "output.dir=elsewhere");
        assertEquals(List.of("accuracy"), c.metricNames());
        assertEquals(7L, c.maxSteps);
        assertEquals(1.5, c.clipGradNorm);
        assertEquals(dir.resolve("elsewhere"), c.outputDir);
        assertNotNull(c.buildSchedule(c.buildOptimizer(c.buildModel(new Generator(0)))));
    }

    @Test
    void syntaxErrorsAndJsonConfigs() throws IOException {
        String yaml = error("model:\n  layers: [\n    {type: ReLU\n");
        assertTrue(yaml.startsWith(dir.resolve("run.yaml") + ":") && yaml.contains("YAML syntax error"), yaml);
        Path j = dir.resolve("run.json");
        Files.writeString(j, """
                {"model": {"layers": [{"type": "Linear", "in_features": 4, "out_features": 3}]},
                 "data": {"train": {"format": "npy", "x": "x.npy", "y": "y.npy"}},
                 "loss": {"type": "MSELoss"},
                 "optimizer": {"type": "SGD", "lr": 0.1, "momentum": 0.9},
                 "training": {"epochs": "2"}}
                """);
        // a quoted integer is read as the integer it spells
        assertEquals(2, RunConfig.load(j, List.of()).epochs);
        Files.writeString(j, "{\"model\": {\"layers\": []},\n \"bogus\": true}");
        ConfigException e = assertThrows(ConfigException.class, () -> RunConfig.load(j, List.of()));
        assertTrue(e.getMessage().contains("run.json:2:2: bogus: unknown key"), e.getMessage());
        Files.writeString(j, "{\"model\": {\"layers\": [}");
        e = assertThrows(ConfigException.class, () -> RunConfig.load(j, List.of()));
        assertTrue(e.getMessage().contains("run.json:1:") && e.getMessage().contains("JSON syntax error"), e.getMessage());
        Files.writeString(j, "");
        e = assertThrows(ConfigException.class, () -> RunConfig.load(j, List.of()));
        assertTrue(e.getMessage().contains("the config is empty"), e.getMessage());
    }

    @Test
    void missingSectionsAndDuplicates() {
        String noLoss = error(GOOD.replace("loss: {type: CrossEntropyLoss}\n", ""));
        assertTrue(noLoss.contains("loss: required"), noLoss);
        String dup = error(GOOD + "loss: {type: MSELoss}\n");
        assertTrue(dup.contains("run.yaml:14:1: loss: duplicate key (first given at line 10)"), dup);
        String format = error(GOOD.replace("format: npy", "format: parquet"));
        assertTrue(format.contains(":8:") && format.contains("data.train.format: unknown data format 'parquet'"), format);
        String metric = assertThrows(ConfigException.class, () -> load(GOOD.replace("[accuracy, f1]", "[accuracy, f2]")).metrics(3))
                .getMessage();
        assertTrue(metric.contains("run.yaml:13:21: metrics[1]: unknown metric 'f2'"), metric);
    }

    @Test
    void layerInitialisersAndStartingWeights() throws IOException {
        RunConfig c = load(GOOD.replace("{type: Linear, in_features: 8, out_features: 3}",
                "{type: Linear, in_features: 8, out_features: 3, weight_init: {type: constant, val: 0.5}, bias_init: zeros}"));
        Sequential m = c.buildModel(new Generator(0));
        for (float v : m.stateDict().get("3.weight").toFloatArray()) assertEquals(0.5f, v);
        for (float v : m.stateDict().get("3.bias").toFloatArray()) assertEquals(0f, v);
        // model.init loads a state dict with PyTorch's Sequential names
        dev.nabla.io.SafeTensors.write(dir.resolve("w.safetensors"), m.stateDict(), java.util.Map.of("format", "pt"));
        RunConfig c2 = load(GOOD.replace("  layers:", "  init: w.safetensors\n  layers:"));
        Sequential m2 = c2.buildModel(new Generator(1));
        assertArrayEquals(m.stateDict().get("1.weight").toFloatArray(), m2.stateDict().get("1.weight").toFloatArray());
        for (float v : m2.stateDict().get("3.weight").toFloatArray()) assertEquals(0.5f, v);
        String mismatch = error(GOOD.replace("  layers:", "  init: w.safetensors\n  layers:").replace("out_features: 8}", "out_features: 9}")
                .replace("in_features: 8,", "in_features: 9,"));
        assertTrue(mismatch.contains("run.yaml:2:9: model.init: Error(s) in loading state_dict for Sequential: size mismatch for 1.weight"),
                mismatch);
        String badInit = error(GOOD.replace("{type: ReLU}", "{type: ReLU, weight_init: zeros}"));
        assertTrue(badInit.contains(":5:") && badInit.contains("model.layers[2].weight_init: ReLU has no parameter 'weight'"), badInit);
    }
}
