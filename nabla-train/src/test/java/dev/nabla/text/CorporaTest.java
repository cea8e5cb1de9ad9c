package dev.nabla.text;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

class CorporaTest {
    private static void text(Path p, String s) throws IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, s, StandardCharsets.UTF_8);
    }

    @Test
    void selectsSortsAndDeduplicatesLikeTheScript(@TempDir Path root) throws IOException {
        Path lic = root.resolve("common-licenses"), doc = root.resolve("doc");
        text(lic.resolve("GPL-3"), "GPL three\n");
        Files.createSymbolicLink(lic.resolve("GPL"), Path.of("GPL-3"));   // sorts first, so it is the kept path
        text(lic.resolve(".hidden"), "hidden licence\n");                // os.listdir lists hidden names
        Files.write(lic.resolve("bin"), new byte[] {'a', 0, 'b'});         // NUL: not plain text
        Files.write(lic.resolve("latin1"), new byte[] {'c', 'a', 'f', (byte) 0xE9}); // not UTF-8
        Files.createDirectories(lic.resolve("subdir"));
        text(lic.resolve("subdir/inner"), "not listed: no recursion\n");
        Files.createSymbolicLink(lic.resolve("broken"), Path.of("nowhere"));
        text(doc.resolve("pkg-a/copyright"), "Copyright pkg-a ✓\n");
        Files.createDirectories(doc.resolve("pkg-b"));
        Files.createSymbolicLink(doc.resolve("pkg-b/copyright"), Path.of("../../common-licenses/GPL-3")); // same real path
        Files.createSymbolicLink(doc.resolve("pkg-c"), Path.of("pkg-a"));  // linked doc dir: same real path
        text(doc.resolve(".hidden/copyright"), "glob's * skips hidden names\n");
        Files.createDirectories(doc.resolve("pkg-d"));
        Files.createDirectories(doc.resolve("pkg-e/copyright"));
        text(doc.resolve("pkg-f/copyright.gz"), "not the name\n");
        text(doc.resolve("Zed/copyright"), "capital sorts before lower case\n");

        List<Path> files = Corpora.commonLicenseFiles(root);
        assertEquals(List.of(lic.resolve(".hidden"), lic.resolve("GPL"), doc.resolve("Zed/copyright"), doc.resolve("pkg-a/copyright")), files);
        assertEquals("hidden licence\nGPL three\ncapital sorts before lower case\nCopyright pkg-a ✓\n",
                new String(Corpora.commonLicenses(root), StandardCharsets.UTF_8));
        assertThrows(IOException.class, () -> Corpora.commonLicenses(root.resolve("nothing-here")));
    }

    @Test
    void readNamesTheFile(@TempDir Path dir) throws IOException {
        Files.write(dir.resolve("a.txt"), new byte[] {1, 2, (byte) 0xFF});
        assertArrayEquals(new byte[] {1, 2, (byte) 0xFF}, Corpora.read(dir.resolve("a.txt")));
        IOException e = assertThrows(IOException.class, () -> Corpora.read(dir.resolve("missing.txt")));
        assertTrue(e.getMessage().contains("missing.txt"), e.getMessage());
    }

    /**
     * The same bytes as the reference script's corpus, when the script and /usr/bin/python3 are there
     * (script path: system property nabla.peerScript, default ../shared/peers/pytorch_bench.py beside the
     * project root; tests run in the module's folder).
     */
    @Test
    void matchesThePeerScriptsCorpus(@TempDir Path dir) throws Exception {
        Path python = Path.of("/usr/bin/python3");
        Path script = Path.of(System.getProperty("nabla.peerScript", "../../shared/peers/pytorch_bench.py"));
        Assumptions.assumeTrue(Files.isExecutable(python) && Files.isRegularFile(script), "no python3 or peer script");
        Path out = dir.resolve("corpus.bin");
        Process p = new ProcessBuilder(python.toString(), script.toString(), "gpt", "--save-text", out.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        p.getInputStream().transferTo(stdout);
        Assumptions.assumeTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, "the script failed");
        byte[] expected = Files.readAllBytes(out);
        byte[] actual = Corpora.commonLicenses();
        assertEquals(expected.length, actual.length);
        assertArrayEquals(expected, actual);
        String info = stdout.toString(StandardCharsets.UTF_8);
        String hex = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(actual));
        assertTrue(info.contains(hex), info + " vs " + hex);
        assertTrue(info.contains("\"text_files\": " + Corpora.commonLicenseFiles(Path.of("/usr/share")).size()), info);
    }
}
