package dev.nabla.io;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every valid file, truncated at every length, with header bytes flipped, and random garbage: the readers
 * must answer with the data or an IOException naming the file, never another exception, an OOM or a hang.
 */
@Timeout(180)
class HostileFilesTest {
    @TempDir
    Path dir;

    /** The NPY fixtures whose headers are mutated byte by byte (all are truncated); a spread of versions and dtypes. */
    private static final List<String> FLIPPED_NPY = List.of("f4_2x3.npy", "i8.npy", "fortran_f4.npy", "v2.npy", "v3.npy",
            "scalar.npy", "empty.npy", "be_f4.npy", "u1.npy", "b1.npy");

    private interface Reader {
        Object read(Path p) throws IOException;
    }

    private record Sample(String name, byte[] bytes, int headerEnd, Reader reader, boolean flip) {
        Sample(String name, byte[] bytes, int headerEnd, Reader reader) {
            this(name, bytes, headerEnd, reader, true);
        }
    }

    private static byte[] fixture(String name) {
        try {
            return Files.readAllBytes(IoFixtures.path(name));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Sample> samples() throws IOException {
        List<Sample> s = new ArrayList<>();
        for (String name : IoFixtures.section("npy").keySet()) {
            byte[] b = fixture(name);
            int prefix = b[6] == 1 ? 10 : 12;
            int hlen = b[6] == 1 ? (b[8] & 0xFF) | (b[9] & 0xFF) << 8 : ByteBuffer.wrap(b, 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
            // mutate the preamble and the dict text, not the padding after it
            int dictEnd = prefix + new String(b, prefix, hlen, java.nio.charset.StandardCharsets.ISO_8859_1).lastIndexOf('}') + 1;
            s.add(new Sample(name, b, dictEnd, Npy::read, FLIPPED_NPY.contains(name)));
        }
        byte[] st = fixture("tensors.safetensors");
        s.add(new Sample("tensors.safetensors", st, 8 + (int) ByteBuffer.wrap(st).order(ByteOrder.LITTLE_ENDIAN).getLong(), SafeTensors::read));
        byte[] images = new byte[3 * 4 * 5];
        new Random(3).nextBytes(images);
        byte[] idx = IdxTest.idx(0x08, new int[] {3, 4, 5}, images);
        s.add(new Sample("images.idx", idx, 16, Idx::read));
        byte[] gz = IdxTest.gzip(idx);
        s.add(new Sample("images.idx.gz", gz, gz.length, Idx::read));
        byte[] f = ByteBuffer.allocate(16).putDouble(1.5).putDouble(-2).array();
        s.add(new Sample("doubles.idx", IdxTest.idx(0x0E, new int[] {2}, f), 8, Idx::read));
        return s;
    }

    /** Reads {@code content} as {@code name}; returns true if it was rejected properly, false if it was accepted. */
    private boolean probe(Sample s, byte[] content, String mutation, List<String> problems) throws IOException {
        Path p = dir.resolve("hostile-" + s.name);
        Files.write(p, content);
        try {
            s.reader.read(p);
            return false;
        } catch (IOException e) {
            if (e.getMessage() == null || !e.getMessage().contains(p.getFileName().toString()))
                problems.add(s.name + " " + mutation + ": message does not name the file: " + e);
            return true;
        } catch (Throwable t) {
            problems.add(s.name + " " + mutation + ": " + t);
            return true;
        }
    }

    private static void report(List<String> problems) {
        if (!problems.isEmpty())
            fail(problems.size() + " bad reactions, first ones:\n" + String.join("\n", problems.subList(0, Math.min(10, problems.size()))));
    }

    @TestFactory
    Stream<DynamicTest> everyTruncationIsRejected() throws IOException {
        return samples().stream().map(s -> DynamicTest.dynamicTest(s.name, () -> {
            List<String> problems = new ArrayList<>();
            // every length through the header, then every third one through the data
            for (int len = 0; len < s.bytes.length; len += len < s.headerEnd + 16 ? 1 : 3)
                if (!probe(s, Arrays.copyOf(s.bytes, len), "truncated to " + len, problems))
                    problems.add(s.name + " truncated to " + len + " bytes was accepted");
            assertTrue(!probe(s, s.bytes, "intact", problems), s.name + " intact must be readable");
            report(problems);
        }));
    }

    @TestFactory
    Stream<DynamicTest> flippedHeaderBytesNeverEscapeAsOtherErrors() throws IOException {
        byte[] masks = {0x01, 0x10, (byte) 0x80, (byte) 0xFF};
        byte[] values = {0, '}', '"', '\'', ',', '9', '-', (byte) 0xC3};
        return samples().stream().filter(Sample::flip).map(s -> DynamicTest.dynamicTest(s.name, () -> {
            List<String> problems = new ArrayList<>();
            int rejected = 0, tried = 0;
            boolean big = s.headerEnd > 200; // the safetensors header: fewer mutations per byte
            for (int at = 0; at < s.headerEnd; at++) {
                for (byte m : big ? new byte[] {0x01, (byte) 0xFF} : masks) {
                    byte[] b = s.bytes.clone();
                    b[at] ^= m;
                    tried++;
                    if (probe(s, b, "byte " + at + " ^ " + m, problems)) rejected++;
                }
                for (byte v : big ? new byte[] {'"'} : values) {
                    byte[] b = s.bytes.clone();
                    if (b[at] == v) continue;
                    b[at] = v;
                    tried++;
                    if (probe(s, b, "byte " + at + " = " + v, problems)) rejected++;
                }
            }
            report(problems);
            assertTrue(rejected > tried / 4, s.name + ": only " + rejected + " of " + tried + " mutations were rejected");
        }));
    }

    @TestFactory
    Stream<DynamicTest> garbageAndHugeClaims() throws IOException {
        return samples().stream().map(s -> DynamicTest.dynamicTest(s.name, () -> {
            List<String> problems = new ArrayList<>();
            Random r = new Random(s.name.hashCode());
            for (int k = 0; k < 60; k++) {
                byte[] g = new byte[r.nextInt(300)];
                r.nextBytes(g);
                // keep the real magic / start half the time, so the parser gets further
                if (k % 2 == 0) System.arraycopy(s.bytes, 0, g, 0, Math.min(g.length, Math.min(s.headerEnd, 10)));
                probe(s, g, "garbage " + k, problems);
            }
            // every 4-byte window of the header set to 0x7FFFFFFF or 0xFFFFFFFF: huge sizes and lengths
            for (int at = 0; at + 4 <= Math.min(s.headerEnd, s.bytes.length); at += s.headerEnd > 200 ? 3 : 1) {
                for (int v : new int[] {0x7FFFFFFF, 0xFFFFFFFF}) {
                    byte[] b = s.bytes.clone();
                    ByteBuffer.wrap(b).putInt(at, v);
                    probe(s, b, "int at " + at + " = " + v, problems);
                }
            }
            report(problems);
        }));
    }
}
